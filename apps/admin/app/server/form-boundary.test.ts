import type { ActionFunctionArgs } from '@remix-run/node'
import { describe, expect, it } from 'vitest'
import { action as decideAction } from '../routes/_app.registrations.$registrationId'
import { isFormAction } from './form-boundary.server'

/**
 * The admin app's form boundary: every route's action is wrapped, so a
 * control character in any submitted field is a 400 with a message under
 * that field instead of a Postgres error and a 500.
 */
const routes = import.meta.glob<{ action?: unknown }>('../routes/*.{ts,tsx}')

// Bodies that are not forms people fill in, each with a boundary of its own.
const OWN_BOUNDARY: Record<string, string> = {
  '../routes/api.trpc.$.ts': 'JSON; the tRPC middleware checks every procedure’s input',
  '../routes/api.inbound.email.ts': 'provider webhooks; the mail reader strips control characters',
  '../routes/api.slack.commands.$slug.ts': 'signed Slack payloads; registration fields go through core’s field schemas',
  '../routes/api.crm.webhook.$token.ts': 'CRM change notifications (JSON), no free text stored',
}

describe('the admin form boundary', () => {
  it('wraps every route action', async () => {
    const unwrapped: string[] = []
    for (const [path, load] of Object.entries(routes)) {
      if (path in OWN_BOUNDARY) continue
      const module = await load()
      if (module.action && !isFormAction(module.action)) unwrapped.push(path)
    }
    expect(Object.keys(routes).length).toBeGreaterThan(30)
    expect(unwrapped).toEqual([])
  })

  it('answers a NUL with a field message for the form that was sent, before anything else runs', async () => {
    const body = new FormData()
    body.set('intent', 'reject')
    body.set('reason', 'Already ours\u0000')
    const args = { request: new Request('http://admin.test/registrations/x', { method: 'POST', body }), context: { clientIp: '127.0.0.1' }, params: { registrationId: 'x' } } as unknown as ActionFunctionArgs
    const result = (await decideAction(args)) as unknown as { data: unknown; init: { status: number } }
    expect(result.init.status).toBe(400)
    expect(result.data).toEqual({
      ok: false,
      intent: 'reject',
      code: 'VALIDATION',
      formError: expect.stringMatching(/invisible control characters/),
      fieldErrors: { reason: ['This field contains invisible control characters.'] },
      values: { intent: 'reject', reason: 'Already ours' },
    })
  })
})

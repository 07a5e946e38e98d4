import { randomUUID } from 'node:crypto'
import { createVendor, type VendorFixture } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { action, loader } from '../routes/api.inbound.email'

/**
 * The inbound endpoint against a real database: it checks the caller, stores
 * the message and queues its job, and answers 202 at once; the body is never
 * parsed on the request (a 1 MB HTML mail of "<" took minutes when it was).
 */
vi.hoisted(() => {
  // Read by emailEnv() on the first request; nothing reads it earlier in this file.
  process.env.INBOUND_EMAIL_TOKEN = 'route-test-inbound-token'
})

let deps: TestDeps
let vendor: VendorFixture

beforeAll(async () => {
  deps = await createTestDeps()
  // The route reads the process-wide runtime deps; hand it the test database's.
  ;(globalThis as Record<symbol, unknown>)[Symbol.for('accord.admin.runtimeDeps')] = Promise.resolve({ ...deps, close: deps.close })
  vendor = await createVendor(deps, { companyName: 'Inbound Route Vendor' })
})
afterAll(async () => {
  await deps?.close()
})

const MB = 1 << 20

function htmlMail(messageId: string): Buffer {
  const head = [
    'From: Rita <rita@route-partner.example>',
    `To: registrations+${vendor.slug}@inbound.accord.localhost`,
    'Subject: New lead',
    `Message-ID: <${messageId}@route-partner.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    '',
  ].join('\r\n')
  return Buffer.concat([Buffer.from(head), Buffer.from(`<p>Company: Acme</p>${'<'.repeat(MB)}`)])
}

const post = (body: Buffer, headers: Record<string, string> = {}) =>
  action({
    request: new Request('http://admin.test/api/inbound/email', { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'message/rfc822', authorization: 'Bearer route-test-inbound-token', ...headers } }),
    params: {},
    context: { clientIp: '127.0.0.1' },
  })

describe('POST /api/inbound/email', () => {
  it('answers 202 quickly for a 1 MB HTML mail: stored and queued, not parsed', async () => {
    await post(htmlMail(randomUUID()))
    let fastest = Number.POSITIVE_INFINITY
    let last: Response | undefined
    let id = ''
    for (let attempt = 0; attempt < 3; attempt++) {
      id = randomUUID()
      const started = performance.now()
      last = await post(htmlMail(id))
      fastest = Math.min(fastest, performance.now() - started)
    }
    expect(last?.status).toBe(202)
    const body = (await last?.json()) as { outcome: string; messageId: string }
    expect(body.outcome).toBe('queued')
    expect(fastest).toBeLessThan(500)
    const stored = await deps.ownerDb.selectFrom('inbound_messages').select(['status', 'tenant_id']).where('id', '=', body.messageId).executeTakeFirstOrThrow()
    expect(stored).toEqual({ status: 'queued', tenant_id: vendor.tenantId })
    expect(await deps.ownerDb.selectFrom('inbound_emails').select('id').where('message_key', '=', `id:<${id}@route-partner.example>`).execute()).toEqual([])

    // The same message again: nothing new is stored.
    const again = await post(htmlMail(id))
    expect(again.status).toBe(202)
    expect(await again.json()).toEqual({ outcome: 'duplicate_delivery' })
  })

  it('refuses callers without the token, bodies over 10 MB and other methods', async () => {
    expect((await post(htmlMail(randomUUID()), { authorization: 'Bearer wrong' })).status).toBe(401)
    const tooLarge = await post(Buffer.from('x'), { 'content-length': String(10 * MB + 1) })
    expect(tooLarge.status).toBe(413)
    expect(((await tooLarge.json()) as { error: string }).error).toBe('The message is larger than 10 MB; it was not accepted.')
    expect(loader().status).toBe(405)
    const notJson = await post(Buffer.from('{nope'), { 'content-type': 'application/json' })
    expect(notJson.status).toBe(400)
  })
})

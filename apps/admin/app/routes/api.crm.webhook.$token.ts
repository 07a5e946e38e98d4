import { consumeRateLimit, receiveCrmWebhook } from '@accord/core'
import type { ActionFunctionArgs } from '@remix-run/node'
import { runtimeDeps } from '~/server/runtime.server'

/**
 * The optional CRM webhook: point a HubSpot app's deal subscriptions (or a
 * Salesforce outbound message / flow) at the URL shown on Settings → CRM and
 * changes sync within seconds instead of at the next 5-minute sweep. The
 * secret in the path authenticates; the body is only a nudge.
 */
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })

export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json(405, { error: 'Use POST.' })
  const deps = await runtimeDeps()
  const clientIp = (context as { clientIp?: string | null }).clientIp ?? 'unknown'
  const limit = await consumeRateLimit(deps.db, `crm-webhook:${clientIp}`, { limit: 600, windowSeconds: 60 }, deps.now())
  if (!limit.allowed) return json(429, { error: 'Too many webhook calls; slow down.' }, { 'retry-after': String(limit.retryAfterSeconds) })
  const outcome = await receiveCrmWebhook(deps, { token: params.token ?? '' })
  // Unknown or wrong secrets look the same as a missing connection: nothing to learn from the answer.
  return outcome.accepted ? json(202, { accepted: true }) : json(404, { error: 'No CRM connection answers at this address.' })
}

export function loader() {
  return json(405, { error: 'POST CRM change notifications here.' })
}

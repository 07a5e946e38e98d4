import { consumeRateLimit, handleSlackRegisterCommand } from '@accord/core'
import type { ActionFunctionArgs } from '@remix-run/node'
import { runtimeDeps } from '~/server/runtime.server'

/**
 * Slack's `/register` slash command for one workspace: paste
 * `<ADMIN_URL>/api/slack/commands/<workspace>` as the command's Request URL
 * (the settings page shows it). The raw body is read untouched because the
 * Slack signature covers it byte for byte; core verifies the signature, the
 * 5-minute window and that the request was not seen before, then answers with
 * an ephemeral message (200) — or refuses (401 unsigned/stale, 409 replay).
 */
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })

const MAX_COMMAND_BYTES = 64 * 1024

export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json(405, { error: 'Use POST.' })
  const deps = await runtimeDeps()
  const clientIp = (context as { clientIp?: string | null }).clientIp ?? 'unknown'
  // Two buckets: per address overall (generous: Slack sends every workspace's commands from shared
  // addresses), and per workspace and address (so one busy workspace does not use up another's).
  // The workspace part is normalised like slugs are, so varying the address does not make new buckets.
  const slug = (params.slug ?? '').toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 40)
  for (const [key, perMinute] of [[`slack-command:${clientIp}`, 3000], [`slack-command:${slug}:${clientIp}`, 300]] as const) {
    const limit = await consumeRateLimit(deps.db, key, { limit: perMinute, windowSeconds: 60 }, deps.now())
    if (!limit.allowed) return json(429, { error: 'Too many Slack commands; slow down.' }, { 'retry-after': String(limit.retryAfterSeconds) })
  }
  const rawBody = await request.text()
  if (Buffer.byteLength(rawBody) > MAX_COMMAND_BYTES) return json(413, { error: 'That command is too long.' })
  const result = await handleSlackRegisterCommand(deps, {
    rawBody,
    timestamp: request.headers.get('x-slack-request-timestamp'),
    signature: request.headers.get('x-slack-signature'),
    tenantSlug: params.slug ?? '',
  })
  return json(result.status, result.body)
}

export function loader() {
  return json(405, { error: 'Slack posts /register slash commands here.' })
}

import { acceptInboundEmail, AppError, MAX_INBOUND_MESSAGE_BYTES } from '@accord/core'
import { authoriseInbound } from '@accord/email'
import type { ActionFunctionArgs } from '@remix-run/node'
import { runtimeDeps } from '~/server/runtime.server'

/**
 * The inbound address's endpoint — registrations to `registrations+<workspace>@…`
 * and replies to notifications (`reply+<token>@…`): a raw RFC 822 message (an
 * MTA or relay, `Authorization: Bearer <INBOUND_EMAIL_TOKEN>`) or Resend's
 * inbound webhook (signed with RESEND_WEBHOOK_SECRET). Locally, with the dev
 * mailbox on, it needs no configuration.
 *
 * It only checks who is posting, stores the message in the workspace it is
 * addressed to and queues the job that reads it (`acceptInboundEmail`), then
 * answers 202: the body is parsed by the worker, never on this request.
 */
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } })

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json(405, { error: 'Use POST.' })
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > MAX_INBOUND_MESSAGE_BYTES) return json(413, { error: `The message is larger than ${MAX_INBOUND_MESSAGE_BYTES / 1024 / 1024} MB; it was not accepted.` })
  const bytes = Buffer.from(await request.arrayBuffer())
  const auth = authoriseInbound({
    authorization: request.headers.get('authorization'),
    svixId: request.headers.get('svix-id') ?? request.headers.get('webhook-id'),
    svixTimestamp: request.headers.get('svix-timestamp') ?? request.headers.get('webhook-timestamp'),
    svixSignature: request.headers.get('svix-signature') ?? request.headers.get('webhook-signature'),
    body: bytes.toString('utf8'),
  })
  if (!auth.ok) return json(auth.status, { error: auth.message })
  if (bytes.length === 0) return json(400, { error: 'The request has no message.' })

  const source = (request.headers.get('content-type') ?? '').includes('application/json') ? 'resend' : 'rfc822'
  try {
    const accepted = await acceptInboundEmail(await runtimeDeps(), { source, bytes })
    // 202 either way: the message is queued, was queued before, or names no workspace (dropped; a retry cannot change that).
    return json(202, accepted)
  } catch (error) {
    if (error instanceof AppError && (error.code === 'VALIDATION' || error.code === 'PAYLOAD_TOO_LARGE')) return json(error.httpStatus, { error: error.message })
    throw error
  }
}

export function loader() {
  return json(405, { error: 'POST a raw e-mail (message/rfc822) or a Resend inbound webhook here.' })
}

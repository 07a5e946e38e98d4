import { type InboundMail, parseRawMail, parseResendInbound, receiveRegistrationEmail, resendEmailIdToFetch } from '@accord/core'
import { authoriseInbound, fetchReceivedEmail } from '@accord/email'
import { emailEnv } from '@accord/email/env'
import type { ActionFunctionArgs } from '@remix-run/node'
import { runtimeDeps } from '~/server/runtime.server'

/**
 * The inbound address's endpoint — registrations to `registrations+<workspace>@…`
 * and replies to notifications (`reply+<token>@…`), told apart in core
 * (`receiveRegistrationEmail`): a raw RFC 822 message (an MTA or
 * relay, `Authorization: Bearer <INBOUND_EMAIL_TOKEN>`) or Resend's inbound
 * webhook (signed with RESEND_WEBHOOK_SECRET). Locally, with the dev mailbox
 * on, it needs no configuration.
 */
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } })

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json(405, { error: 'Use POST.' })
  const bytes = Buffer.from(await request.arrayBuffer())
  const body = bytes.toString('utf8')
  const auth = authoriseInbound({
    authorization: request.headers.get('authorization'),
    svixId: request.headers.get('svix-id') ?? request.headers.get('webhook-id'),
    svixTimestamp: request.headers.get('svix-timestamp') ?? request.headers.get('webhook-timestamp'),
    svixSignature: request.headers.get('svix-signature') ?? request.headers.get('webhook-signature'),
    body,
  })
  if (!auth.ok) return json(auth.status, { error: auth.message })
  if (bytes.length === 0) return json(400, { error: 'The request has no message.' })

  let mail: InboundMail
  try {
    if ((request.headers.get('content-type') ?? '').includes('application/json')) {
      const payload: unknown = JSON.parse(body)
      const emailId = resendEmailIdToFetch(payload)
      const env = emailEnv()
      if (emailId) {
        if (!env.RESEND_API_KEY) return json(422, { error: 'This Resend webhook carries no message body, and RESEND_API_KEY is not set to fetch it.' })
        mail = parseResendInbound(await fetchReceivedEmail({ apiKey: env.RESEND_API_KEY, baseUrl: env.RESEND_BASE_URL }, emailId))
      } else {
        mail = parseResendInbound(payload)
      }
    } else {
      mail = await parseRawMail(bytes)
    }
  } catch (error) {
    return json(400, { error: `The message could not be read: ${error instanceof Error ? error.message : 'unknown format'}` })
  }
  const deps = await runtimeDeps()
  const outcome = await receiveRegistrationEmail(deps, { mail })
  return json(outcome.outcome === 'no_workspace' ? 202 : 200, outcome)
}

export function loader() {
  return json(405, { error: 'POST a raw e-mail (message/rfc822) or a Resend inbound webhook here.' })
}

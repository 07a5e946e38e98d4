import { createHmac, timingSafeEqual } from 'node:crypto'
import { Resend } from 'resend'
import { type EmailEnv, devMailboxEnabled, emailEnv } from './env.js'

/**
 * Inbound e-mail plumbing for the registration address: who may post to the
 * endpoint, Resend webhook signatures (Svix scheme), and fetching a received
 * message's body through the real Resend SDK (its `email.received` webhook
 * carries metadata only).
 */

export type InboundAuthorisation = { ok: true; via: 'resend_signature' | 'token' | 'local' } | { ok: false; status: 401 | 503; message: string }

const SIGNATURE_TOLERANCE_SECONDS = 5 * 60

/** Svix-style signature check: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, secret `whsec_<base64>`. */
export function verifyResendWebhook(secret: string, headers: { id: string | null; timestamp: string | null; signature: string | null }, body: string, now: Date = new Date()): boolean {
  if (!headers.id || !headers.timestamp || !headers.signature) return false
  const timestamp = Number(headers.timestamp)
  if (!Number.isFinite(timestamp) || Math.abs(now.getTime() / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64')
  const expected = createHmac('sha256', key).update(`${headers.id}.${headers.timestamp}.${body}`).digest()
  return headers.signature.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',')
    if (version !== 'v1' || !value) return false
    const given = Buffer.from(value, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}

/** Sign like Resend does (tests and the dev mailbox's "send a mail in"). */
export function signResendWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

export function authoriseInbound(request: { authorization: string | null; svixId: string | null; svixTimestamp: string | null; svixSignature: string | null; body: string }, env: EmailEnv = emailEnv(), now: Date = new Date()): InboundAuthorisation {
  if (request.svixSignature && env.RESEND_WEBHOOK_SECRET) {
    return verifyResendWebhook(env.RESEND_WEBHOOK_SECRET, { id: request.svixId, timestamp: request.svixTimestamp, signature: request.svixSignature }, request.body, now)
      ? { ok: true, via: 'resend_signature' }
      : { ok: false, status: 401, message: 'The webhook signature is not valid.' }
  }
  if (env.INBOUND_EMAIL_TOKEN) {
    const given = request.authorization?.startsWith('Bearer ') ? request.authorization.slice(7) : ''
    const expected = env.INBOUND_EMAIL_TOKEN
    return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected)) ? { ok: true, via: 'token' } : { ok: false, status: 401, message: 'Send the inbound token as "Authorization: Bearer <INBOUND_EMAIL_TOKEN>".' }
  }
  // The zero-configuration local stack accepts mail from the dev mailbox and curl.
  if (devMailboxEnabled(env)) return { ok: true, via: 'local' }
  if (env.RESEND_WEBHOOK_SECRET) return { ok: false, status: 401, message: 'The request is not signed by Resend.' }
  return { ok: false, status: 503, message: 'Inbound e-mail is not configured: set INBOUND_EMAIL_TOKEN (for an MTA or relay) or RESEND_WEBHOOK_SECRET (for Resend).' }
}

/** A received message (with body) from Resend's API, through the real SDK. */
export async function fetchReceivedEmail(options: { apiKey: string; baseUrl?: string }, emailId: string): Promise<unknown> {
  const resend = new Resend(options.apiKey, { baseUrl: (options.baseUrl ?? 'https://api.resend.com').replace(/\/$/, '') })
  const { data, error } = await resend.emails.receiving.get(emailId)
  if (error || !data) throw new Error(`Resend could not return received e-mail ${emailId}: ${error?.message ?? 'no data'}`)
  return data
}

export function registrationAddress(slug: string, env: EmailEnv = emailEnv()): string {
  return `registrations+${slug}@${env.INBOUND_EMAIL_DOMAIN}`
}

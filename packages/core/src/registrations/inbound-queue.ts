import { createHash } from 'node:crypto'
import { withTenant } from '@accord/db'
import { fetchReceivedEmail } from '@accord/email'
import { emailEnv } from '@accord/email/env'
import { inboundEmail } from '@accord/jobs'
import type { CoreDeps } from '../context.js'
import { AppError } from '../errors.js'
import { findTenantBySlug } from '../tenants/lookup.js'
import { type InboundOutcome, receiveRegistrationEmail, workspaceSlugFromAddress } from './email-in.js'
import { type InboundMail, parseRawMail, parseResendInbound, resendEmailIdToFetch, resendRecipients, senderAuthentication } from './inbound-email.js'
import { settleInboundMessage } from './inbound-messages.js'
import { replyTokenFromAddresses, verifyReplyToken } from './reply-address.js'

/**
 * Inbound e-mail off the request path (decision 014). The endpoint only
 * checks who is posting, reads the recipients from the envelope (a linear
 * scan of the header block, or Resend's metadata), stores the message as it
 * came in the workspace it is addressed to and queues `inbound.email` in the
 * same transaction; the worker parses and acts on it. Nothing that depends on
 * the body runs on a web request.
 */

/** Largest message stored: registrations and replies are a few kilobytes; attachments are not read. */
export const MAX_INBOUND_MESSAGE_BYTES = 10 * 1024 * 1024
/** How much of a raw message is searched for the end of its header block. */
const MAX_HEADER_BLOCK_BYTES = 256 * 1024
const MAX_RECIPIENTS = 100

export type InboundSource = 'rfc822' | 'resend' | 'dev_mailbox'

export type AcceptedInbound =
  | { outcome: 'queued'; messageId: string }
  | { outcome: 'duplicate_delivery' }
  | { outcome: 'no_workspace'; detail: string }

/**
 * Stores a received message and queues its job. Throws AppError
 * (PAYLOAD_TOO_LARGE, VALIDATION) for what cannot be a message; a message
 * for no workspace is dropped (there is nobody to store it for).
 */
export async function acceptInboundEmail(deps: CoreDeps, input: { source: InboundSource; bytes: Uint8Array; senderVerified?: boolean }): Promise<AcceptedInbound> {
  if (input.bytes.length === 0) throw AppError.validation({ message: ['The request has no message.'] }, 'The request has no message.')
  if (input.bytes.length > MAX_INBOUND_MESSAGE_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', `The message is larger than ${MAX_INBOUND_MESSAGE_BYTES / 1024 / 1024} MB; it was not accepted.`)
  }
  const envelope = input.source === 'resend' ? resendEnvelope(input.bytes) : readEnvelope(input.bytes)
  const tenantId = await workspaceFor(deps, envelope.to)
  if (!tenantId) return { outcome: 'no_workspace', detail: `No workspace matches ${envelope.to.slice(0, 5).join(', ') || 'the recipient'}.` }
  const dedupeKey = envelope.messageId ? `id:${envelope.messageId.toLowerCase()}` : `sha256:${createHash('sha256').update(input.bytes).digest('hex')}`
  return withTenant(deps.db, { tenantId }, async (trx) => {
    const stored = await trx
      .insertInto('inbound_messages')
      .values({ tenant_id: tenantId, source: input.source, dedupe_key: dedupeKey.slice(0, 1000), raw: Buffer.from(input.bytes), sender_verified: input.source === 'dev_mailbox' && input.senderVerified === true })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'dedupe_key']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!stored) return { outcome: 'duplicate_delivery' as const }
    await deps.jobs.send(trx, inboundEmail, { tenantId, messageId: stored.id })
    return { outcome: 'queued' as const, messageId: stored.id }
  })
}

/** The workspace the recipients name: a reply token's tenant, else the first registration address of an active workspace. */
async function workspaceFor(deps: CoreDeps, addresses: string[]): Promise<string | null> {
  const token = replyTokenFromAddresses(addresses)
  if (token !== null) {
    // The token's MAC is checked when the message is read; a refusal is answered from this workspace.
    const tenantId = verifyReplyToken(token).tenantId
    if (!tenantId) return null
    const tenant = await withTenant(deps.db, { tenantId }, (trx) => trx.selectFrom('tenants').select('status').where('id', '=', tenantId).executeTakeFirst())
    return tenant?.status === 'active' ? tenantId : null
  }
  for (const address of addresses) {
    const slug = workspaceSlugFromAddress(address)
    if (!slug) continue
    const tenant = await findTenantBySlug(deps.db, slug)
    if (tenant?.status === 'active') return tenant.id
  }
  return null
}

/**
 * The `To:` addresses and Message-ID of a raw message, from its header block
 * alone (up to the first empty line, at most 256 KB): unfolded, split into
 * header lines, addresses taken from between "<>" or as written. One pass;
 * the full parse happens in the worker, which checks the routing again.
 */
export function readEnvelope(bytes: Uint8Array): { to: string[]; messageId: string | null } {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, MAX_HEADER_BLOCK_BYTES)).toString('latin1')
  const ends = [head.indexOf('\r\n\r\n'), head.indexOf('\n\n')].filter((index) => index !== -1)
  const block = ends.length > 0 ? head.slice(0, Math.min(...ends)) : head
  const to: string[] = []
  let messageId: string | null = null
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (name === 'to') to.push(...addressesIn(value))
    else if (name === 'message-id' && messageId === null && value !== '') messageId = value.slice(0, 998)
  }
  return { to: to.slice(0, MAX_RECIPIENTS), messageId }
}

/** "Rita <rita@x.com>, reply+abc@y.com" → the addresses, lower-cased. Commas inside quoted names only split the name, which is dropped. */
function addressesIn(value: string): string[] {
  const addresses: string[] = []
  for (const piece of value.split(',')) {
    if (addresses.length >= MAX_RECIPIENTS) break
    const open = piece.lastIndexOf('<')
    const close = open === -1 ? -1 : piece.indexOf('>', open)
    const address = (open === -1 ? piece : piece.slice(open + 1, close === -1 ? undefined : close)).trim().toLowerCase()
    if (address.includes('@') && address.length <= 320) addresses.push(address)
  }
  return addresses
}

function resendEnvelope(bytes: Uint8Array): { to: string[]; messageId: string | null } {
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'))
  } catch {
    throw AppError.validation({ message: ['The request is not valid JSON.'] }, 'The request is not valid JSON.')
  }
  let to: string[]
  try {
    to = resendRecipients(payload)
  } catch (error) {
    throw AppError.validation({ message: [error instanceof Error ? error.message : 'Not a Resend inbound payload.'] }, 'The request is not a Resend inbound e-mail.')
  }
  const data = (payload as { data?: Record<string, unknown> }).data ?? (payload as Record<string, unknown>)
  const id = typeof data.message_id === 'string' ? data.message_id : null
  const emailId = typeof data.email_id === 'string' ? data.email_id : typeof data.id === 'string' ? data.id : null
  return { to: to.map((entry) => addressesIn(entry)[0] ?? entry.toLowerCase()), messageId: id ?? (emailId ? `resend:${emailId}` : null) }
}

// ---------------------------------------------------------------------------
// The worker's side

export type ProcessedInbound =
  | { outcome: 'already_processed' | 'not_found' }
  | { outcome: 'unreadable_message'; detail: string }
  | InboundOutcome

export interface ProcessInboundOptions {
  /** Resend API access for fetching a webhook's body; default RESEND_API_KEY / RESEND_BASE_URL. */
  resend?: { apiKey?: string; baseUrl?: string }
  /** Hosts whose Authentication-Results are trusted; default INBOUND_AUTHSERV_ID. */
  trustedAuthservIds?: readonly string[]
}

/**
 * The `inbound.email` job: reads the stored message, parses it (raw or
 * Resend, fetching Resend's body through its API), decides whether the
 * sender is authenticated, and hands it to `receiveRegistrationEmail`, which
 * claims the row in the transaction that acts on it. A message that is
 * already read is skipped; one that cannot be parsed is marked failed and not
 * retried; an outage (database, Resend) throws so the job is retried.
 */
export async function processInboundEmail(deps: CoreDeps, input: { tenantId: string; messageId: string }, options: ProcessInboundOptions = {}): Promise<ProcessedInbound> {
  const row = await withTenant(deps.db, { tenantId: input.tenantId }, (trx) =>
    trx.selectFrom('inbound_messages').select(['id', 'source', 'raw', 'status', 'sender_verified']).where('id', '=', input.messageId).executeTakeFirst(),
  )
  if (!row) return { outcome: 'not_found' }
  if (row.status !== 'queued' || !row.raw) return { outcome: 'already_processed' }

  const unreadable = async (detail: string): Promise<ProcessedInbound> => {
    await settleInboundMessage(deps, { tenantId: input.tenantId, messageId: row.id, outcome: 'unreadable_message', detail, status: 'failed' })
    return { outcome: 'unreadable_message', detail }
  }
  let mail: InboundMail
  if (row.source === 'resend') {
    let payload: unknown
    try {
      payload = JSON.parse(Buffer.from(row.raw).toString('utf8'))
    } catch {
      return unreadable('The stored Resend payload is not valid JSON.')
    }
    const emailId = resendEmailIdToFetch(payload)
    if (emailId) {
      const env = emailEnv()
      const apiKey = options.resend?.apiKey ?? env.RESEND_API_KEY
      if (!apiKey) return unreadable('This Resend webhook carries no message body, and RESEND_API_KEY is not set to fetch it.')
      // A network or Resend error throws: the job is retried.
      payload = await fetchReceivedEmail({ apiKey, baseUrl: options.resend?.baseUrl ?? env.RESEND_BASE_URL }, emailId)
    }
    try {
      mail = parseResendInbound(payload)
    } catch (error) {
      return unreadable(`The message could not be read: ${error instanceof Error ? error.message : 'unknown format'}`)
    }
  } else {
    try {
      mail = await parseRawMail(Buffer.from(row.raw))
    } catch (error) {
      return unreadable(`The message could not be read: ${error instanceof Error ? error.message.slice(0, 300) : 'unknown format'}`)
    }
  }
  const senderVerified = row.source === 'dev_mailbox' ? row.sender_verified : senderAuthentication(mail, options.trustedAuthservIds ?? emailEnv().INBOUND_AUTHSERV_ID).verdict === 'pass'
  return receiveRegistrationEmail(deps, { mail, tenantId: input.tenantId, inboundMessageId: row.id, senderVerified })
}

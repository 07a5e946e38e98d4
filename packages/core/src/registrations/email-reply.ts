import { createHash } from 'node:crypto'
import { type Database, type TenantTransaction, withTenant } from '@accord/db'
import { crmNote } from '@accord/jobs'
import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { enqueueEmail } from '../email/enqueue-email.js'
import { consumeRateLimit } from '../security/rate-limit.js'
import { brandOf } from '../tenants/brand.js'
import { claimInboundMessage, settleInboundMessage } from './inbound-messages.js'
import type { InboundMail } from './inbound-email.js'
import { caseReference, notifyStaff, reviewersFor } from './notify.js'
import { replyTokenFromAddresses, verifyReplyToken } from './reply-address.js'
import { stripQuotedReply } from './reply-text.js'

/**
 * Reply by e-mail (issue 5): a partner answers a registration notification;
 * the mail reaches the inbound endpoint addressed to `reply+<token>@…`
 * (`receiveRegistrationEmail` routes it here). The token is verified, the
 * sender must be the person the notification went to or an active user of
 * the same partner organisation, the quoted history is stripped, and what is
 * left becomes one `partner_reply` event on the registration's timeline
 * (visible to staff and to the partner; the approver or reviewers also get
 * an e-mail), and a note on the CRM deal when a CRM is connected
 * (`crm.note`, same transaction).
 *
 * Forged, edited or unknown addresses, strangers and empty replies get a
 * polite e-mail saying nothing was stored, and nothing is: the message is
 * only logged in `inbound_emails` (sender, subject, outcome — never the
 * body), which is also what makes a redelivered message a no-op. A token
 * that does not even name an existing workspace cannot be answered (there is
 * no outbox to answer from) and is dropped.
 */

export type ReplyRefusal = 'invalid_address' | 'sender_mismatch' | 'not_allowed' | 'empty' | 'unreadable'

export type ReplyOutcome =
  | { outcome: 'reply_recorded'; registrationId: string; eventId: string }
  | { outcome: 'reply_refused'; reason: ReplyRefusal; detail: string }
  | { outcome: 'duplicate_delivery' }

/** Longest reply kept; longer ones are cut (with a marker) rather than refused. */
const MAX_REPLY_CHARS = 10_000

export function isRegistrationReply(mail: InboundMail): boolean {
  return replyTokenFromAddresses(mail.to) !== null
}

export function inboundMessageKey(mail: InboundMail): string {
  if (mail.messageId) return `id:${mail.messageId.toLowerCase()}`
  return `hash:${createHash('sha256').update(`${mail.from?.email ?? ''}\n${mail.subject}\n${mail.text}`).digest('hex')}`
}

export async function receiveRegistrationReply(deps: CoreDeps, input: { mail: InboundMail; tenantId?: string; inboundMessageId?: string }): Promise<ReplyOutcome> {
  const { mail } = input
  const invalid = { outcome: 'reply_refused' as const, reason: 'invalid_address' as const, detail: 'This reply address is not valid.' }
  const token = replyTokenFromAddresses(mail.to)
  const check = token === null ? { valid: false as const, tenantId: null } : verifyReplyToken(token)
  // The stored message must have been filed under the workspace its token names.
  if (!check.tenantId || (input.tenantId !== undefined && check.tenantId !== input.tenantId)) {
    if (input.tenantId && input.inboundMessageId) await settleInboundMessage(deps, { tenantId: input.tenantId, messageId: input.inboundMessageId, outcome: 'reply_refused', detail: invalid.detail })
    return invalid
  }
  const tenantId = check.tenantId
  const sender = mail.from?.email.trim().toLowerCase() ?? null
  const key = inboundMessageKey(mail)

  return withTenant(deps.db, { tenantId }, async (trx) => {
    if (input.inboundMessageId && !(await claimInboundMessage(trx, input.inboundMessageId, deps.now()))) return { outcome: 'duplicate_delivery' as const }
    const recordMessage = async (outcome: string, detail: string | null) => {
      if (input.inboundMessageId) await trx.updateTable('inbound_messages').set({ outcome, detail: detail?.slice(0, 1000) ?? null }).where('id', '=', input.inboundMessageId).execute()
    }
    const tenantRow = await trx.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst()
    // A well-formed token naming no (active) workspace: nobody to answer from.
    if (!tenantRow || tenantRow.status !== 'active') {
      await recordMessage('reply_refused', invalid.detail)
      return invalid
    }

    // Claim the message first: a second delivery (or a concurrent one, which waits on the unique key) stops here.
    const claimed = await trx
      .insertInto('inbound_emails')
      .values({ tenant_id: tenantId, message_key: key, from_email: sender, subject: mail.subject.slice(0, 500), outcome: 'reply_refused', detail: null })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'message_key']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!claimed) {
      await recordMessage('duplicate_delivery', null)
      return { outcome: 'duplicate_delivery' as const }
    }

    const brand = brandOf(deps, tenantRow)
    const portalUrl = portalBaseUrl(deps.portal, tenantRow.slug)
    const vendorName = tenantRow.portal_name ?? tenantRow.name
    const refuse = async (reason: ReplyRefusal, detail: string, paragraphs: string[], extra: { partnerId?: string; registrationId?: string } = {}) => {
      await trx
        .updateTable('inbound_emails')
        .set({ outcome: 'reply_refused', detail: `${reason}: ${detail}`, partner_id: extra.partnerId ?? null, registration_id: extra.registrationId ?? null })
        .where('id', '=', claimed.id)
        .execute()
      await recordMessage('reply_refused', `${reason}: ${detail}`)
      const recipient = sender ? await refusalRecipient(trx, tenantId, sender, deps.now()) : null
      if (recipient) {
        await enqueueEmail(trx, deps, {
          tenantId,
          to: recipient.email,
          template: {
            name: 'registration-update',
            props: {
              brand,
              // The account's name, not the e-mail's display name: that one is whatever the sender typed.
              recipientName: recipient.name,
              caseReference: '',
              companyName: '',
              headline: 'Your reply was not added',
              paragraphs: [...paragraphs, 'Nothing from your e-mail was stored.'],
              facts: [],
              action: { url: `${portalUrl}/registrations`, label: 'Open your registrations in the portal' },
              reason: `You received this e-mail because you wrote to a reply address of ${vendorName}.`,
            },
          },
        })
      }
      return { outcome: 'reply_refused' as const, reason, detail }
    }

    if (!check.valid) {
      return refuse('invalid_address', 'The reply address is not valid (altered or not issued by us).', [
        'We could not add your reply to a registration: the address you wrote to is not valid. It may have been changed or copied incompletely.',
        'Please reply directly to the latest e-mail about the registration, or add your note in the partner portal.',
      ])
    }
    const address = await trx
      .selectFrom('reply_addresses as a')
      .innerJoin('registrations as r', (join) => join.onRef('r.tenant_id', '=', 'a.tenant_id').onRef('r.id', '=', 'a.registration_id'))
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.id', '=', 'r.partner_id'))
      .select(['a.recipient_email', 'r.id as registration_id', 'r.partner_id', 'r.case_number', 'r.company_name', 'r.kind', 'r.approver_user_id', 'p.name as partner_name', 'p.status as partner_status'])
      .where('a.key', '=', check.key)
      .executeTakeFirst()
    if (!address) {
      return refuse('invalid_address', 'No registration has this reply address.', [
        'We could not add your reply to a registration: the address you wrote to is not known (the registration may have been removed).',
        'Please add your note in the partner portal.',
      ])
    }
    const user = sender
      ? await trx
          .selectFrom('users')
          .select(['id', 'name', 'status'])
          .where('email', '=', sender)
          .where('kind', '=', 'partner')
          .where('partner_id', '=', address.partner_id)
          .executeTakeFirst()
      : undefined
    const isRecipient = sender !== null && sender === address.recipient_email
    if (!isRecipient && !user) {
      return refuse('sender_mismatch', `${sender ?? 'The sender'} is neither the recipient of this address nor a user of its partner organisation.`, [
        `We could not add your reply: this reply address belongs to someone else, and ${sender ?? 'your address'} is not on their team's partner account.`,
        'Please write from the address the notification was sent to, or add your note in the partner portal.',
      ], { partnerId: address.partner_id })
    }
    if ((user && user.status !== 'active') || address.partner_status !== 'active') {
      return refuse('not_allowed', 'The partner account is not active.', [`We could not add your reply: your partner account is not active. Please contact your partner manager at ${vendorName}.`], { partnerId: address.partner_id })
    }
    const reference = caseReference(address.case_number)
    if (mail.unreadableCharset) {
      return refuse('unreadable', `The character set of the reply (${mail.unreadableCharset.slice(0, 40)}) could not be read.`, [
        `We could not read the character set of your reply about ${address.company_name} (${reference}), so we did not add it.`,
        'Please send it again from a mail program that writes UTF-8 (most do by default), or add your note in the partner portal.',
      ], { partnerId: address.partner_id, registrationId: address.registration_id })
    }
    let text = stripQuotedReply(mail.text).trim()
    if (text === '') {
      return refuse('empty', 'The reply had no text above the quoted e-mail.', [
        `We could not find any text of yours in your reply about ${address.company_name} (${reference}) — only the quoted e-mail.`,
        'Please write your message above the quoted text and send it again.',
      ], { partnerId: address.partner_id, registrationId: address.registration_id })
    }
    if (text.length > MAX_REPLY_CHARS) text = `${text.slice(0, MAX_REPLY_CHARS)}\n[…cut: the reply was longer than ${MAX_REPLY_CHARS.toLocaleString('en')} characters]`

    // The account's name, else the address: never the display name the sender typed into the header.
    const senderName = user?.name ?? sender ?? 'Partner'
    const event = await trx
      .insertInto('registration_events')
      .values({
        tenant_id: tenantId,
        registration_id: address.registration_id,
        partner_id: address.partner_id,
        type: 'partner_reply',
        from_status: null,
        to_status: null,
        actor_kind: 'partner',
        actor_user_id: user?.id ?? null,
        actor_label: `${senderName} (e-mail reply)`,
        staff_note: text,
        partner_note: `Reply by e-mail: ${text}`,
        partner_visible: true,
        details: JSON.stringify({ messageKey: key, messageId: mail.messageId, from: sender, subject: mail.subject.slice(0, 500) }),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .updateTable('inbound_emails')
      .set({ outcome: 'reply_recorded', detail: reference, partner_id: address.partner_id, registration_id: address.registration_id })
      .where('id', '=', claimed.id)
      .execute()
    await recordMessage('reply_recorded', reference)
    // Staff hear about it like about an answered question: the approver, else the reviewers.
    await notifyStaff(trx, deps, {
      tenant: tenantRow,
      registration: { id: address.registration_id, case_number: address.case_number, company_name: address.company_name, kind: address.kind },
      recipients: await reviewersFor(trx, { approverUserId: address.approver_user_id }),
      notice: { kind: 'partner_reply', partnerName: address.partner_name, senderName, text },
    })
    const crm = await trx.selectFrom('crm_connections').select('status').executeTakeFirst()
    if (crm?.status === 'connected') await deps.jobs.send(trx, crmNote, { tenantId, registrationId: address.registration_id, eventId: event.id })
    return { outcome: 'reply_recorded' as const, registrationId: address.registration_id, eventId: event.id }
  })
}

/** Refusal e-mails per sender and workspace in 24 hours: enough to explain, too few to be a mail cannon. */
const REFUSALS_PER_SENDER_PER_DAY = 3

/**
 * Who gets a refusal explained by e-mail: only someone this workspace knows
 * (an active staff or partner user), at most a few times a day. The `From:`
 * of an inbound e-mail is unverified, so answering strangers would let
 * anyone make Accord send mail to any address (backscatter); strangers get
 * nothing. The daily count is an atomic
 * bucket (the rate-limit table, updated in this transaction), so parallel
 * deliveries cannot all slip under it.
 */
export async function refusalRecipient(trx: TenantTransaction, tenantId: string, sender: string, now: Date): Promise<{ name: string; email: string } | null> {
  const known = await trx.selectFrom('users').select(['name', 'email']).where('email', '=', sender.trim().toLowerCase()).where('status', '=', 'active').executeTakeFirst()
  if (!known) return null
  const bucket = await consumeRateLimit(trx as unknown as Database, `reply-refusal:${tenantId}:${known.email}`, { limit: REFUSALS_PER_SENDER_PER_DAY, windowSeconds: 86_400 }, now)
  return bucket.allowed ? { name: known.name, email: known.email } : null
}

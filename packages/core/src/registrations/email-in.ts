import { createOneTimeToken, parseOneTimeToken } from '@accord/auth'
import { type Database, type TenantTransaction, withTenant } from '@accord/db'
import { emailEnv } from '@accord/email/env'
import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { enqueueEmail } from '../email/enqueue-email.js'
import { AppError } from '../errors.js'
import { consumeRateLimit, type RateLimitRule } from '../security/rate-limit.js'
import { readProgrammeSettings } from '../settings.js'
import { brandOf } from '../tenants/brand.js'
import { findTenantBySlug } from '../tenants/lookup.js'
import { motionForPartnerType } from './claims.js'
import { inboundMessageKey, isRegistrationReply, receiveRegistrationReply, refusalRecipient, type ReplyOutcome } from './email-reply.js'
import { claimInboundMessage, recordMessageOutcome, settleInboundMessage } from './inbound-messages.js'
import { extractRegistrationFields, type InboundMail, registrationMailProblem, registrationMailTemplate, senderAuthentication } from './inbound-email.js'
import { registrationFieldLabels } from './input.js'
import { caseReference } from './notify.js'
import { preloadForClaims, registerClaim, validateRegistrationFields } from './submit.js'

/**
 * E-mail in: a partner writes to the vendor's registration address
 * (`registrations+<workspace>@<INBOUND_EMAIL_DOMAIN>`); the worker parses the
 * mail, matches the sender to a partner user and registers through
 * `registerClaim`, answering with the case number and status.
 *
 * A `From:` can be forged, so (decision 014):
 * - only a sender whose domain passed DMARC or an aligned DKIM signature at
 *   our receiving host (Authentication-Results, INBOUND_AUTHSERV_ID) is
 *   registered directly; any other mail from a partner user's address is
 *   held, and that user — at the address in our database — gets a one-click
 *   link to confirm it (a POST from the page it opens, so link scanners
 *   cannot confirm);
 * - strangers get no answer at all (an answer would let anyone make Accord
 *   mail anyone); people the workspace knows get a short explanation of
 *   what went wrong, at most three a day, greeted by the name on their
 *   account, never by what the mail's headers say;
 * - mails are rate limited per sender and per workspace.
 * Each message is handled once, however often it is delivered.
 */

export type InboundOutcome =
  | { outcome: 'registered'; caseReference: string; registrationId: string }
  | { outcome: 'held_for_confirmation' | 'missing_fields' | 'invalid_fields' | 'unknown_sender' | 'not_allowed' | 'rate_limited' | 'unreadable'; detail: string }
  | { outcome: 'duplicate_delivery' }
  | { outcome: 'no_workspace'; detail: string }
  | Exclude<ReplyOutcome, { outcome: 'duplicate_delivery' }>

export const inboundEmailRateLimits = {
  /** Registration mails one address may send a workspace per hour. */
  perSender: { limit: 20, windowSeconds: 60 * 60 },
  /** Registration mails a workspace accepts per hour, from everyone. */
  perWorkspace: { limit: 200, windowSeconds: 60 * 60 },
  /** Confirmation links sent to one account per day (each one answers a mail claiming to be from it). */
  confirmationsPerUser: { limit: 10, windowSeconds: 24 * 60 * 60 },
} satisfies Record<string, RateLimitRule>

/** How long a held registration waits for its confirmation. */
export const HOLD_DAYS = 7

/** The workspace a registration address names: `registrations+<slug>@…`, `<slug>@…` or `<slug>.registrations@…`. */
export function workspaceSlugFromAddress(address: string): string | null {
  const trimmed = address.trim().toLowerCase().slice(0, 320)
  const open = trimmed.lastIndexOf('<')
  const inner = open === -1 ? trimmed : trimmed.slice(open + 1)
  const close = inner.indexOf('>')
  const local = (close === -1 ? inner : inner.slice(0, close)).split('@')[0] ?? ''
  const plus = /^[a-z0-9._-]+\+([a-z0-9-]{3,40})$/.exec(local)
  if (plus?.[1]) return plus[1]
  const dotted = /^([a-z0-9-]{3,40})\.registrations?$/.exec(local)
  if (dotted?.[1]) return dotted[1]
  return /^[a-z0-9-]{3,40}$/.test(local) && local !== 'registrations' ? local : null
}

const messageKey = inboundMessageKey

export interface ReceiveInboundInput {
  mail: InboundMail
  /** The workspace the message was stored under: the mail must be addressed there. */
  tenantId?: string
  /** The stored message being handled: claimed in the same transaction, so a second run does nothing. */
  inboundMessageId?: string
  /** Whether the sender's domain is authenticated; unset: read from the mail's Authentication-Results. */
  senderVerified?: boolean
}

/**
 * Everything that arrives at the inbound address: replies to notifications
 * (`reply+<token>@…`) go to `receiveRegistrationReply`, the rest is a
 * registration for the workspace the address names.
 */
export async function receiveRegistrationEmail(deps: CoreDeps, input: ReceiveInboundInput): Promise<InboundOutcome> {
  const { mail } = input
  if (isRegistrationReply(mail)) return receiveRegistrationReply(deps, { mail, tenantId: input.tenantId, inboundMessageId: input.inboundMessageId })
  let tenant: Awaited<ReturnType<typeof findTenantBySlug>> = null
  for (const address of mail.to.slice(0, 50)) {
    const slug = workspaceSlugFromAddress(address)
    if (!slug) continue
    tenant = await findTenantBySlug(deps.db, slug)
    if (tenant) break
  }
  // No workspace means no tenant to write from: nothing can be answered within a tenant's outbox.
  if (!tenant || tenant.status !== 'active' || (input.tenantId !== undefined && tenant.id !== input.tenantId)) {
    const detail = `No workspace matches ${mail.to.slice(0, 5).join(', ') || 'the recipient'}.`
    if (input.tenantId && input.inboundMessageId) await settleInboundMessage(deps, { tenantId: input.tenantId, messageId: input.inboundMessageId, outcome: 'no_workspace', detail })
    return { outcome: 'no_workspace', detail }
  }
  const tenantId = tenant.id
  const key = messageKey(mail)
  const sender = mail.from?.email ?? null
  const now = deps.now()

  return withTenant(deps.db, { tenantId }, async (trx) => {
    if (input.inboundMessageId && !(await claimInboundMessage(trx, input.inboundMessageId, now))) return { outcome: 'duplicate_delivery' as const }
    // Claim the message first: a second delivery (or a concurrent one, which waits on the unique key) stops here.
    const claimed = await trx
      .insertInto('inbound_emails')
      .values({ tenant_id: tenantId, message_key: key, from_email: sender, subject: mail.subject.slice(0, 500), outcome: 'unknown_sender', detail: null })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'message_key']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!claimed) {
      if (input.inboundMessageId) await recordMessageOutcome(trx, input.inboundMessageId, 'duplicate_delivery', null)
      return { outcome: 'duplicate_delivery' as const }
    }
    const tenantRow = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const brand = brandOf(deps, tenantRow)
    const portalUrl = portalBaseUrl(deps.portal, tenantRow.slug)
    const vendorName = tenantRow.portal_name ?? tenantRow.name

    const finish = async <Result extends InboundOutcome & { outcome: string }>(result: Result, detail: string | null, extra: { partnerId?: string | null; registrationId?: string | null } = {}): Promise<Result> => {
      await trx
        .updateTable('inbound_emails')
        .set({ outcome: result.outcome as 'registered', detail, partner_id: extra.partnerId ?? null, registration_id: extra.registrationId ?? null })
        .where('id', '=', claimed.id)
        .execute()
      if (input.inboundMessageId) await recordMessageOutcome(trx, input.inboundMessageId, result.outcome, detail)
      return result
    }
    /** A short explanation to someone this workspace knows (never a stranger), at most a few a day, greeted by their account's name. */
    const explain = async (headline: string, paragraphs: string[], facts: Array<{ label: string; value: string }> = []) => {
      if (!sender) return
      const recipient = await refusalRecipient(trx, tenantId, sender, now)
      if (!recipient) return
      await enqueueEmail(trx, deps, {
        tenantId,
        to: recipient.email,
        template: {
          name: 'registration-update',
          props: {
            brand,
            recipientName: recipient.name,
            caseReference: '',
            companyName: '',
            headline,
            paragraphs,
            facts,
            action: { url: `${portalUrl}/registrations/new`, label: 'Register in the portal instead' },
            reason: `You received this e-mail because an e-mail from your address reached the registration address of ${vendorName}.`,
          },
        },
      })
    }

    if (!sender) return finish({ outcome: 'unknown_sender' as const, detail: 'The e-mail has no sender address.' }, 'The e-mail has no sender address.')

    const user = await trx
      .selectFrom('users as u')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.id', 'u.name', 'u.email', 'u.partner_id', 'u.status', 'p.status as partner_status', 'p.type as partner_type'])
      .where('u.email', '=', sender)
      .where('u.kind', '=', 'partner')
      .executeTakeFirst()
    const verified = input.senderVerified ?? senderAuthentication(mail, emailEnv().INBOUND_AUTHSERV_ID).verdict === 'pass'
    // The workspace's hourly budget is for mail we cannot vouch for: a flood of strangers (or forged senders) must not lock out
    // partners whose own domain authenticated them, who are held to their per-sender limit only.
    const trustedPartner = verified && user !== undefined && user.status === 'active' && user.partner_status === 'active'
    const bySender = await consumeRateLimit(trx as unknown as Database, `inbound-registration:${tenantId}:${sender}`, inboundEmailRateLimits.perSender, now)
    const byWorkspace = trustedPartner ? { allowed: true } : await consumeRateLimit(trx as unknown as Database, `inbound-registration:${tenantId}`, inboundEmailRateLimits.perWorkspace, now)
    if (!bySender.allowed || !byWorkspace.allowed) {
      const detail = !bySender.allowed
        ? `More than ${inboundEmailRateLimits.perSender.limit} registration e-mails from ${sender} within an hour.`
        : `More than ${inboundEmailRateLimits.perWorkspace.limit} registration e-mails to this workspace within an hour.`
      await explain('We could not register this: too many e-mails', [
        !bySender.allowed
          ? `You sent more than ${inboundEmailRateLimits.perSender.limit} registrations by e-mail within an hour, so we stopped reading them for now. Nothing from this e-mail was registered.`
          : `${vendorName} received more registrations by e-mail within an hour than we read at once. Nothing from this e-mail was registered.`,
        'Please register it in the portal, or upload many at once as a CSV file there.',
      ])
      return finish({ outcome: 'rate_limited' as const, detail }, detail)
    }

    if (!user || !user.partner_id) {
      const detail = `${sender} is not a partner user of ${vendorName}.`
      // A stranger gets nothing; someone the workspace knows (staff writing to the address) a short note.
      await explain('We could not register this: not a partner account', [
        `Registrations by e-mail are accepted from people with a partner portal account of ${vendorName}, and your address has none.`,
        'Ask your partner manager to invite you, or forward this to a colleague who has an account.',
      ])
      return finish({ outcome: 'unknown_sender' as const, detail }, detail)
    }
    const partnerId = user.partner_id
    if (user.status !== 'active' || user.partner_status !== 'active') {
      const detail = 'The partner account is not active.'
      await explain('We could not register this: account not active', [`Your partner account is not active. Please contact your partner manager at ${vendorName}.`])
      return finish({ outcome: 'not_allowed' as const, detail }, detail, { partnerId })
    }

    const problem = registrationMailProblem(mail)
    if (problem) {
      await explain('We could not read your registration', [problem])
      return finish({ outcome: 'unreadable' as const, detail: problem }, problem, { partnerId })
    }

    const parsed = extractRegistrationFields(mail)
    if (parsed.missing.length > 0) {
      const detail = `Missing: ${parsed.missing.map((entry) => entry.label).join(', ')}.`
      await explain(
        'Almost there: a few details are missing',
        [`Thank you for your registration. We need a little more before we can register it: ${parsed.missing.map((entry) => entry.label.toLowerCase()).join(', ')}.`, 'Reply with the missing lines filled in, or copy this template:'],
        [{ label: 'Template', value: registrationMailTemplate() }],
      )
      return finish({ outcome: 'missing_fields' as const, detail }, detail, { partnerId })
    }
    const refuseFields = async (fieldErrors: Record<string, string[]> | undefined, message: string) => {
      const problems = fieldErrors
        ? Object.entries(fieldErrors).map(([field, messages]) => ({ label: registrationFieldLabels[field as keyof typeof registrationFieldLabels] ?? field, value: messages.join(' ') }))
        : [{ label: 'Problem', value: message }]
      const detail = problems.map((entry) => `${entry.label}: ${entry.value}`).join(' ')
      await explain('We could not register this yet', ['Thank you for your registration. Some details need correcting before we can register it:'], [...problems, { label: 'Template', value: registrationMailTemplate() }])
      return finish({ outcome: 'invalid_fields' as const, detail }, detail, { partnerId })
    }

    if (verified) {
      try {
        const claim = await registerClaim(trx, deps, {
          tenantId,
          partnerId,
          submitter: { userId: user.id, email: user.email, name: user.name },
          source: 'email',
          actor: { kind: 'partner', userId: user.id, label: `${user.name} (e-mail)` },
          rawFields: parsed.fields,
        })
        // The standard "Received: … (R-1234)" e-mail with the status is the reply.
        return finish({ outcome: 'registered' as const, caseReference: claim.caseReference, registrationId: claim.registrationId }, claim.caseReference, { partnerId, registrationId: claim.registrationId })
      } catch (error) {
        if (!(error instanceof AppError) || (error.code !== 'VALIDATION' && error.code !== 'FORBIDDEN' && error.code !== 'CONFLICT')) throw error
        return refuseFields(error.fieldErrors, error.message)
      }
    }

    // Not authenticated: check the fields now, hold the registration, and ask the account holder.
    const preloaded = await preloadForClaims(trx, tenantId, partnerId)
    const validated = validateRegistrationFields(readProgrammeSettings(preloaded.tenant.settings), now, parsed.fields, motionForPartnerType(user.partner_type))
    if (!validated.ok) return refuseFields(validated.fieldErrors, 'Please correct the highlighted fields.')
    const confirmations = await consumeRateLimit(trx as unknown as Database, `inbound-confirmation:${tenantId}:${user.id}`, inboundEmailRateLimits.confirmationsPerUser, now)
    if (!confirmations.allowed) {
      const detail = `More than ${inboundEmailRateLimits.confirmationsPerUser.limit} unverified registration e-mails for this account today; no confirmation link was sent.`
      return finish({ outcome: 'rate_limited' as const, detail }, detail, { partnerId })
    }
    const { token, tokenHash } = createOneTimeToken(tenantId)
    const companyName = validated.fields.companyName
    await trx
      .insertInto('email_registration_holds')
      .values({
        tenant_id: tenantId,
        partner_id: partnerId,
        user_id: user.id,
        token_hash: tokenHash,
        message_key: key,
        subject: mail.subject.slice(0, 500),
        company_name: companyName,
        fields: JSON.stringify(parsed.fields),
        expires_at: new Date(now.getTime() + HOLD_DAYS * 24 * 60 * 60 * 1000),
      })
      .execute()
    const confirmUrl = `${portalUrl}/registrations/confirm/${token}`
    await enqueueEmail(trx, deps, {
      tenantId,
      // The account's own address and name: never anything the mail's headers said.
      to: user.email,
      // A one-time link the person is waiting for: the fast queue, and gone from the stored copy once sent.
      stream: 'transactional',
      oneTimeSecrets: [confirmUrl],
      template: {
        name: 'registration-update',
        props: {
          brand,
          recipientName: user.name,
          caseReference: '',
          companyName: '',
          headline: 'Please confirm a registration sent from your address',
          paragraphs: [
            `${vendorName} received a registration by e-mail from your address. We could not verify that the e-mail really came from you (your mail server did not sign it in a way we can check), so it is not registered yet.`,
            `If you sent it, open the link and confirm it; it is registered the moment you do. If you did not, ignore this e-mail: nothing is registered, and the link stops working after ${HOLD_DAYS} days.`,
          ],
          facts: [{ label: 'Company', value: companyName }],
          action: { url: confirmUrl, label: 'Review and confirm' },
          reason: `You received this e-mail because an e-mail from your address reached the registration address of ${vendorName}.`,
        },
      },
    })
    const detail = `Sender not authenticated; confirmation link sent to ${user.email}.`
    return finish({ outcome: 'held_for_confirmation' as const, detail }, detail, { partnerId })
  })
}

// ---------------------------------------------------------------------------
// Held registrations: the one-click confirmation

export type HeldRegistration =
  | { state: 'pending'; companyName: string; fields: Array<{ label: string; value: string }>; receivedAt: Date; expiresAt: Date }
  | { state: 'confirmed'; companyName: string; caseReference: string | null }
  | { state: 'expired'; companyName: string }

/** The fields shown on the confirmation page, in form order, empty ones left out. */
function heldFields(stored: unknown): Array<{ label: string; value: string }> {
  const values = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {}
  return (Object.keys(registrationFieldLabels) as Array<keyof typeof registrationFieldLabels>)
    .filter((field) => typeof values[field] === 'string' && (values[field] as string).trim() !== '')
    .map((field) => ({ label: registrationFieldLabels[field], value: (values[field] as string).slice(0, 2000) }))
}

async function findHold(trx: TenantTransaction, tokenHash: string, lock: boolean) {
  const query = trx
    .selectFrom('email_registration_holds as h')
    .leftJoin('registrations as r', (join) => join.onRef('r.tenant_id', '=', 'h.tenant_id').onRef('r.id', '=', 'h.registration_id'))
    .select(['h.id', 'h.partner_id', 'h.user_id', 'h.message_key', 'h.company_name', 'h.fields', 'h.status', 'h.created_at', 'h.expires_at', 'r.case_number'])
    .where('h.token_hash', '=', tokenHash)
  return lock ? query.forUpdate('h').executeTakeFirst() : query.executeTakeFirst()
}

/** What the confirmation link points at, for its page; null for a forged or unknown link. Reads only. */
export async function describeHeldRegistration(deps: CoreDeps, input: { token: string }): Promise<HeldRegistration | null> {
  const parsed = parseOneTimeToken(input.token)
  if (!parsed) return null
  return withTenant(deps.db, { tenantId: parsed.tenantId }, async (trx) => {
    const hold = await findHold(trx, parsed.tokenHash, false)
    if (!hold) return null
    if (hold.status === 'confirmed') return { state: 'confirmed', companyName: hold.company_name, caseReference: hold.case_number === null ? null : caseReference(hold.case_number) }
    if (hold.expires_at.getTime() <= deps.now().getTime()) return { state: 'expired', companyName: hold.company_name }
    return { state: 'pending', companyName: hold.company_name, fields: heldFields(hold.fields), receivedAt: hold.created_at, expiresAt: hold.expires_at }
  })
}

export type ConfirmHeldOutcome =
  | { state: 'registered'; already: boolean; companyName: string; caseReference: string; registrationId: string }
  | { state: 'expired' | 'not_allowed'; companyName: string }
  | { state: 'invalid'; companyName: string; problems: Array<{ label: string; value: string }> }

/**
 * The account holder confirms a held registration (a POST from the link's
 * page): registered through `registerClaim` as if mailed by an authenticated
 * sender. Confirming twice registers once; null for a forged or unknown link.
 */
export async function confirmHeldRegistration(deps: CoreDeps, input: { token: string }): Promise<ConfirmHeldOutcome | null> {
  const parsed = parseOneTimeToken(input.token)
  if (!parsed) return null
  const tenantId = parsed.tenantId
  return withTenant(deps.db, { tenantId }, async (trx): Promise<ConfirmHeldOutcome | null> => {
    const hold = await findHold(trx, parsed.tokenHash, true)
    if (!hold) return null
    const companyName = hold.company_name
    if (hold.status === 'confirmed' && hold.case_number !== null) {
      const registrationId = (await trx.selectFrom('email_registration_holds').select('registration_id').where('id', '=', hold.id).executeTakeFirstOrThrow()).registration_id ?? ''
      return { state: 'registered', already: true, companyName, caseReference: caseReference(hold.case_number), registrationId }
    }
    if (hold.expires_at.getTime() <= deps.now().getTime()) return { state: 'expired', companyName }
    const user = await trx
      .selectFrom('users as u')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.id', 'u.name', 'u.email', 'u.status', 'p.status as partner_status'])
      .where('u.id', '=', hold.user_id)
      .where('u.partner_id', '=', hold.partner_id)
      .executeTakeFirst()
    if (!user || user.status !== 'active' || user.partner_status !== 'active') return { state: 'not_allowed', companyName }
    try {
      const claim = await registerClaim(trx, deps, {
        tenantId,
        partnerId: hold.partner_id,
        submitter: { userId: user.id, email: user.email, name: user.name },
        source: 'email',
        actor: { kind: 'partner', userId: user.id, label: `${user.name} (e-mail, confirmed by link)` },
        rawFields: hold.fields,
      })
      await trx.updateTable('email_registration_holds').set({ status: 'confirmed', confirmed_at: deps.now(), registration_id: claim.registrationId }).where('id', '=', hold.id).execute()
      await trx
        .updateTable('inbound_emails')
        .set({ outcome: 'registered', detail: `${claim.caseReference} (confirmed by link)`, registration_id: claim.registrationId })
        .where('message_key', '=', hold.message_key)
        .execute()
      return { state: 'registered', already: false, companyName, caseReference: claim.caseReference, registrationId: claim.registrationId }
    } catch (error) {
      if (!(error instanceof AppError) || (error.code !== 'VALIDATION' && error.code !== 'FORBIDDEN' && error.code !== 'CONFLICT')) throw error
      const problems = error.fieldErrors
        ? Object.entries(error.fieldErrors).map(([field, messages]) => ({ label: registrationFieldLabels[field as keyof typeof registrationFieldLabels] ?? field, value: messages.join(' ') }))
        : [{ label: 'Problem', value: error.message }]
      return { state: 'invalid', companyName, problems }
    }
  })
}

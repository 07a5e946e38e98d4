import { withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { enqueueEmail } from '../email/enqueue-email.js'
import { AppError } from '../errors.js'
import { brandOf } from '../tenants/brand.js'
import { findTenantBySlug } from '../tenants/lookup.js'
import { inboundMessageKey, isRegistrationReply, receiveRegistrationReply, type ReplyOutcome } from './email-reply.js'
import { extractRegistrationFields, type InboundMail, registrationMailTemplate } from './inbound-email.js'
import { registrationFieldLabels } from './input.js'
import { registerClaim } from './submit.js'

/**
 * E-mail in: a partner writes to the vendor's registration address
 * (`registrations+<workspace>@<INBOUND_EMAIL_DOMAIN>`), we parse the mail,
 * match the sender to a partner user, register through `registerClaim`, and
 * answer with the case number and status. Unknown senders and incomplete
 * mails get a polite answer saying exactly what is missing. Each message is
 * handled once, however often the provider delivers it.
 */

export type InboundOutcome =
  | { outcome: 'registered'; caseReference: string; registrationId: string }
  | { outcome: 'missing_fields' | 'invalid_fields' | 'unknown_sender' | 'not_allowed'; detail: string }
  | { outcome: 'duplicate_delivery' }
  | { outcome: 'no_workspace'; detail: string }
  | Exclude<ReplyOutcome, { outcome: 'duplicate_delivery' }>

/** The workspace a registration address names: `registrations+<slug>@…`, `<slug>@…` or `<slug>.registrations@…`. */
export function workspaceSlugFromAddress(address: string): string | null {
  const local = address.trim().toLowerCase().replace(/^.*</, '').replace(/>.*$/, '').split('@')[0] ?? ''
  const plus = /^[a-z0-9._-]+\+([a-z0-9-]{3,40})$/.exec(local)
  if (plus?.[1]) return plus[1]
  const dotted = /^([a-z0-9-]{3,40})\.registrations?$/.exec(local)
  if (dotted?.[1]) return dotted[1]
  return /^[a-z0-9-]{3,40}$/.test(local) && local !== 'registrations' ? local : null
}

const messageKey = inboundMessageKey

/**
 * Everything that arrives at the inbound address: replies to notifications
 * (`reply+<token>@…`) go to `receiveRegistrationReply`, the rest is a
 * registration for the workspace the address names.
 */
export async function receiveRegistrationEmail(deps: CoreDeps, input: { mail: InboundMail }): Promise<InboundOutcome> {
  const { mail } = input
  if (isRegistrationReply(mail)) return receiveRegistrationReply(deps, { mail })
  let tenant: Awaited<ReturnType<typeof findTenantBySlug>> = null
  for (const address of mail.to) {
    const slug = workspaceSlugFromAddress(address)
    if (!slug) continue
    tenant = await findTenantBySlug(deps.db, slug)
    if (tenant) break
  }
  // No workspace means no tenant to write from: nothing can be answered within a tenant's outbox.
  if (!tenant || tenant.status !== 'active') return { outcome: 'no_workspace', detail: `No workspace matches ${mail.to.join(', ') || 'the recipient'}.` }
  const tenantId = tenant.id
  const key = messageKey(mail)
  const sender = mail.from?.email ?? null

  return withTenant(deps.db, { tenantId }, async (trx) => {
    const seen = await trx.selectFrom('inbound_emails').select('id').where('message_key', '=', key).executeTakeFirst()
    if (seen) return { outcome: 'duplicate_delivery' as const }
    const tenantRow = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const brand = brandOf(deps, tenantRow)
    const portalUrl = portalBaseUrl(deps.portal, tenantRow.slug)
    const vendorName = tenantRow.portal_name ?? tenantRow.name
    const reply = async (headline: string, paragraphs: string[], facts: Array<{ label: string; value: string }>) => {
      if (!sender) return
      await enqueueEmail(trx, deps, {
        tenantId,
        to: sender,
        template: {
          name: 'registration-update',
          props: {
            brand,
            recipientName: mail.from?.name ?? 'there',
            caseReference: '',
            companyName: mail.subject,
            headline,
            paragraphs,
            facts,
            action: { url: `${portalUrl}/registrations/new`, label: 'Register in the portal instead' },
            reason: `You received this e-mail because you wrote to the registration address of ${vendorName}.`,
          },
        },
      })
    }
    const record = (outcome: 'registered' | 'missing_fields' | 'invalid_fields' | 'unknown_sender' | 'not_allowed', detail: string | null, extra: { partnerId?: string | null; registrationId?: string | null } = {}) =>
      trx.insertInto('inbound_emails').values({ tenant_id: tenantId, message_key: key, from_email: sender, subject: mail.subject.slice(0, 500), outcome, detail, partner_id: extra.partnerId ?? null, registration_id: extra.registrationId ?? null }).execute()

    const user = sender
      ? await trx
          .selectFrom('users as u')
          .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
          .select(['u.id', 'u.name', 'u.email', 'u.partner_id', 'u.status', 'p.status as partner_status'])
          .where('u.email', '=', sender)
          .where('u.kind', '=', 'partner')
          .executeTakeFirst()
      : undefined
    if (!user || !user.partner_id) {
      const detail = `We could not match ${sender ?? 'your address'} to a partner of ${vendorName}.`
      await record('unknown_sender', detail)
      await reply(`We could not register this: unknown sender`, [`${detail} Registrations by e-mail are accepted from people with a partner portal account.`, 'Ask your partner manager to invite you, or forward this to a colleague who has an account.'], [])
      return { outcome: 'unknown_sender' as const, detail }
    }
    if (user.status !== 'active' || user.partner_status !== 'active') {
      const detail = 'Your partner account is not active.'
      await record('not_allowed', detail, { partnerId: user.partner_id })
      await reply('We could not register this: account not active', [`${detail} Please contact your partner manager at ${vendorName}.`], [])
      return { outcome: 'not_allowed' as const, detail }
    }

    const parsed = extractRegistrationFields(mail)
    if (parsed.missing.length > 0) {
      const detail = `Missing: ${parsed.missing.map((entry) => entry.label).join(', ')}.`
      await record('missing_fields', detail, { partnerId: user.partner_id })
      await reply(
        'Almost there: a few details are missing',
        [`Thank you for your registration. We need a little more before we can register it: ${parsed.missing.map((entry) => entry.label.toLowerCase()).join(', ')}.`, 'Reply with the missing lines filled in, or copy this template:'],
        [{ label: 'Template', value: registrationMailTemplate() }],
      )
      return { outcome: 'missing_fields' as const, detail }
    }
    try {
      const claim = await registerClaim(trx, deps, {
        tenantId,
        partnerId: user.partner_id,
        submitter: { userId: user.id, email: user.email, name: user.name },
        source: 'email',
        actor: { kind: 'partner', userId: user.id, label: `${user.name} (e-mail)` },
        rawFields: parsed.fields,
      })
      await record('registered', claim.caseReference, { partnerId: user.partner_id, registrationId: claim.registrationId })
      // The standard "Received: … (R-1234)" e-mail with the status is the reply.
      return { outcome: 'registered' as const, caseReference: claim.caseReference, registrationId: claim.registrationId }
    } catch (error) {
      if (!(error instanceof AppError) || (error.code !== 'VALIDATION' && error.code !== 'FORBIDDEN' && error.code !== 'CONFLICT')) throw error
      const problems = error.fieldErrors
        ? Object.entries(error.fieldErrors).map(([field, messages]) => ({ label: registrationFieldLabels[field as keyof typeof registrationFieldLabels] ?? field, value: messages.join(' ') }))
        : [{ label: 'Problem', value: error.message }]
      const detail = problems.map((problem) => `${problem.label}: ${problem.value}`).join(' ')
      await record('invalid_fields', detail, { partnerId: user.partner_id })
      await reply('We could not register this yet', ['Thank you for your registration. Some details need correcting before we can register it:'], [...problems, { label: 'Template', value: registrationMailTemplate() }])
      return { outcome: 'invalid_fields' as const, detail }
    }
  })
}

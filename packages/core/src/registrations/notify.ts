import { randomUUID } from 'node:crypto'
import { type TenantTransaction, withTenant } from '@accord/db'
import { type JobPayload, registrationStaffNotice } from '@accord/jobs'
import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { enqueueEmail } from '../email/enqueue-email.js'
import { brandOf } from '../tenants/brand.js'
import { notifySlackOfRegistrationStatus } from '../slack/outbox.js'
import { replyAddressFor } from './reply-address.js'

/**
 * Registration e-mails. Partners hear about every status change of their own
 * registrations (never about anyone else's claim); staff hear about new
 * registrations to review, approaching SLAs and breaches. Everything goes
 * through the outbox in the caller's transaction.
 */

export interface TenantForEmail {
  id: string
  slug: string
  name: string
  portal_name: string | null
  logo_key: string | null
  primary_color: string
  support_email: string | null
}

export interface RegistrationForEmail {
  id: string
  case_number: number
  company_name: string
  kind: string
}

export const caseReference = (caseNumber: number) => `R-${caseNumber}`

const dayFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' })
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
export const formatDay = (date: Date) => dayFormat.format(date)
export const formatDateTime = (date: Date) => `${dateTimeFormat.format(date)} UTC`

export type PartnerNotice =
  | { kind: 'received'; partnerMessage: string; status: string }
  | { kind: 'approved'; protectionEndsAt: Date; note: string | null }
  | { kind: 'info_requested'; question: string }
  | { kind: 'rejected'; reason: string; appealUntil: Date | null }
  | { kind: 'won' }
  | { kind: 'lost'; reason: string | null }
  | { kind: 'expiring'; protectionEndsAt: Date; canExtend: boolean }
  | { kind: 'expired' }
  | { kind: 'extended'; protectionEndsAt: Date; reason: string }

function partnerWording(notice: PartnerNotice, company: string, reference: string): { headline: string; paragraphs: string[]; facts: Array<{ label: string; value: string }> } {
  switch (notice.kind) {
    case 'received':
      return {
        headline: `Received: ${company} (${reference})`,
        paragraphs: [`We received your registration for ${company}. Your case number is ${reference}.`, notice.partnerMessage],
        facts: [{ label: 'Status', value: notice.status }],
      }
    case 'approved':
      return {
        headline: `Approved: ${company} (${reference})`,
        paragraphs: [`Your registration for ${company} is approved. The customer is protected for you until ${formatDay(notice.protectionEndsAt)}.`, 'Log your next step (for example the first meeting) in the portal to keep the protection running.'],
        facts: [{ label: 'Protected until', value: formatDay(notice.protectionEndsAt) }, ...(notice.note ? [{ label: 'Note from the partner team', value: notice.note }] : [])],
      }
    case 'info_requested':
      return {
        headline: `More information needed: ${company} (${reference})`,
        paragraphs: [`The partner team needs more information before deciding on your registration for ${company}.`],
        facts: [{ label: 'Question', value: notice.question }],
      }
    case 'rejected':
      return {
        headline: `Not approved: ${company} (${reference})`,
        paragraphs: [
          `Your registration for ${company} was not approved.`,
          notice.appealUntil ? `If you have evidence that changes the picture, you can appeal in the portal until ${formatDay(notice.appealUntil)}.` : 'The appeal window for this registration has closed.',
        ],
        facts: [{ label: 'Reason', value: notice.reason }],
      }
    case 'won':
      return { headline: `Won: ${company} (${reference})`, paragraphs: [`Great news: the deal with ${company} is marked as won. Thank you for bringing it in.`], facts: [] }
    case 'lost':
      return {
        headline: `Closed lost: ${company} (${reference})`,
        paragraphs: [`The opportunity with ${company} was closed as lost.`],
        facts: notice.reason ? [{ label: 'Reason', value: notice.reason }] : [],
      }
    case 'expiring':
      return {
        headline: `Protection ends soon: ${company} (${reference})`,
        paragraphs: [
          `Your protection for ${company} ends on ${formatDay(notice.protectionEndsAt)}.`,
          notice.canExtend ? 'Log your next step in the portal to extend it, or ask for an extension.' : 'You have used the extensions the programme allows; ask the partner team if you need more time.',
        ],
        facts: [{ label: 'Protected until', value: formatDay(notice.protectionEndsAt) }],
      }
    case 'expired':
      return { headline: `Protection expired: ${company} (${reference})`, paragraphs: [`Your protection for ${company} has expired. You can register the customer again if the opportunity is still open.`], facts: [] }
    case 'extended':
      return {
        headline: `Protection extended: ${company} (${reference})`,
        paragraphs: [`Your protection for ${company} now runs until ${formatDay(notice.protectionEndsAt)}.`],
        facts: [{ label: 'Why', value: notice.reason }],
      }
  }
}

export async function notifyPartner(
  trx: TenantTransaction,
  deps: Pick<CoreDeps, 'jobs' | 'emailFrom' | 'portal' | 'adminUrl'>,
  input: { tenant: TenantForEmail; registration: RegistrationForEmail; to: { email: string; name: string | null }; notice: PartnerNotice },
): Promise<void> {
  const reference = caseReference(input.registration.case_number)
  const wording = partnerWording(input.notice, input.registration.company_name, reference)
  // Replies land on the registration's timeline (receiveRegistrationReply); without a row (not visible here) the brand's support address stays.
  const replyTo = await replyAddressFor(trx, { tenantId: input.tenant.id, registrationId: input.registration.id, recipientEmail: input.to.email })
  await enqueueEmail(trx, deps, {
    tenantId: input.tenant.id,
    to: input.to.email,
    ...(replyTo ? { replyTo } : {}),
    template: {
      name: 'registration-update',
      props: {
        brand: brandOf(deps, input.tenant),
        recipientName: input.to.name ?? 'there',
        caseReference: reference,
        companyName: input.registration.company_name,
        headline: wording.headline,
        paragraphs: wording.paragraphs,
        facts: wording.facts,
        action: { url: `${portalBaseUrl(deps.portal, input.tenant.slug)}/registrations/${input.registration.id}`, label: 'Open the registration' },
        reason: `You received this e-mail because you registered ${input.registration.company_name} with ${input.tenant.portal_name ?? input.tenant.name}.`,
        note: replyTo ? `Reply to this e-mail to add a note to ${reference}; the partner team sees it on the registration.` : `Quote ${reference} in any question about this registration.`,
      },
    },
  })
  await postStatusToSlack(trx, deps, input.tenant.id, input.registration, reference, input.notice)
}

/** Slack statuses for each partner notice (the reminder before expiry is not a status change). */
const SLACK_STATUS: Partial<Record<PartnerNotice['kind'], string>> = {
  received: 'submitted',
  approved: 'approved',
  info_requested: 'info_requested',
  rejected: 'rejected',
  won: 'won',
  lost: 'lost',
  expired: 'expired',
  extended: 'protection extended',
}

/**
 * The same status change, in the vendor's Slack channel and the partner's
 * shared channel when they are connected (nothing happens otherwise). Only
 * partner-visible words go there: the partner's note, never conflict details.
 */
async function postStatusToSlack(trx: TenantTransaction, deps: Pick<CoreDeps, 'jobs' | 'portal' | 'adminUrl'>, tenantId: string, registration: RegistrationForEmail, reference: string, notice: PartnerNotice): Promise<void> {
  const status = SLACK_STATUS[notice.kind]
  if (!status) return
  const partner = await trx
    .selectFrom('registrations as r')
    .innerJoin('partner_organisations as p', 'p.id', 'r.partner_id')
    .select(['p.id', 'p.name'])
    .where('r.id', '=', registration.id)
    .executeTakeFirst()
  if (!partner) return
  const partnerNote = notice.kind === 'rejected' ? notice.reason : notice.kind === 'info_requested' ? notice.question : notice.kind === 'lost' ? notice.reason : null
  await notifySlackOfRegistrationStatus(trx, { jobs: deps.jobs, portal: deps.portal, adminUrl: deps.adminUrl }, {
    tenantId,
    registrationId: registration.id,
    caseReference: reference,
    companyName: registration.company_name,
    partnerId: partner.id,
    partnerName: partner.name,
    status,
    partnerNote,
    // Each notice is its own post (a registration can be extended twice).
    eventKey: `${notice.kind}:${randomUUID()}`,
  })
}

export type StaffNotice =
  | { kind: 'new'; partnerName: string; dueAt: Date; summary: string }
  | { kind: 'sla_reminder'; partnerName: string; dueAt: Date }
  | { kind: 'sla_breached'; partnerName: string; dueAt: Date }
  | { kind: 'info_answered'; partnerName: string; answer: string }
  | { kind: 'partner_reply'; partnerName: string; senderName: string; text: string }
  | { kind: 'appeal'; partnerName: string; evidence: string }
  | { kind: 'extension_requested'; partnerName: string; note: string }
  | { kind: 'idle'; partnerName: string; lastActivityAt: Date }
  | { kind: 'expiring'; partnerName: string; protectionEndsAt: Date }

function staffWording(notice: StaffNotice, company: string, reference: string) {
  switch (notice.kind) {
    case 'new':
      return { headline: `To review: ${company} (${reference})`, paragraphs: [`${notice.partnerName} registered ${company}. Please decide by ${formatDateTime(notice.dueAt)}.`], facts: [{ label: 'Check result', value: notice.summary }] }
    case 'sla_reminder':
      return { headline: `Decision due soon: ${company} (${reference})`, paragraphs: [`The registration by ${notice.partnerName} is due for a decision by ${formatDateTime(notice.dueAt)}.`], facts: [] }
    case 'sla_breached':
      return { headline: `Decision overdue: ${company} (${reference})`, paragraphs: [`The decision SLA for the registration by ${notice.partnerName} passed at ${formatDateTime(notice.dueAt)}. It has been escalated to you.`], facts: [] }
    case 'info_answered':
      return { headline: `Partner answered: ${company} (${reference})`, paragraphs: [`${notice.partnerName} answered your question. The registration is back in review.`], facts: [{ label: 'Answer', value: notice.answer }] }
    case 'partner_reply':
      return { headline: `Partner replied: ${company} (${reference})`, paragraphs: [`${notice.senderName} (${notice.partnerName}) replied by e-mail. The reply is on the registration's event log.`], facts: [{ label: 'Reply', value: notice.text }] }
    case 'appeal':
      return { headline: `Appeal: ${company} (${reference})`, paragraphs: [`${notice.partnerName} appealed the rejection with new evidence. The registration is back in review.`], facts: [{ label: 'Evidence', value: notice.evidence }] }
    case 'extension_requested':
      return { headline: `Extension requested: ${company} (${reference})`, paragraphs: [`${notice.partnerName} asks to extend the protection window.`], facts: [{ label: 'Reason given', value: notice.note }] }
    case 'idle':
      return { headline: `Idle protected deal: ${company} (${reference})`, paragraphs: [`No activity has been logged on ${notice.partnerName}'s protected registration since ${formatDay(notice.lastActivityAt)}. Consider reassigning it.`], facts: [] }
    case 'expiring':
      return { headline: `Protection ends soon: ${company} (${reference})`, paragraphs: [`${notice.partnerName}'s protection ends on ${formatDay(notice.protectionEndsAt)}.`], facts: [] }
  }
}

export async function notifyStaff(
  trx: TenantTransaction,
  deps: Pick<CoreDeps, 'jobs' | 'emailFrom' | 'portal' | 'adminUrl'>,
  input: { tenant: TenantForEmail; registration: RegistrationForEmail; recipients: Array<{ email: string; name: string }>; notice: StaffNotice },
): Promise<void> {
  const reference = caseReference(input.registration.case_number)
  const wording = staffWording(input.notice, input.registration.company_name, reference)
  const seen = new Set<string>()
  for (const recipient of input.recipients) {
    if (seen.has(recipient.email)) continue
    seen.add(recipient.email)
    await enqueueEmail(trx, deps, {
      tenantId: input.tenant.id,
      to: recipient.email,
      replyTo: null,
      template: {
        name: 'registration-update',
        props: {
          brand: brandOf(deps, input.tenant),
          recipientName: recipient.name,
          caseReference: reference,
          companyName: input.registration.company_name,
          headline: wording.headline,
          paragraphs: wording.paragraphs,
          facts: wording.facts,
          action: { url: `${deps.adminUrl}/registrations/${input.registration.id}`, label: 'Open in the review queue' },
          reason: 'You received this e-mail because you review partner registrations.',
        },
      },
    })
  }
}

/** Who hears about a registration on the staff side: its approver, else the owners, admins and partner managers. */
export async function reviewersFor(trx: TenantTransaction, input: { approverUserId: string | null; escalate?: boolean }): Promise<Array<{ email: string; name: string }>> {
  const roles = input.escalate ? ['owner', 'admin'] : ['owner', 'admin', 'partner_manager']
  const query = trx.selectFrom('users').select(['email', 'name']).where('kind', '=', 'staff').where('status', '=', 'active')
  if (input.approverUserId && !input.escalate) {
    const approver = await query.where('id', '=', input.approverUserId).execute()
    if (approver.length > 0) return approver
  }
  const reviewers = await query.where('staff_role', 'in', roles).orderBy('created_at').execute()
  if (input.escalate && input.approverUserId) {
    const approver = await trx.selectFrom('users').select(['email', 'name']).where('id', '=', input.approverUserId).execute()
    return [...approver, ...reviewers]
  }
  return reviewers
}

/** What a partner can tell the reviewers about (answers, appeals, extension requests). */
export type PartnerToStaffNotice = JobPayload<typeof registrationStaffNotice>['notice']

/**
 * Tell the reviewers from a partner's transaction. A partner's scope sees
 * only its own organisation's people, so the reviewers cannot be looked up
 * here: a job (queued in this transaction, so only if it commits) finds them
 * in the workspace's scope and queues the e-mails.
 */
export async function notifyReviewersLater(trx: TenantTransaction, deps: Pick<CoreDeps, 'jobs'>, input: { tenantId: string; registrationId: string; notice: PartnerToStaffNotice }): Promise<void> {
  await deps.jobs.send(trx, registrationStaffNotice, input)
}

/** The job: the registration's approver, else the owners, admins and partner managers, hear about it. */
export async function runRegistrationStaffNotice(deps: CoreDeps, input: JobPayload<typeof registrationStaffNotice>): Promise<{ notified: number }> {
  return withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const tenant = await trx.selectFrom('tenants').selectAll().where('id', '=', input.tenantId).executeTakeFirst()
    const registration = await trx.selectFrom('registrations').select(['id', 'case_number', 'company_name', 'kind', 'approver_user_id']).where('id', '=', input.registrationId).executeTakeFirst()
    if (!tenant || !registration) return { notified: 0 }
    const recipients = await reviewersFor(trx, { approverUserId: registration.approver_user_id })
    await notifyStaff(trx, deps, { tenant, registration, recipients, notice: input.notice })
    return { notified: new Set(recipients.map((recipient) => recipient.email)).size }
  })
}

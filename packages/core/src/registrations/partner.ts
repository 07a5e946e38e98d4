import { sql, type TenantTransaction } from '@accord/db'
import { z } from 'zod'
import type { CoreContext, PartnerContext } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requirePartner, withPartnerScopeLifted } from '../scope.js'
import { readProgrammeSettings } from '../settings.js'
import { multiLineText, parseInput, searchText, uuid } from '../validation.js'
import { addBusinessHours } from './business-hours.js'
import { caseReference, notifyPartner, notifyReviewersLater } from './notify.js'
import type { RegistrationStatus } from './review.js'
import { appendRegistrationEvent, type EventActor } from './submit.js'

/**
 * The partner's side, always in the partner's RLS scope: their own
 * registrations, the partner-visible history (partner notes only, never staff
 * notes or other partners' names), answering an information request, logging
 * the next step (which extends protection per policy), asking for an
 * extension, and appealing a rejection with evidence.
 */

/** The registration fields a partner sees: what they submitted and where it stands. No staff notes, no conflict evidence. */
function toPartnerRegistration(row: {
  id: string
  case_number: number
  kind: string
  status: string
  company_name: string
  domain: string | null
  website: string | null
  contact_name: string
  contact_email: string
  contact_role: string | null
  problem: string
  stage_guess: string
  region: string | null
  amount: string | null
  currency: string | null
  expected_close: string | Date | null
  next_step: string | null
  partner_verdict: string
  info_request: string | null
  rejection_reason: string | null
  protection_ends_at: Date | null
  decided_at: Date | null
  extension_count: number
  extension_requested_at: Date | null
  appealed_at: Date | null
  created_at: Date
}) {
  return {
    id: row.id,
    caseReference: caseReference(row.case_number),
    kind: row.kind as 'lead' | 'deal',
    status: row.status as RegistrationStatus,
    companyName: row.company_name,
    domain: row.domain,
    website: row.website,
    contactName: row.contact_name,
    contactEmail: row.contact_email,
    contactRole: row.contact_role,
    problem: row.problem,
    stageGuess: row.stage_guess,
    region: row.region,
    amount: row.amount === null ? null : Number(row.amount),
    currency: row.currency,
    expectedClose: row.expected_close === null ? null : typeof row.expected_close === 'string' ? row.expected_close : row.expected_close.toISOString().slice(0, 10),
    nextStep: row.next_step,
    verdict: row.partner_verdict as 'clear' | 'possible_conflict' | 'needs_review',
    infoRequest: row.status === 'info_requested' ? row.info_request : null,
    rejectionReason: row.status === 'rejected' ? row.rejection_reason : null,
    protectionEndsAt: row.status === 'approved' ? row.protection_ends_at : null,
    decidedAt: row.decided_at,
    extensionCount: row.extension_count,
    extensionRequested: row.extension_requested_at !== null,
    appealed: row.appealed_at !== null,
    createdAt: row.created_at,
  }
}
export type PartnerRegistration = ReturnType<typeof toPartnerRegistration>

const partnerColumns = [
  'id', 'case_number', 'kind', 'status', 'company_name', 'domain', 'website', 'contact_name', 'contact_email', 'contact_role', 'problem', 'stage_guess', 'region',
  'amount', 'currency', 'expected_close', 'next_step', 'partner_verdict', 'info_request', 'rejection_reason', 'protection_ends_at', 'decided_at', 'extension_count',
  'extension_requested_at', 'appealed_at', 'created_at',
] as const

export const listMyRegistrationsInput = z.object({
  view: z.enum(['open', 'approved', 'closed', 'all']).default('all'),
  search: searchText(120).optional(),
})

export async function listMyRegistrations(ctx: CoreContext, rawInput: z.input<typeof listMyRegistrationsInput> = {}) {
  requirePartner(ctx)
  const input = parseInput(listMyRegistrationsInput, rawInput)
  const rows = await inActorScope(ctx, (trx) => {
    let query = trx.selectFrom('registrations').select(partnerColumns).orderBy('created_at', 'desc').limit(500)
    if (input.view === 'open') query = query.where('status', 'in', ['submitted', 'under_review', 'info_requested'])
    if (input.view === 'approved') query = query.where('status', '=', 'approved')
    if (input.view === 'closed') query = query.where('status', 'in', ['rejected', 'won', 'lost', 'expired'])
    if (input.search) {
      const pattern = `%${input.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`
      query = query.where((eb) => eb.or([eb('company_name', 'ilike', pattern), eb('domain', 'ilike', pattern)]))
    }
    return query.execute()
  })
  return rows.map(toPartnerRegistration)
}

export async function getMyRegistration(ctx: CoreContext, input: { registrationId: string }) {
  requirePartner(ctx)
  const registrationId = parseInput(uuid, input.registrationId)
  return inActorScope(ctx, async (trx) => {
    const row = await trx.selectFrom('registrations').select(partnerColumns).where('id', '=', registrationId).executeTakeFirst()
    if (!row) throw AppError.notFound('This registration')
    const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const events = await trx
      .selectFrom('registration_events')
      .select(['id', 'type', 'to_status', 'actor_kind', 'partner_note', 'created_at'])
      .where('registration_id', '=', registrationId)
      .where('partner_visible', '=', true)
      .orderBy('created_at')
      .execute()
    const registration = toPartnerRegistration(row)
    const appealUntil = row.status === 'rejected' && row.decided_at && !row.appealed_at ? new Date(row.decided_at.getTime() + settings.registration.appealWindowDays * 86_400_000) : null
    return {
      registration,
      // Staff names stay internal; the partner sees "Partner team".
      timeline: events.map((event) => ({ id: event.id, type: event.type, toStatus: event.to_status, by: event.actor_kind === 'staff' ? 'Partner team' : event.actor_kind === 'system' ? 'Automatic' : 'Your team', note: event.partner_note, at: event.created_at })),
      canAnswer: row.status === 'info_requested',
      canLogNextStep: row.status === 'approved',
      canExtendAutomatically: row.status === 'approved' && row.extension_count < settings.registration.maxExtensions,
      canRequestExtension: row.status === 'approved' && row.extension_requested_at === null,
      appealUntil: appealUntil && appealUntil > ctx.now() ? appealUntil : null,
      policy: { extensionDays: settings.registration.extensionDays, maxExtensions: settings.registration.maxExtensions },
    }
  })
}

async function partnerActor(trx: TenantTransaction, ctx: PartnerContext): Promise<EventActor & { email: string }> {
  const user = await trx.selectFrom('users').select(['name', 'email']).where('id', '=', ctx.actor.userId).executeTakeFirst()
  if (!user) throw new AppError('UNAUTHENTICATED', 'Please sign in again.')
  return { kind: 'partner', userId: ctx.actor.userId, label: user.name, email: user.email }
}

/** Partner actions share this frame: lock own row (RLS: another partner's id is simply not found), check status, act, log. */
async function partnerAction<Result>(ctx: PartnerContext, registrationId: string, allowed: RegistrationStatus[], notPossible: string, act: (trx: TenantTransaction, row: LockedRow, actor: EventActor & { email: string }) => Promise<Result>) {
  return inActorScope(ctx, async (trx) => {
    const row = await trx
      .selectFrom('registrations as r')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.id', '=', 'r.partner_id'))
      .select(['r.id', 'r.tenant_id', 'r.partner_id', 'r.case_number', 'r.company_name', 'r.kind', 'r.status', 'r.protection_ends_at', 'r.extension_count', 'r.extension_requested_at', 'r.decided_at', 'r.appealed_at', 'r.approver_user_id', 'r.deal_id', 'r.submitter_email', 'p.name as partner_name'])
      .where('r.id', '=', registrationId)
      .forUpdate('r')
      .executeTakeFirst()
    if (!row) throw AppError.notFound('This registration')
    if (!allowed.includes(row.status as RegistrationStatus)) throw new AppError('CONFLICT', notPossible)
    return act(trx, row, await partnerActor(trx, ctx))
  })
}
interface LockedRow {
  id: string
  tenant_id: string
  partner_id: string
  case_number: number
  company_name: string
  kind: string
  status: string
  protection_ends_at: Date | null
  extension_count: number
  extension_requested_at: Date | null
  decided_at: Date | null
  appealed_at: Date | null
  approver_user_id: string | null
  deal_id: string | null
  submitter_email: string
  partner_name: string
}

export const answerInfoRequestInput = z.object({
  registrationId: uuid,
  answer: multiLineText(10_000, 'answer', { min: 2, required: 'Write your answer.' }),
})

/** The answer goes back to review with a fresh decision SLA. */
export async function answerInfoRequest(ctx: CoreContext, rawInput: z.input<typeof answerInfoRequestInput>) {
  requirePartner(ctx)
  const input = parseInput(answerInfoRequestInput, rawInput)
  const now = ctx.now()
  return partnerAction(ctx, input.registrationId, ['info_requested'], 'This registration is not waiting for information any more.', async (trx, row, actor) => {
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const slaDueAt = addBusinessHours(now, settings.registration.decisionSlaHours, settings.businessHours)
    await trx.updateTable('registrations').set({ status: 'under_review', sla_due_at: slaDueAt, sla_reminded_at: null, sla_escalated_at: null, last_activity_at: now, updated_at: now }).where('id', '=', row.id).execute()
    await appendRegistrationEvent(trx, { tenantId: row.tenant_id, registrationId: row.id, partnerId: row.partner_id, type: 'info_provided', fromStatus: row.status, toStatus: 'under_review', actor, staffNote: input.answer, partnerNote: `You answered: ${input.answer}` })
    await notifyReviewersLater(trx, ctx, { tenantId: row.tenant_id, registrationId: row.id, notice: { kind: 'info_answered', partnerName: row.partner_name, answer: input.answer } })
    return { registrationId: row.id, status: 'under_review' as const }
  })
}

export const logNextStepInput = z.object({
  registrationId: uuid,
  nextStep: multiLineText(2000, 'next step', { min: 3, required: 'Describe the next step (at least 3 characters).' }),
  /** A meeting or call with the customer: counts toward an automatic extension. */
  customerMeeting: z.preprocess((value) => value === 'on' || value === 'true' || value === true, z.boolean()).default(false),
})

/**
 * Logging the next step keeps a protected registration alive (resets the idle
 * clock); a logged customer meeting extends the protection by the policy's
 * days, up to the policy's number of extensions.
 */
export async function logNextStep(ctx: CoreContext, rawInput: z.input<typeof logNextStepInput>) {
  requirePartner(ctx)
  const input = parseInput(logNextStepInput, rawInput)
  const now = ctx.now()
  return partnerAction(ctx, input.registrationId, ['approved'], 'Next steps can be logged on approved registrations only.', async (trx, row, actor) => {
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const extend = input.customerMeeting && row.extension_count < settings.registration.maxExtensions && row.protection_ends_at !== null
    const protectionEndsAt = extend && row.protection_ends_at ? new Date(Math.max(row.protection_ends_at.getTime(), now.getTime()) + settings.registration.extensionDays * 86_400_000) : row.protection_ends_at
    await trx.updateTable('registrations').set({ next_step: input.nextStep, last_activity_at: now, idle_flagged_at: null, updated_at: now }).where('id', '=', row.id).execute()
    // The protection window and the deal are the vendor's: core extends them by the policy, the partner scope cannot.
    await withPartnerScopeLifted(trx, row.partner_id, async () => {
      if (extend) {
        await trx.updateTable('registrations').set({ protection_ends_at: protectionEndsAt, extension_count: sql<number>`extension_count + 1`, expiry_reminded_at: null }).where('id', '=', row.id).execute()
      }
      const dealId = row.deal_id
      if (dealId) await trx.updateTable('deals').set({ next_step: input.nextStep, last_activity_at: now, ...(extend ? { protection_ends_at: protectionEndsAt } : {}) }).where('id', '=', dealId).execute()
    })
    await appendRegistrationEvent(trx, {
      tenantId: row.tenant_id,
      registrationId: row.id,
      partnerId: row.partner_id,
      type: extend ? 'next_step_extended' : 'next_step',
      fromStatus: row.status,
      toStatus: row.status,
      actor,
      rule: extend ? 'extension_on_next_step' : null,
      staffNote: input.nextStep,
      partnerNote: extend ? `Next step logged: ${input.nextStep}. Protection extended to ${protectionEndsAt?.toISOString().slice(0, 10)}.` : `Next step logged: ${input.nextStep}`,
      details: { customerMeeting: input.customerMeeting, extended: extend },
    })
    if (extend && protectionEndsAt) {
      await withPartnerScopeLifted(trx, row.partner_id, () =>
        notifyPartner(trx, ctx, { tenant, registration: row, to: { email: actor.email, name: actor.label }, notice: { kind: 'extended', protectionEndsAt, reason: `You logged a customer meeting as the next step: ${input.nextStep}` } }),
      )
    }
    return { registrationId: row.id, extended: extend, protectionEndsAt }
  })
}

export const requestExtensionInput = z.object({
  registrationId: uuid,
  note: multiLineText(2000, 'reason', { min: 5, required: 'Say why you need more time (at least 5 characters).' }),
})

export async function requestProtectionExtension(ctx: CoreContext, rawInput: z.input<typeof requestExtensionInput>) {
  requirePartner(ctx)
  const input = parseInput(requestExtensionInput, rawInput)
  const now = ctx.now()
  return partnerAction(ctx, input.registrationId, ['approved'], 'Extensions can be requested for approved registrations only.', async (trx, row, actor) => {
    if (row.extension_requested_at) throw new AppError('CONFLICT', 'An extension request is already waiting for the partner team.')
    await trx.updateTable('registrations').set({ extension_requested_at: now, extension_request_note: input.note, last_activity_at: now, updated_at: now }).where('id', '=', row.id).execute()
    await appendRegistrationEvent(trx, { tenantId: row.tenant_id, registrationId: row.id, partnerId: row.partner_id, type: 'extension_requested', fromStatus: row.status, toStatus: row.status, actor, staffNote: input.note, partnerNote: `You asked for an extension: ${input.note}` })
    await notifyReviewersLater(trx, ctx, { tenantId: row.tenant_id, registrationId: row.id, notice: { kind: 'extension_requested', partnerName: row.partner_name, note: input.note } })
    return { registrationId: row.id, requested: true }
  })
}

export const appealRejectionInput = z.object({
  registrationId: uuid,
  evidence: multiLineText(10_000, 'evidence', { min: 20, required: 'Describe your evidence (at least 20 characters): e.g. the date of your first meeting and who attended.' }),
})

/** Within the appeal window, once per registration: back to review with a fresh SLA. */
export async function appealRejection(ctx: CoreContext, rawInput: z.input<typeof appealRejectionInput>) {
  requirePartner(ctx)
  const input = parseInput(appealRejectionInput, rawInput)
  const now = ctx.now()
  return partnerAction(ctx, input.registrationId, ['rejected'], 'Only rejected registrations can be appealed.', async (trx, row, actor) => {
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    if (row.appealed_at) throw new AppError('CONFLICT', 'This registration was already appealed once; the second decision is final.')
    const windowEnds = row.decided_at ? row.decided_at.getTime() + settings.registration.appealWindowDays * 86_400_000 : 0
    if (now.getTime() > windowEnds) throw new AppError('CONFLICT', `The appeal window (${settings.registration.appealWindowDays} days after the decision) has closed.`)
    const slaDueAt = addBusinessHours(now, settings.registration.decisionSlaHours, settings.businessHours)
    await trx
      .updateTable('registrations')
      .set({ status: 'under_review', appeal_evidence: input.evidence, appealed_at: now, sla_due_at: slaDueAt, sla_reminded_at: null, sla_escalated_at: null, last_activity_at: now, updated_at: now })
      .where('id', '=', row.id)
      .execute()
    await appendRegistrationEvent(trx, { tenantId: row.tenant_id, registrationId: row.id, partnerId: row.partner_id, type: 'appealed', fromStatus: 'rejected', toStatus: 'under_review', actor, staffNote: input.evidence, partnerNote: 'You appealed the decision. A partner manager will review your evidence.' })
    await notifyReviewersLater(trx, ctx, { tenantId: row.tenant_id, registrationId: row.id, notice: { kind: 'appeal', partnerName: row.partner_name, evidence: input.evidence } })
    return { registrationId: row.id, status: 'under_review' as const }
  })
}

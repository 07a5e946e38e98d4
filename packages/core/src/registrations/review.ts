import { sql, type TenantTransaction } from '@accord/db'
import { z } from 'zod'
import type { Actor, CoreContext, CoreDeps, StaffContext } from '../context.js'
import { AppError, isAppError } from '../errors.js'
import { inActorScope, requireStaff } from '../scope.js'
import { readProgrammeSettings } from '../settings.js'
import { multiLineText, optionalMultiLineText, parseInput, searchText, uuid } from '../validation.js'
import { loadCompetingClaims } from './claims.js'
import { caseReference, notifyPartner, type PartnerNotice } from './notify.js'
import { appendRegistrationEvent, type EventActor } from './submit.js'

/**
 * The partner team's side: the review queue ordered by SLA deadline, one
 * registration with competing claims side by side and the event log, and the
 * decisions (approve with a protection window, reject with a reason, ask for
 * information, mark won/lost, extend), singly or in bulk. Every decision
 * appends an event (who, when, which rule, why) and e-mails the partner.
 */

export const REGISTRATION_STATUSES = ['submitted', 'under_review', 'info_requested', 'approved', 'rejected', 'won', 'lost', 'expired'] as const
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number]
export const registrationStatusLabels: Record<RegistrationStatus, string> = {
  submitted: 'Submitted',
  under_review: 'Under review',
  info_requested: 'Info requested',
  approved: 'Approved',
  rejected: 'Rejected',
  won: 'Won',
  lost: 'Lost',
  expired: 'Expired',
}
const PENDING: RegistrationStatus[] = ['submitted', 'under_review', 'info_requested']

export const reviewQueueInput = z.object({
  view: z.enum(['pending', 'approved', 'closed', 'all']).default('pending'),
  search: searchText(120).optional(),
  partnerId: uuid.optional(),
  conflictsOnly: z.boolean().default(false),
  mineOnly: z.boolean().default(false),
  limit: z.number().int().min(1).max(200).default(100),
})

export async function listReviewQueue(ctx: CoreContext, rawInput: z.input<typeof reviewQueueInput> = {}) {
  requireStaff(ctx, 'registrations.view')
  const input = parseInput(reviewQueueInput, rawInput)
  const actor = ctx.actor
  const now = ctx.now()
  const rows = await inActorScope(ctx, (trx) => {
    let query = trx
      .selectFrom('registrations as r')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.id', '=', 'r.partner_id'))
      .leftJoin('users as a', (join) => join.onRef('a.tenant_id', '=', 'r.tenant_id').onRef('a.id', '=', 'r.approver_user_id'))
      .select([
        'r.id', 'r.case_number', 'r.kind', 'r.source', 'r.company_name', 'r.domain', 'r.status', 'r.partner_verdict', 'r.conflict_status',
        'r.amount', 'r.currency', 'r.region', 'r.sla_due_at', 'r.protection_ends_at', 'r.created_at', 'r.idle_flagged_at', 'r.extension_requested_at', 'r.appealed_at',
        'p.id as partner_id', 'p.name as partner_name', 'a.name as approver_name',
      ])
    if (input.view === 'pending') query = query.where('r.status', 'in', PENDING).orderBy('r.sla_due_at').orderBy('r.case_number')
    else if (input.view === 'approved') query = query.where('r.status', '=', 'approved').orderBy('r.protection_ends_at').orderBy('r.case_number')
    else if (input.view === 'closed') query = query.where('r.status', 'in', ['rejected', 'won', 'lost', 'expired']).orderBy('r.updated_at', 'desc')
    else query = query.orderBy('r.created_at', 'desc')
    if (input.search) {
      const pattern = `%${input.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`
      const asCase = /^r-?(\d+)$/i.exec(input.search)
      query = query.where((eb) => eb.or([eb('r.company_name', 'ilike', pattern), eb('r.domain', 'ilike', pattern), eb('p.name', 'ilike', pattern), ...(asCase ? [eb('r.case_number', '=', Number(asCase[1]))] : [])]))
    }
    if (input.partnerId) query = query.where('r.partner_id', '=', input.partnerId)
    if (input.conflictsOnly) query = query.where('r.conflict_status', '!=', 'none')
    if (input.mineOnly) query = query.where('r.approver_user_id', '=', actor.userId)
    return query.limit(input.limit).execute()
  })
  return rows.map((row) => ({
    id: row.id,
    caseReference: caseReference(row.case_number),
    kind: row.kind as 'lead' | 'deal',
    source: row.source,
    companyName: row.company_name,
    domain: row.domain,
    status: row.status as RegistrationStatus,
    partnerVerdict: row.partner_verdict,
    conflictStatus: row.conflict_status as 'none' | 'at_risk' | 'active',
    amount: row.amount === null ? null : Number(row.amount),
    currency: row.currency,
    region: row.region,
    slaDueAt: row.sla_due_at,
    slaState: !PENDING.includes(row.status as RegistrationStatus) || row.status === 'info_requested' ? ('none' as const) : row.sla_due_at <= now ? ('breached' as const) : row.sla_due_at.getTime() - now.getTime() < 8 * 3_600_000 ? ('due_soon' as const) : ('on_track' as const),
    protectionEndsAt: row.protection_ends_at,
    createdAt: row.created_at,
    idle: row.idle_flagged_at !== null,
    extensionRequested: row.extension_requested_at !== null,
    appealed: row.appealed_at !== null && PENDING.includes(row.status as RegistrationStatus),
    partnerId: row.partner_id,
    partnerName: row.partner_name,
    approverName: row.approver_name,
  }))
}

export type ReviewQueueRow = Awaited<ReturnType<typeof listReviewQueue>>[number]

async function loadRegistration(trx: TenantTransaction, registrationId: string) {
  const registration = await trx
    .selectFrom('registrations as r')
    .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.id', '=', 'r.partner_id'))
    .leftJoin('users as s', (join) => join.onRef('s.tenant_id', '=', 'r.tenant_id').onRef('s.id', '=', 'r.submitted_by_user_id'))
    .selectAll('r')
    .select(['p.name as partner_name', 'p.tier as partner_tier', 'p.type as partner_type', 's.name as submitter_name'])
    .where('r.id', '=', registrationId)
    .executeTakeFirst()
  if (!registration) throw AppError.notFound('This registration')
  return registration
}

export async function getRegistrationForStaff(ctx: CoreContext, input: { registrationId: string }) {
  requireStaff(ctx, 'registrations.view')
  const registrationId = parseInput(uuid, input.registrationId)
  return inActorScope(ctx, async (trx) => {
    const registration = await loadRegistration(trx, registrationId)
    const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const competing = await loadCompetingClaims(trx, { tenantId: registration.tenant_id, domain: registration.domain, companyKey: registration.company_key, excludeRegistrationId: registration.id, settings })
    const competingIds = competing.map((claim) => claim.registrationId).filter((id): id is string => id !== null)
    const competingRows = competingIds.length
      ? await trx
          .selectFrom('registrations as r')
          .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.id', '=', 'r.partner_id'))
          .select(['r.id', 'r.case_number', 'r.company_name', 'r.domain', 'r.status', 'r.kind', 'r.amount', 'r.currency', 'r.created_at', 'r.decided_at', 'r.protection_ends_at', 'r.contact_name', 'r.region', 'r.product_interest', 'p.name as partner_name', 'p.tier as partner_tier'])
          .where('r.id', 'in', competingIds)
          .execute()
      : []
    const events = await trx
      .selectFrom('registration_events')
      .select(['id', 'type', 'from_status', 'to_status', 'actor_kind', 'actor_label', 'rule', 'staff_note', 'partner_note', 'details', 'created_at'])
      .where('registration_id', '=', registrationId)
      .orderBy('created_at')
      .execute()
    const approvers = await trx.selectFrom('users').select(['id', 'name']).where('kind', '=', 'staff').where('status', '=', 'active').where('staff_role', 'in', ['owner', 'admin', 'partner_manager']).orderBy('name').execute()
    return {
      registration: {
        id: registration.id,
        caseReference: caseReference(registration.case_number),
        kind: registration.kind as 'lead' | 'deal',
        source: registration.source,
        status: registration.status as RegistrationStatus,
        partnerId: registration.partner_id,
        partnerName: registration.partner_name,
        partnerTier: registration.partner_tier,
        submitterName: registration.submitter_name,
        submitterEmail: registration.submitter_email,
        companyName: registration.company_name,
        domain: registration.domain,
        website: registration.website,
        contactName: registration.contact_name,
        contactEmail: registration.contact_email,
        contactRole: registration.contact_role,
        problem: registration.problem,
        stageGuess: registration.stage_guess,
        consentAt: registration.consent_at,
        region: registration.region,
        targetRevenue: registration.target_revenue === null ? null : Number(registration.target_revenue),
        productInterest: registration.product_interest,
        competitors: registration.competitors,
        amount: registration.amount === null ? null : Number(registration.amount),
        currency: registration.currency,
        expectedClose: registration.expected_close,
        dealStage: registration.deal_stage,
        nextStep: registration.next_step,
        coSellRequested: registration.co_sell_requested,
        motion: registration.motion,
        partnerVerdict: registration.partner_verdict,
        conflictStatus: registration.conflict_status as 'none' | 'at_risk' | 'active',
        conflictNotes: registration.conflict_notes,
        decidingRule: registration.deciding_rule,
        approverUserId: registration.approver_user_id,
        slaDueAt: registration.sla_due_at,
        decidedAt: registration.decided_at,
        rejectionReason: registration.rejection_reason,
        infoRequest: registration.info_request,
        protectionStartsAt: registration.protection_starts_at,
        protectionEndsAt: registration.protection_ends_at,
        extensionCount: registration.extension_count,
        extensionRequestedAt: registration.extension_requested_at,
        extensionRequestNote: registration.extension_request_note,
        appealEvidence: registration.appeal_evidence,
        appealedAt: registration.appealed_at,
        lastActivityAt: registration.last_activity_at,
        idleFlaggedAt: registration.idle_flagged_at,
        dealId: registration.deal_id,
        createdAt: registration.created_at,
      },
      competing: competingRows.map((row) => ({
        id: row.id,
        caseReference: caseReference(row.case_number),
        partnerName: row.partner_name,
        partnerTier: row.partner_tier,
        companyName: row.company_name,
        domain: row.domain,
        status: row.status as RegistrationStatus,
        kind: row.kind,
        amount: row.amount === null ? null : Number(row.amount),
        currency: row.currency,
        contactName: row.contact_name,
        region: row.region,
        productInterest: row.product_interest,
        createdAt: row.created_at,
        decidedAt: row.decided_at,
        protectionEndsAt: row.protection_ends_at,
      })),
      events: events.map((event) => ({
        id: event.id,
        type: event.type,
        fromStatus: event.from_status,
        toStatus: event.to_status,
        actorKind: event.actor_kind,
        actorLabel: event.actor_label,
        rule: event.rule,
        staffNote: event.staff_note,
        partnerNote: event.partner_note,
        createdAt: event.created_at,
      })),
      approvers,
      defaults: { protectionWindowDays: settings.registration.protectionWindowDays },
    }
  })
}

async function staffActor(trx: TenantTransaction, ctx: StaffContext): Promise<EventActor> {
  const user = await trx.selectFrom('users').select('name').where('id', '=', ctx.actor.userId).executeTakeFirst()
  return { kind: 'staff', userId: ctx.actor.userId, label: user?.name ?? 'Partner team' }
}

type Loaded = Awaited<ReturnType<typeof loadRegistration>>

/** Lock the registration row, check the transition, then apply it with an event and a partner e-mail. */
async function transition(
  ctx: StaffContext | SystemContext,
  registrationId: string,
  allowedFrom: RegistrationStatus[],
  apply: (trx: TenantTransaction, registration: Loaded, actor: EventActor) => Promise<{ toStatus: RegistrationStatus; notice: PartnerNotice | null; eventType: string; rule?: string | null; staffNote?: string | null; partnerNote?: string | null; details?: Record<string, unknown> }>,
) {
  return inActorScope(ctx, async (trx) => {
    await sql`select 1 from registrations where id = ${registrationId} for update`.execute(trx)
    const registration = await loadRegistration(trx, registrationId)
    const from = registration.status as RegistrationStatus
    if (!allowedFrom.includes(from)) {
      throw new AppError('CONFLICT', `This registration is ${registrationStatusLabels[from].toLowerCase()}; that action is not possible any more. Reload to see the latest state.`)
    }
    const actor = ctx.actor.kind === 'staff' ? await staffActor(trx, ctx as StaffContext) : { kind: 'system' as const, userId: null, label: (ctx as SystemContext).systemLabel }
    const outcome = await apply(trx, registration, actor)
    await trx.updateTable('registrations').set({ status: outcome.toStatus, updated_at: ctx.now() }).where('id', '=', registrationId).execute()
    await appendRegistrationEvent(trx, {
      tenantId: registration.tenant_id,
      registrationId,
      partnerId: registration.partner_id,
      type: outcome.eventType,
      fromStatus: from,
      toStatus: outcome.toStatus,
      actor,
      rule: outcome.rule ?? null,
      staffNote: outcome.staffNote ?? null,
      partnerNote: outcome.partnerNote ?? null,
      details: outcome.details,
    })
    if (outcome.notice) {
      const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
      await notifyPartner(trx, ctx, {
        tenant,
        registration,
        to: { email: registration.submitter_email, name: registration.submitter_name },
        notice: outcome.notice,
      })
    }
    return { registrationId, status: outcome.toStatus, caseReference: caseReference(registration.case_number) }
  })
}

export const startReviewInput = z.object({ registrationId: uuid })

/** Take a registration into review (assigns the reviewer; the partner sees "under review"). */
export async function startReview(ctx: CoreContext, rawInput: z.input<typeof startReviewInput>) {
  requireStaff(ctx, 'registrations.decide')
  const { registrationId } = parseInput(startReviewInput, rawInput)
  const staff = ctx
  return transition(staff, registrationId, ['submitted'], async (trx, registration) => {
    await trx.updateTable('registrations').set({ approver_user_id: registration.approver_user_id ?? staff.actor.userId }).where('id', '=', registrationId).execute()
    return { toStatus: 'under_review', eventType: 'review_started', notice: null, partnerNote: 'A partner manager is reviewing your registration.' }
  })
}

export const approveRegistrationInput = z.object({
  registrationId: uuid,
  protectionDays: z.coerce.number({ invalid_type_error: 'Enter the number of days.' }).int('Use whole days.').min(1, 'Protect for at least 1 day.').max(365, 'Protect for at most 365 days.').optional(),
  note: optionalMultiLineText(2000, 'note'),
  /** Required when another partner's approved claim on the customer is still protected. */
  conflictResolution: optionalMultiLineText(2000, 'explanation'),
})

export async function approveRegistration(ctx: CoreContext, rawInput: z.input<typeof approveRegistrationInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(approveRegistrationInput, rawInput)
  const staff = ctx
  return transition(staff, input.registrationId, ['submitted', 'under_review', 'info_requested'], async (trx, registration) => {
    const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const competing = await loadCompetingClaims(trx, { tenantId: registration.tenant_id, domain: registration.domain, companyKey: registration.company_key, excludeRegistrationId: registration.id, settings })
    const protectedRival = competing.find((claim) => claim.status === 'approved' && claim.partnerId !== registration.partner_id)
    if (protectedRival && !input.conflictResolution) {
      throw AppError.validation(
        { conflictResolution: [`${protectedRival.partnerName} holds an approved, protected claim on this customer. Explain how the conflict is resolved (for example a split by product line) to approve anyway.`] },
        'This customer is protected for another partner.',
      )
    }
    const now = staff.now()
    const days = input.protectionDays ?? settings.registration.protectionWindowDays
    const protectionEndsAt = new Date(now.getTime() + days * 86_400_000)
    let dealId: string | null = null
    if (registration.kind === 'deal') dealId = await createDealFromRegistration(trx, registration, { protectionEndsAt, ownerUserId: staff.actor.userId, settings })
    await trx
      .updateTable('registrations')
      .set({
        decided_at: now,
        decided_by_user_id: staff.actor.userId,
        protection_starts_at: now,
        protection_ends_at: protectionEndsAt,
        last_activity_at: now,
        deal_id: dealId,
        info_request: null,
        ...(protectedRival ? { conflict_status: 'active' as const, conflict_notes: [registration.conflict_notes, `Resolution: ${input.conflictResolution}`].filter(Boolean).join('\n') } : {}),
      })
      .where('id', '=', registration.id)
      .execute()
    return {
      toStatus: 'approved',
      eventType: 'approved',
      rule: protectedRival ? 'manual_resolution' : registration.deciding_rule,
      staffNote: [input.note, input.conflictResolution ? `Conflict resolution: ${input.conflictResolution}` : null].filter(Boolean).join('\n') || null,
      partnerNote: `Approved. Protected until ${protectionEndsAt.toISOString().slice(0, 10)}.${input.note ? ` ${input.note}` : ''}`,
      details: { protectionDays: days, protectionEndsAt: protectionEndsAt.toISOString(), dealId },
      notice: { kind: 'approved', protectionEndsAt, note: input.note },
    }
  })
}

/** A deal registration becomes a deal in the built-in CRM, sourced 100 % by the registering partner. */
async function createDealFromRegistration(trx: TenantTransaction, registration: Loaded, input: { protectionEndsAt: Date; ownerUserId: string; settings: ReturnType<typeof readProgrammeSettings> }) {
  const stages = input.settings.motions[registration.motion as keyof typeof input.settings.motions]?.stages ?? []
  const deal = await trx
    .insertInto('deals')
    .values({
      tenant_id: registration.tenant_id,
      name: `${registration.company_name} — ${registration.partner_name}`,
      account_id: registration.account_id,
      motion: registration.motion,
      stage: registration.deal_stage ?? stages[0]?.key ?? 'new',
      amount: registration.amount,
      currency: registration.currency,
      expected_close: registration.expected_close,
      next_step: registration.next_step,
      owner_user_id: input.ownerUserId,
      registration_id: registration.id,
      protection_ends_at: input.protectionEndsAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await trx.insertInto('deal_partners').values({ tenant_id: registration.tenant_id, deal_id: deal.id, partner_id: registration.partner_id, attribution: 'sourced', percent: '100' }).execute()
  return deal.id
}

export const rejectRegistrationInput = z.object({
  registrationId: uuid,
  reason: multiLineText(2000, 'reason', { min: 5, required: 'Give the partner a reason (at least 5 characters).' }),
})

export async function rejectRegistration(ctx: CoreContext, rawInput: z.input<typeof rejectRegistrationInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(rejectRegistrationInput, rawInput)
  const staff = ctx
  return transition(staff, input.registrationId, ['submitted', 'under_review', 'info_requested'], async (trx, registration) => {
    const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const now = staff.now()
    // A second rejection after an appeal is final.
    const appealUntil = settings.registration.appealWindowDays > 0 && !registration.appealed_at ? new Date(now.getTime() + settings.registration.appealWindowDays * 86_400_000) : null
    await trx.updateTable('registrations').set({ decided_at: now, decided_by_user_id: staff.actor.userId, rejection_reason: input.reason, info_request: null }).where('id', '=', registration.id).execute()
    return {
      toStatus: 'rejected',
      eventType: 'rejected',
      rule: registration.deciding_rule,
      staffNote: input.reason,
      partnerNote: `Not approved: ${input.reason}`,
      details: { appealUntil: appealUntil?.toISOString() ?? null },
      notice: { kind: 'rejected', reason: input.reason, appealUntil },
    }
  })
}

export const requestRegistrationInfoInput = z.object({
  registrationId: uuid,
  question: multiLineText(2000, 'question', { min: 5, required: 'Write what you need to know (at least 5 characters).' }),
})

export async function requestRegistrationInfo(ctx: CoreContext, rawInput: z.input<typeof requestRegistrationInfoInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(requestRegistrationInfoInput, rawInput)
  return transition(ctx, input.registrationId, ['submitted', 'under_review'], async (trx, registration) => {
    await trx.updateTable('registrations').set({ info_request: input.question }).where('id', '=', registration.id).execute()
    return { toStatus: 'info_requested', eventType: 'info_requested', staffNote: input.question, partnerNote: `More information requested: ${input.question}`, notice: { kind: 'info_requested', question: input.question } }
  })
}

export const closeRegistrationInput = z.object({
  registrationId: uuid,
  outcome: z.enum(['won', 'lost']),
  reason: optionalMultiLineText(2000, 'note'),
})

/** Won or lost: ends the protection, closes the built-in deal. */
export async function closeRegistration(ctx: CoreContext, rawInput: z.input<typeof closeRegistrationInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(closeRegistrationInput, rawInput)
  return transition(ctx, input.registrationId, ['approved'], async (trx, registration) => {
    if (registration.deal_id) await trx.updateTable('deals').set({ status: input.outcome, updated_at: ctx.now() }).where('id', '=', registration.deal_id).execute()
    return {
      toStatus: input.outcome,
      eventType: input.outcome,
      staffNote: input.reason,
      partnerNote: input.outcome === 'won' ? 'Closed won.' : `Closed lost.${input.reason ? ` ${input.reason}` : ''}`,
      notice: input.outcome === 'won' ? { kind: 'won' } : { kind: 'lost', reason: input.reason },
    }
  })
}

/** A system context acting for the tenant (the CRM sync), with the label its events carry. */
type SystemContext = CoreContext & { actor: Extract<Actor, { kind: 'system' }>; systemLabel: string }

/**
 * The CRM said the deal was won or lost: close the registration like staff
 * would (event, partner e-mail, protection ends). Does nothing when the
 * registration is no longer approved, so a repeated pull changes nothing.
 */
export async function closeRegistrationFromCrm(deps: CoreDeps, input: { tenantId: string; registrationId: string; outcome: 'won' | 'lost'; crmLabel: string }): Promise<{ closed: boolean }> {
  const ctx: SystemContext = { ...deps, actor: { kind: 'system', tenantId: input.tenantId }, systemLabel: `${input.crmLabel} (CRM sync)` }
  try {
    await transition(ctx, input.registrationId, ['approved'], async (trx, registration) => {
      if (registration.deal_id) await trx.updateTable('deals').set({ status: input.outcome, updated_at: deps.now() }).where('id', '=', registration.deal_id).execute()
      return {
        toStatus: input.outcome,
        eventType: input.outcome,
        rule: 'crm',
        staffNote: `Closed ${input.outcome} in ${input.crmLabel}.`,
        partnerNote: input.outcome === 'won' ? 'Closed won.' : 'Closed lost.',
        notice: input.outcome === 'won' ? { kind: 'won' } : { kind: 'lost', reason: null },
      }
    })
    return { closed: true }
  } catch (error) {
    if (isAppError(error) && error.code === 'CONFLICT') return { closed: false }
    throw error
  }
}

export const extendProtectionInput = z.object({
  registrationId: uuid,
  days: z.coerce.number({ invalid_type_error: 'Enter the number of days.' }).int('Use whole days.').min(1, 'Extend by at least 1 day.').max(365, 'Extend by at most 365 days.'),
  reason: multiLineText(2000, 'reason', { min: 3, required: 'Say why (at least 3 characters).' }),
})

/** Staff grant an extension (e.g. answering a partner's request); not limited by the automatic-extension count. */
export async function extendProtection(ctx: CoreContext, rawInput: z.input<typeof extendProtectionInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(extendProtectionInput, rawInput)
  return transition(ctx, input.registrationId, ['approved'], async (trx, registration) => {
    const base = Math.max(registration.protection_ends_at?.getTime() ?? 0, ctx.now().getTime())
    const protectionEndsAt = new Date(base + input.days * 86_400_000)
    await trx
      .updateTable('registrations')
      .set({ protection_ends_at: protectionEndsAt, extension_requested_at: null, extension_request_note: null, expiry_reminded_at: null, last_activity_at: ctx.now() })
      .where('id', '=', registration.id)
      .execute()
    if (registration.deal_id) await trx.updateTable('deals').set({ protection_ends_at: protectionEndsAt }).where('id', '=', registration.deal_id).execute()
    return {
      toStatus: 'approved',
      eventType: 'protection_extended',
      staffNote: input.reason,
      partnerNote: `Protection extended to ${protectionEndsAt.toISOString().slice(0, 10)}: ${input.reason}`,
      details: { days: input.days, protectionEndsAt: protectionEndsAt.toISOString() },
      notice: { kind: 'extended', protectionEndsAt, reason: input.reason },
    }
  })
}

export const bulkDecideInput = z.object({
  registrationIds: z.array(uuid).min(1, 'Select at least one registration.').max(100, 'Decide at most 100 at once.'),
  action: z.enum(['approve', 'reject']),
  reason: multiLineText(2000, 'reason').optional(),
})

/** Each registration is decided in its own transaction; one failure (e.g. a protected rival) does not undo the others. */
export async function bulkDecideRegistrations(ctx: CoreContext, rawInput: z.input<typeof bulkDecideInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(bulkDecideInput, rawInput)
  if (input.action === 'reject' && (!input.reason || input.reason.length < 5)) throw AppError.validation({ reason: ['Give the partners a reason (at least 5 characters).'] })
  const results: Array<{ registrationId: string; ok: boolean; message: string }> = []
  for (const registrationId of [...new Set(input.registrationIds)]) {
    try {
      const decided = input.action === 'approve' ? await approveRegistration(ctx, { registrationId }) : await rejectRegistration(ctx, { registrationId, reason: input.reason ?? '' })
      results.push({ registrationId, ok: true, message: `${decided.caseReference}: ${input.action === 'approve' ? 'approved' : 'rejected'}.` })
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      const detail = error.fieldErrors ? Object.values(error.fieldErrors).flat().join(' ') : error.message
      results.push({ registrationId, ok: false, message: detail })
    }
  }
  return { results, succeeded: results.filter((result) => result.ok).length, failed: results.filter((result) => !result.ok).length }
}

export const PENDING_STATUSES: readonly RegistrationStatus[] = PENDING

import { sql, type TenantTransaction, withTenant } from '@accord/db'
import { z } from 'zod'
import type { CoreContext, CoreDeps } from '../context.js'
import { AppError, type FieldErrors } from '../errors.js'
import { requirePartner, requireStaff } from '../scope.js'
import { type ProgrammeSettings, readProgrammeSettings } from '../settings.js'
import { parseInput, uuid, zodFieldErrors } from '../validation.js'
import { addBusinessHours } from './business-hours.js'
import { checkClaim, type ClaimCheck, motionForPartnerType } from './claims.js'
import { type RegistrationFields, registrationFieldsSchema } from './input.js'
import { normaliseCompanyName, registrableDomain } from './normalise.js'
import { caseReference, notifyPartner, notifyStaff, reviewersFor } from './notify.js'

/**
 * One way in for every capture path: portal form, admin on behalf of a
 * partner, public link, e-mail, CSV. Each path authenticates its submitter,
 * then calls `registerClaim` inside a tenant-scoped transaction, so the same
 * validation, normalisation, conflict rules, SLA and e-mails apply.
 */

export type RegistrationSource = 'portal' | 'public_link' | 'email' | 'csv' | 'admin'

export interface Submitter {
  userId: string | null
  email: string
  name: string | null
}

export interface EventActor {
  kind: 'staff' | 'partner' | 'system' | 'public'
  userId: string | null
  label: string
}

/** The tenant's calendar day (YYYY-MM-DD) in its business time zone. */
export function tenantToday(settings: ProgrammeSettings, now: Date): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: settings.businessHours.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
  } catch {
    return now.toISOString().slice(0, 10)
  }
}

const DOMAIN_REASONS = {
  empty: 'Enter the company’s website or domain.',
  invalid: 'Enter the company’s website or domain, like acme.com.',
  free_mail: 'That is a free e-mail provider, not the company’s own domain. Enter the company’s website instead.',
  ip_address: 'Enter the company’s domain name, not an IP address.',
} as const

export interface NormalisedCustomer {
  domain: string | null
  companyKey: string
}

/** Registrable domain from the website, else from the contact's e-mail (unless free mail); field errors otherwise. */
export function normaliseCustomer(fields: Pick<RegistrationFields, 'companyName' | 'website' | 'contactEmail'>): { ok: true; customer: NormalisedCustomer } | { ok: false; fieldErrors: FieldErrors } {
  const fieldErrors: FieldErrors = {}
  let domain: string | null = null
  if (fields.website) {
    const result = registrableDomain(fields.website)
    if (result.ok) domain = result.domain
    else fieldErrors.website = [DOMAIN_REASONS[result.reason]]
  } else {
    const fromEmail = registrableDomain(fields.contactEmail)
    if (fromEmail.ok) domain = fromEmail.domain
  }
  const companyKey = normaliseCompanyName(fields.companyName)
  if (companyKey.length === 0) fieldErrors.companyName = ['Enter the company’s name, not only its legal form or punctuation.']
  return Object.keys(fieldErrors).length > 0 ? { ok: false, fieldErrors } : { ok: true, customer: { domain, companyKey } }
}

export interface RegisterClaimInput {
  tenantId: string
  partnerId: string
  submitter: Submitter
  source: RegistrationSource
  actor: EventActor
  /** Raw field values from the capture path; validated here. */
  rawFields: unknown
  /** Already-checked fields (CSV import validates up front); skips the parse. */
  fields?: RegistrationFields
  /** Skip e-mails (CSV import sends one summary instead of one per row). */
  quiet?: boolean
}

export interface RegisteredClaim {
  registrationId: string
  caseNumber: number
  caseReference: string
  status: 'submitted'
  partnerVerdict: ClaimCheck['partnerVerdict']
  partnerMessage: string
  conflictStatus: ClaimCheck['conflictStatus']
  staffSummary: string
}

async function lockCustomer(trx: TenantTransaction, tenantId: string, customer: NormalisedCustomer) {
  // Serialise claims on the same customer, so two partners submitting at the
  // same moment cannot both be told "clear".
  const keys = [`name:${customer.companyKey}`, ...(customer.domain ? [`domain:${customer.domain}`] : [])].sort()
  for (const key of keys) await sql`select pg_advisory_xact_lock(hashtextextended(${`${tenantId}:${key}`}, 0))`.execute(trx)
}

export function validateRegistrationFields(settings: ProgrammeSettings, now: Date, rawFields: unknown, motion: string): { ok: true; fields: RegistrationFields; customer: NormalisedCustomer } | { ok: false; fieldErrors: FieldErrors } {
  const parsed = registrationFieldsSchema(tenantToday(settings, now)).safeParse(rawFields)
  if (!parsed.success) return { ok: false, fieldErrors: zodFieldErrors(parsed.error) }
  const fields = parsed.data
  const normalised = normaliseCustomer(fields)
  if (!normalised.ok) return normalised
  if (fields.kind === 'deal') {
    const stages = settings.motions[motion as keyof ProgrammeSettings['motions']]?.stages ?? []
    if (fields.dealStage && !stages.some((stage) => stage.key === fields.dealStage || stage.label.toLowerCase() === fields.dealStage?.toLowerCase())) {
      return { ok: false, fieldErrors: { dealStage: [`Choose one of the stages: ${stages.map((stage) => stage.label).join(', ')}.`] } }
    }
    const matched = stages.find((stage) => stage.key === fields.dealStage || stage.label.toLowerCase() === fields.dealStage?.toLowerCase())
    fields.dealStage = matched?.key ?? stages[0]?.key ?? null
  }
  return { ok: true, fields, customer: normalised.customer }
}

/** The first approval route matching region and amount band picks the approver. */
async function routeApprover(trx: TenantTransaction, tenantId: string, fields: RegistrationFields): Promise<string | null> {
  const amount = fields.amount ?? fields.targetRevenue
  const routes = await trx.selectFrom('approval_routes').select(['region', 'min_amount', 'max_amount', 'approver_user_id']).where('tenant_id', '=', tenantId).orderBy('position').orderBy('created_at').execute()
  for (const route of routes) {
    if (route.region && route.region.toLowerCase() !== (fields.region ?? '').toLowerCase()) continue
    if (route.min_amount !== null && (amount === null || amount < Number(route.min_amount))) continue
    if (route.max_amount !== null && (amount === null || amount >= Number(route.max_amount))) continue
    return route.approver_user_id
  }
  return null
}

export async function registerClaim(trx: TenantTransaction, deps: Pick<CoreDeps, 'jobs' | 'emailFrom' | 'portal' | 'adminUrl' | 'now'>, input: RegisterClaimInput): Promise<RegisteredClaim> {
  const now = deps.now()
  const tenant = await trx.selectFrom('tenants').selectAll().where('id', '=', input.tenantId).executeTakeFirst()
  if (!tenant) throw AppError.notFound('This workspace')
  const settings = readProgrammeSettings(tenant.settings)
  const partner = await trx
    .selectFrom('partner_organisations')
    .select(['id', 'name', 'type', 'tier', 'status', 'created_at'])
    .where('tenant_id', '=', input.tenantId)
    .where('id', '=', input.partnerId)
    .executeTakeFirst()
  if (!partner) throw AppError.notFound('This partner organisation')
  if (partner.status !== 'active') throw new AppError('FORBIDDEN', 'This partner organisation is archived and cannot register customers.')
  const motion = motionForPartnerType(partner.type)

  let fields: RegistrationFields
  let customer: NormalisedCustomer
  if (input.fields) {
    fields = input.fields
    const normalised = normaliseCustomer(fields)
    if (!normalised.ok) throw AppError.validation(normalised.fieldErrors)
    customer = normalised.customer
  } else {
    const validated = validateRegistrationFields(settings, now, input.rawFields, motion)
    if (!validated.ok) throw AppError.validation(validated.fieldErrors)
    fields = validated.fields
    customer = validated.customer
  }

  await lockCustomer(trx, input.tenantId, customer)
  const check = await checkClaim(trx, {
    tenantId: input.tenantId,
    settings,
    now,
    partner: { id: partner.id, name: partner.name, tier: partner.tier, createdAt: partner.created_at },
    domain: customer.domain,
    companyKey: customer.companyKey,
    region: fields.region,
    productLines: fields.productInterest,
  })

  const accountId = await upsertAccount(trx, input.tenantId, { name: fields.companyName, customer, region: fields.region })
  const counter = await trx
    .insertInto('registration_counters')
    .values({ tenant_id: input.tenantId, last_number: 1001 })
    .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet({ last_number: sql`registration_counters.last_number + 1` }))
    .returning('last_number')
    .executeTakeFirstOrThrow()
  const approverUserId = await routeApprover(trx, input.tenantId, fields)
  const slaDueAt = addBusinessHours(now, settings.registration.decisionSlaHours, settings.businessHours)

  const registration = await trx
    .insertInto('registrations')
    .values({
      tenant_id: input.tenantId,
      case_number: counter.last_number,
      kind: fields.kind,
      source: input.source,
      partner_id: partner.id,
      submitted_by_user_id: input.submitter.userId,
      submitter_email: input.submitter.email,
      account_id: accountId,
      company_name: fields.companyName,
      company_key: customer.companyKey,
      domain: customer.domain,
      website: fields.website,
      contact_name: fields.contactName,
      contact_email: fields.contactEmail,
      contact_role: fields.contactRole,
      problem: fields.problem,
      stage_guess: fields.stageGuess,
      consent_at: now,
      region: fields.region,
      target_revenue: fields.targetRevenue === null ? null : String(fields.targetRevenue),
      product_interest: fields.productInterest,
      competitors: fields.competitors,
      amount: fields.amount === null ? null : String(fields.amount),
      currency: fields.currency,
      expected_close: fields.expectedClose,
      deal_stage: fields.dealStage,
      next_step: fields.nextStep,
      co_sell_requested: fields.coSellRequested,
      motion,
      status: 'submitted',
      partner_verdict: check.partnerVerdict,
      conflict_status: check.conflictStatus,
      conflict_notes: check.conflictStatus === 'none' && check.extraFindings.length === 0 ? null : check.staffSummary,
      deciding_rule: check.evaluation.decidingRule,
      approver_user_id: approverUserId,
      sla_due_at: slaDueAt,
      last_activity_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning(['id', 'case_number', 'company_name', 'kind'])
    .executeTakeFirstOrThrow()

  await appendRegistrationEvent(trx, {
    tenantId: input.tenantId,
    registrationId: registration.id,
    partnerId: partner.id,
    type: 'submitted',
    fromStatus: null,
    toStatus: 'submitted',
    actor: input.actor,
    rule: check.evaluation.decidingRule,
    staffNote: check.staffSummary,
    partnerNote: `Registered via ${sourceLabels[input.source]}. ${check.partnerMessage}`,
    details: {
      source: input.source,
      domain: customer.domain,
      companyKey: customer.companyKey,
      verdict: check.partnerVerdict,
      conflictStatus: check.conflictStatus,
      competingRegistrationIds: check.evaluation.findings.map((finding) => finding.match.claim.registrationId),
      findings: check.evaluation.findings.map((finding) => ({
        registrationId: finding.match.claim.registrationId,
        partnerId: finding.match.claim.partnerId,
        reason: finding.match.reason,
        score: Math.round(finding.match.score * 1000) / 1000,
        outcome: finding.decision.outcome,
        rule: finding.decision.rule,
        explanation: finding.decision.explanation,
      })),
      extraFindings: check.extraFindings,
    },
  })

  if (!input.quiet) {
    await notifyPartner(trx, deps, { tenant, registration, to: { email: input.submitter.email, name: input.submitter.name }, notice: { kind: 'received', partnerMessage: check.partnerMessage, status: 'Submitted — waiting for review' } })
    const reviewers = await reviewersFor(trx, { approverUserId })
    await notifyStaff(trx, deps, { tenant, registration, recipients: reviewers, notice: { kind: 'new', partnerName: partner.name, dueAt: slaDueAt, summary: check.staffSummary } })
  }

  return {
    registrationId: registration.id,
    caseNumber: registration.case_number,
    caseReference: caseReference(registration.case_number),
    status: 'submitted',
    partnerVerdict: check.partnerVerdict,
    partnerMessage: check.partnerMessage,
    conflictStatus: check.conflictStatus,
    staffSummary: check.staffSummary,
  }
}

export const sourceLabels: Record<RegistrationSource, string> = {
  portal: 'the partner portal',
  public_link: 'the partner’s registration link',
  email: 'e-mail',
  csv: 'CSV upload',
  admin: 'the partner team (on your behalf)',
}

async function upsertAccount(trx: TenantTransaction, tenantId: string, input: { name: string; customer: NormalisedCustomer; region: string | null }): Promise<string> {
  const existing = await trx
    .selectFrom('accounts')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where((eb) => (input.customer.domain ? eb('domain', '=', input.customer.domain) : eb.and([eb('domain', 'is', null), eb('company_key', '=', input.customer.companyKey)])))
    .orderBy('created_at')
    .executeTakeFirst()
  if (existing) return existing.id
  const created = await trx
    .insertInto('accounts')
    .values({ tenant_id: tenantId, name: input.name, company_key: input.customer.companyKey, domain: input.customer.domain, region: input.region })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'domain']).where('domain', 'is not', null).doUpdateSet({ updated_at: sql`now()` }))
    .returning('id')
    .executeTakeFirstOrThrow()
  return created.id
}

export async function appendRegistrationEvent(
  trx: TenantTransaction,
  input: {
    tenantId: string
    registrationId: string
    partnerId: string
    type: string
    fromStatus: string | null
    toStatus: string | null
    actor: EventActor
    rule?: string | null
    staffNote?: string | null
    partnerNote?: string | null
    partnerVisible?: boolean
    details?: Record<string, unknown>
  },
): Promise<void> {
  await trx
    .insertInto('registration_events')
    .values({
      tenant_id: input.tenantId,
      registration_id: input.registrationId,
      partner_id: input.partnerId,
      type: input.type,
      from_status: input.fromStatus,
      to_status: input.toStatus,
      actor_kind: input.actor.kind,
      actor_user_id: input.actor.userId,
      actor_label: input.actor.label,
      rule: input.rule ?? null,
      staff_note: input.staffNote ?? null,
      partner_note: input.partnerNote ?? null,
      partner_visible: input.partnerVisible ?? true,
      details: JSON.stringify(input.details ?? {}),
    })
    .execute()
}

async function actorName(trx: TenantTransaction, userId: string): Promise<{ name: string; email: string }> {
  const user = await trx.selectFrom('users').select(['name', 'email']).where('id', '=', userId).executeTakeFirst()
  if (!user) throw new AppError('UNAUTHENTICATED', 'Please sign in again.')
  return user
}

export const submitRegistrationInput = z.object({ fields: z.record(z.unknown()) })

/**
 * Portal form (partner user). The tenant scope without partner narrowing is
 * deliberate: the conflict check must see every partner's claims; only the
 * partner-safe receipt is returned.
 */
export async function submitRegistration(ctx: CoreContext, rawInput: z.input<typeof submitRegistrationInput>) {
  requirePartner(ctx)
  const input = parseInput(submitRegistrationInput, rawInput)
  const actor = ctx.actor
  const result = await withTenant(ctx.db, { tenantId: actor.tenantId }, async (trx) => {
    const user = await actorName(trx, actor.userId)
    return registerClaim(trx, ctx, {
      tenantId: actor.tenantId,
      partnerId: actor.partnerId,
      submitter: { userId: actor.userId, email: user.email, name: user.name },
      source: 'portal',
      actor: { kind: 'partner', userId: actor.userId, label: user.name },
      rawFields: input.fields,
    })
  })
  return toPartnerReceipt(result)
}

export const submitRegistrationOnBehalfInput = z.object({
  partnerId: z.string({ required_error: 'Choose the partner organisation to register for.' }).uuid('Choose the partner organisation to register for.'),
  fields: z.record(z.unknown()),
})

/** Staff register for a partner (phone call, event lead); the staff member gets the e-mails meant for the submitter. */
export async function submitRegistrationOnBehalf(ctx: CoreContext, rawInput: z.input<typeof submitRegistrationOnBehalfInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(submitRegistrationOnBehalfInput, rawInput)
  const actor = ctx.actor
  return withTenant(ctx.db, { tenantId: actor.tenantId }, async (trx) => {
    const staff = await actorName(trx, actor.userId)
    return registerClaim(trx, ctx, {
      tenantId: actor.tenantId,
      partnerId: input.partnerId,
      submitter: { userId: null, email: staff.email, name: staff.name },
      source: 'admin',
      actor: { kind: 'staff', userId: actor.userId, label: staff.name },
      rawFields: input.fields,
    })
  })
}

/** What a partner is told after submitting: their own case, never the competing claims. */
export function toPartnerReceipt(result: RegisteredClaim) {
  return {
    registrationId: result.registrationId,
    caseReference: result.caseReference,
    status: result.status,
    verdict: result.partnerVerdict,
    message: result.partnerMessage,
  }
}

export const precheckRegistrationInput = z.object({
  companyName: z.string().max(200).default(''),
  website: z.string().max(300).default(''),
  contactEmail: z.string().max(254).default(''),
  region: z.string().max(80).default(''),
  productInterest: z.string().max(2000).default(''),
  partnerId: uuid.optional(),
})

/**
 * The instant check the portal form shows before submitting: "clear",
 * "possible conflict" or "needs review", for the partner's own claim only.
 * Nothing is written.
 */
export async function precheckRegistration(ctx: CoreContext, rawInput: z.input<typeof precheckRegistrationInput>) {
  const input = parseInput(precheckRegistrationInput, rawInput)
  let tenantId: string
  let partnerId: string
  if (ctx.actor.kind === 'staff') {
    requireStaff(ctx, 'registrations.view')
    if (!input.partnerId) throw AppError.validation({ partnerId: ['Choose the partner organisation.'] })
    tenantId = ctx.actor.tenantId
    partnerId = input.partnerId
  } else {
    requirePartner(ctx)
    tenantId = ctx.actor.tenantId
    partnerId = ctx.actor.partnerId
  }
  const isStaff = ctx.actor.kind === 'staff'
  const companyKey = normaliseCompanyName(input.companyName)
  const fromWebsite = input.website.trim() ? registrableDomain(input.website) : null
  const fromEmail = !fromWebsite && input.contactEmail.includes('@') ? registrableDomain(input.contactEmail) : null
  const domainResult = fromWebsite ?? fromEmail
  const domain = domainResult?.ok ? domainResult.domain : null
  if (!companyKey && !domain) return { ready: false as const, verdict: null, message: 'Enter the company name or website to check for conflicts.', staffSummary: null }
  return withTenant(ctx.db, { tenantId }, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirstOrThrow()
    const partner = await trx.selectFrom('partner_organisations').select(['id', 'name', 'tier', 'created_at']).where('id', '=', partnerId).executeTakeFirst()
    if (!partner) throw AppError.notFound('This partner organisation')
    const check = await checkClaim(trx, {
      tenantId,
      settings: readProgrammeSettings(tenant.settings),
      now: ctx.now(),
      partner: { id: partner.id, name: partner.name, tier: partner.tier, createdAt: partner.created_at },
      domain,
      // A domain alone still checks; an empty name key then matches nothing by name.
      companyKey: companyKey || '#no-name#',
      region: input.region.trim() || null,
      productLines: input.productInterest.split(/[,;\n]+/).map((line) => line.trim()).filter(Boolean),
    })
    return {
      ready: true as const,
      verdict: check.partnerVerdict,
      message: check.partnerMessage,
      staffSummary: isStaff ? check.staffSummary : null,
    }
  })
}

import { sql, type TenantTransaction, withTenant } from '@accord/db'
import { z } from 'zod'
import type { CoreContext, CoreDeps } from '../context.js'
import { AppError, type FieldErrors } from '../errors.js'
import { requirePartner, requireStaff } from '../scope.js'
import { consumeRateLimit, PRECHECK_RATE_LIMITED, precheckRateLimit } from '../security/rate-limit.js'
import { type ProgrammeSettings, readProgrammeSettings } from '../settings.js'
import { multiLineText, parseInput, singleLineText, uuid, zodFieldErrors } from '../validation.js'
import { addBusinessHours } from './business-hours.js'
import { type ClaimCheck, checkClaim, checkClaims, motionForPartnerType } from './claims.js'
import { type RegistrationFields, registrationFieldsSchema } from './input.js'
import { normaliseCompanyName, registrableDomain } from './normalise.js'
import { caseReference, notifyPartner, notifyStaff, reviewersFor } from './notify.js'

/**
 * One way in for every capture path: portal form, admin on behalf of a
 * partner, public link, e-mail, CSV. Each path authenticates its submitter,
 * then calls `registerClaim` inside a tenant-scoped transaction, so the same
 * validation, normalisation, conflict rules, SLA and e-mails apply.
 */

export type RegistrationSource = 'portal' | 'public_link' | 'email' | 'csv' | 'admin' | 'slack'

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

const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** The tenant's calendar day (YYYY-MM-DD) in its business time zone. */
export function tenantToday(settings: ProgrammeSettings, now: Date): string {
  const timeZone = settings.businessHours.timeZone
  try {
    let format = dayFormats.get(timeZone)
    if (!format) {
      format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      dayFormats.set(timeZone, format)
    }
    return format.format(now)
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
  /** Refuse (CONFLICT) instead of registering when this partner already holds a live claim on the customer (CSV import). */
  rejectOwnDuplicate?: boolean
  /** Tenant and partner rows already loaded by a caller registering many claims at once. */
  preloaded?: { tenant: TenantRow; partner: PartnerRow }
}

type TenantRow = Awaited<ReturnType<typeof loadTenant>>
type PartnerRow = Awaited<ReturnType<typeof loadPartner>>

async function loadTenant(trx: TenantTransaction, tenantId: string) {
  const tenant = await trx.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst()
  if (!tenant) throw AppError.notFound('This workspace')
  return tenant
}

async function loadPartner(trx: TenantTransaction, tenantId: string, partnerId: string) {
  const partner = await trx
    .selectFrom('partner_organisations')
    .select(['id', 'name', 'type', 'tier', 'status', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', partnerId)
    .executeTakeFirst()
  if (!partner) throw AppError.notFound('This partner organisation')
  if (partner.status !== 'active') throw new AppError('FORBIDDEN', 'This partner organisation is archived and cannot register customers.')
  return partner
}

/** Tenant and partner rows for a batch of registerClaim calls. */
export async function preloadForClaims(trx: TenantTransaction, tenantId: string, partnerId: string) {
  return { tenant: await loadTenant(trx, tenantId), partner: await loadPartner(trx, tenantId, partnerId) }
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


// The schema depends only on "today"; building it per row of a 10,000-row import is wasted work.
let cachedSchema: { today: string; schema: ReturnType<typeof registrationFieldsSchema> } | null = null
function fieldsSchemaFor(today: string) {
  if (cachedSchema?.today !== today) cachedSchema = { today, schema: registrationFieldsSchema(today) }
  return cachedSchema.schema
}

export function validateRegistrationFields(settings: ProgrammeSettings, now: Date, rawFields: unknown, motion: string): { ok: true; fields: RegistrationFields; customer: NormalisedCustomer } | { ok: false; fieldErrors: FieldErrors } {
  const parsed = fieldsSchemaFor(tenantToday(settings, now)).safeParse(rawFields)
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

export interface ClaimItem {
  /** Raw field values from the capture path; validated here. */
  rawFields?: unknown
  /** Already-checked fields; skips the parse. */
  fields?: RegistrationFields
}

export type ClaimOutcome = { ok: true; claim: RegisteredClaim } | { ok: false; error: AppError }

type ClaimDeps = Pick<CoreDeps, 'jobs' | 'emailFrom' | 'portal' | 'adminUrl' | 'now'>

/** One claim; throws the AppError (field errors, own duplicate) when it cannot be registered. */
export async function registerClaim(trx: TenantTransaction, deps: ClaimDeps, input: RegisterClaimInput): Promise<RegisteredClaim> {
  const { rawFields, fields, ...shared } = input
  const [outcome] = await registerClaims(trx, deps, { ...shared, items: [{ rawFields, fields }] })
  if (!outcome) throw new Error('registerClaims returned no outcome')
  if (!outcome.ok) throw outcome.error
  return outcome.claim
}

/**
 * The one registration function, batch-shaped: validation, normalisation,
 * locks, the conflict check, accounts, case numbers, routing, SLA, rows,
 * events and e-mails for any number of claims by one partner, in a constant
 * number of round trips. A portal form is a batch of one; a CSV import is
 * a batch of thousands, under exactly the same rules.
 */
export async function registerClaims(trx: TenantTransaction, deps: ClaimDeps, input: Omit<RegisterClaimInput, 'rawFields' | 'fields'> & { items: ClaimItem[] }): Promise<ClaimOutcome[]> {
  const now = deps.now()
  const tenant = input.preloaded?.tenant ?? (await loadTenant(trx, input.tenantId))
  const settings = readProgrammeSettings(tenant.settings)
  const partner = input.preloaded?.partner ?? (await loadPartner(trx, input.tenantId, input.partnerId))
  const motion = motionForPartnerType(partner.type)

  const outcomes: Array<ClaimOutcome | null> = input.items.map(() => null)
  const valid: Array<{ index: number; fields: RegistrationFields; customer: NormalisedCustomer }> = []
  input.items.forEach((item, index) => {
    if (item.fields) {
      const normalised = normaliseCustomer(item.fields)
      if (normalised.ok) valid.push({ index, fields: item.fields, customer: normalised.customer })
      else outcomes[index] = { ok: false, error: AppError.validation(normalised.fieldErrors) }
      return
    }
    const validated = validateRegistrationFields(settings, now, item.rawFields, motion)
    if (validated.ok) valid.push({ index, fields: validated.fields, customer: validated.customer })
    else outcomes[index] = { ok: false, error: AppError.validation(validated.fieldErrors) }
  })

  if (valid.length > 0) {
    // Serialise claims on the same customer, so two partners submitting at the same moment cannot
    // both be told "clear". Keys map to one of CUSTOMER_LOCK_BUCKETS locks per tenant: a 10,000-row
    // import then holds at most that many advisory locks (Postgres' lock table is finite), and a
    // sorted order keeps batches from deadlocking each other.
    const lockKeys = [...new Set(valid.flatMap(({ customer }) => [`name:${customer.companyKey}`, ...(customer.domain ? [`domain:${customer.domain}`] : [])]).map((key) => `${input.tenantId}:${lockBucket(key)}`))].sort()
    await sql`select pg_advisory_xact_lock(hashtextextended(lock_key, 0)) from (select unnest(${lockKeys}::text[]) as lock_key order by 1) as ordered`.execute(trx)

    const checks = await checkClaims(trx, {
      tenantId: input.tenantId,
      settings,
      now,
      partner: { id: partner.id, name: partner.name, tier: partner.tier, createdAt: partner.created_at },
      probes: valid.map(({ fields, customer }) => ({ domain: customer.domain, companyKey: customer.companyKey, region: fields.region, productLines: fields.productInterest })),
    })

    let accepted = valid.map((entry, position) => ({ ...entry, check: checks[position] as ClaimCheck }))
    if (input.rejectOwnDuplicate) {
      const ownIds = accepted.flatMap(({ check }) => check.evaluation.findings.filter((finding) => finding.match.claim.partnerId === partner.id).map((finding) => finding.match.claim.registrationId)).filter((id): id is string => id !== null && id !== 'new')
      const caseNumbers = new Map(ownIds.length ? (await trx.selectFrom('registrations').select(['id', 'case_number']).where('id', 'in', ownIds).execute()).map((row) => [row.id, row.case_number]) : [])
      accepted = accepted.filter(({ index, check }) => {
        const own = check.evaluation.findings.find((finding) => finding.match.claim.partnerId === partner.id)
        if (!own) return true
        const number = own.match.claim.registrationId ? caseNumbers.get(own.match.claim.registrationId) : undefined
        outcomes[index] = { ok: false, error: new AppError('CONFLICT', `You already registered this customer${number ? ` (${caseReference(number)})` : ''}.`) }
        return false
      })
    }

    if (accepted.length > 0) {
      const accountIds = await upsertAccounts(trx, input.tenantId, accepted.map(({ fields, customer }) => ({ name: fields.companyName, customer, region: fields.region })))
      const counter = await trx
        .insertInto('registration_counters')
        .values({ tenant_id: input.tenantId, last_number: 1000 + accepted.length })
        .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet({ last_number: sql`registration_counters.last_number + ${accepted.length}` }))
        .returning('last_number')
        .executeTakeFirstOrThrow()
      const firstNumber = counter.last_number - accepted.length + 1
      const routes = await trx.selectFrom('approval_routes').select(['region', 'min_amount', 'max_amount', 'approver_user_id']).where('tenant_id', '=', input.tenantId).orderBy('position').orderBy('created_at').execute()
      const slaDueAt = addBusinessHours(now, settings.registration.decisionSlaHours, settings.businessHours)

      const rows = accepted.map(({ fields, customer, check }, position) => ({
        tenant_id: input.tenantId,
        case_number: firstNumber + position,
        kind: fields.kind,
        source: input.source,
        partner_id: partner.id,
        submitted_by_user_id: input.submitter.userId,
        submitter_email: input.submitter.email,
        account_id: accountIds[position] as string,
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
        approver_user_id: routeApprover(routes, fields),
        sla_due_at: slaDueAt,
        last_activity_at: now,
        created_at: now,
        updated_at: now,
      }))
      const idByCaseNumber = new Map<number, string>()
      for (let start = 0; start < rows.length; start += 500) {
        const inserted = await trx.insertInto('registrations').values(rows.slice(start, start + 500)).returning(['id', 'case_number']).execute()
        for (const row of inserted) idByCaseNumber.set(row.case_number, row.id)
      }

      const events = accepted.map(({ customer, check }, position) => ({
        tenant_id: input.tenantId,
        registration_id: idByCaseNumber.get(firstNumber + position) as string,
        partner_id: partner.id,
        type: 'submitted',
        from_status: null,
        to_status: 'submitted',
        actor_kind: input.actor.kind,
        actor_user_id: input.actor.userId,
        actor_label: input.actor.label,
        rule: check.evaluation.decidingRule,
        staff_note: check.staffSummary,
        partner_note: `Registered via ${sourceLabels[input.source]}. ${check.partnerMessage}`,
        partner_visible: true,
        details: JSON.stringify({
          source: input.source,
          domain: customer.domain,
          companyKey: customer.companyKey,
          verdict: check.partnerVerdict,
          conflictStatus: check.conflictStatus,
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
        }),
      }))
      for (let start = 0; start < events.length; start += 500) await trx.insertInto('registration_events').values(events.slice(start, start + 500)).execute()

      for (const [position, entry] of accepted.entries()) {
        const caseNumber = firstNumber + position
        const registrationId = idByCaseNumber.get(caseNumber) as string
        outcomes[entry.index] = {
          ok: true,
          claim: {
            registrationId,
            caseNumber,
            caseReference: caseReference(caseNumber),
            status: 'submitted',
            partnerVerdict: entry.check.partnerVerdict,
            partnerMessage: entry.check.partnerMessage,
            conflictStatus: entry.check.conflictStatus,
            staffSummary: entry.check.staffSummary,
          },
        }
        if (!input.quiet) {
          const registration = { id: registrationId, case_number: caseNumber, company_name: entry.fields.companyName, kind: entry.fields.kind }
          await notifyPartner(trx, deps, { tenant, registration, to: { email: input.submitter.email, name: input.submitter.name }, notice: { kind: 'received', partnerMessage: entry.check.partnerMessage, status: 'Submitted — waiting for review' } })
          const approverUserId = rows[position]?.approver_user_id ?? null
          await notifyStaff(trx, deps, { tenant, registration, recipients: await reviewersFor(trx, { approverUserId }), notice: { kind: 'new', partnerName: partner.name, dueAt: slaDueAt, summary: entry.check.staffSummary } })
        }
      }
    }
  }
  return outcomes.map((outcome) => outcome ?? { ok: false, error: new AppError('INTERNAL', 'This row was not processed.') })
}

const CUSTOMER_LOCK_BUCKETS = 128

/** FNV-1a: a stable bucket for a customer key (same key, same lock). */
function lockBucket(key: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % CUSTOMER_LOCK_BUCKETS
}

type ApprovalRoute = { region: string | null; min_amount: string | null; max_amount: string | null; approver_user_id: string }

/** The first approval route matching region and amount band picks the approver. */
function routeApprover(routes: ApprovalRoute[], fields: RegistrationFields): string | null {
  const amount = fields.amount ?? fields.targetRevenue
  for (const route of routes) {
    if (route.region && route.region.toLowerCase() !== (fields.region ?? '').toLowerCase()) continue
    if (route.min_amount !== null && (amount === null || amount < Number(route.min_amount))) continue
    if (route.max_amount !== null && (amount === null || amount >= Number(route.max_amount))) continue
    return route.approver_user_id
  }
  return null
}

/** The account of each customer (by registrable domain, else by normalised name), created when new; ids in input order. */
async function upsertAccounts(trx: TenantTransaction, tenantId: string, customers: Array<{ name: string; customer: NormalisedCustomer; region: string | null }>): Promise<string[]> {
  const keyOf = ({ customer }: { customer: NormalisedCustomer }) => (customer.domain ? `d:${customer.domain}` : `n:${customer.companyKey}`)
  const domains = [...new Set(customers.map(({ customer }) => customer.domain).filter((domain): domain is string => domain !== null))]
  const names = [...new Set(customers.filter(({ customer }) => !customer.domain).map(({ customer }) => customer.companyKey))]
  const found = new Map<string, string>()
  const load = async () => {
    const rows = await trx
      .selectFrom('accounts')
      .select(['id', 'domain', 'company_key'])
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([...(domains.length ? [eb('domain', 'in', domains)] : []), ...(names.length ? [eb.and([eb('domain', 'is', null), eb('company_key', 'in', names)])] : [eb.val(false)])]))
      .orderBy('created_at')
      .execute()
    for (const row of rows) {
      const key = row.domain ? `d:${row.domain}` : `n:${row.company_key}`
      if (!found.has(key)) found.set(key, row.id)
    }
  }
  await load()
  const missing = new Map<string, { name: string; customer: NormalisedCustomer; region: string | null }>()
  for (const entry of customers) if (!found.has(keyOf(entry)) && !missing.has(keyOf(entry))) missing.set(keyOf(entry), entry)
  if (missing.size > 0) {
    const values = [...missing.values()].map((entry) => ({ tenant_id: tenantId, name: entry.name, company_key: entry.customer.companyKey, domain: entry.customer.domain, region: entry.region }))
    for (let start = 0; start < values.length; start += 1000) {
      await trx
        .insertInto('accounts')
        .values(values.slice(start, start + 1000))
        .onConflict((conflict) => conflict.columns(['tenant_id', 'domain']).where('domain', 'is not', null).doNothing())
        .execute()
    }
    await load()
  }
  return customers.map((entry) => {
    const id = found.get(keyOf(entry))
    if (!id) throw new Error('account upsert lost a customer')
    return id
  })
}


export const sourceLabels: Record<RegistrationSource, string> = {
  portal: 'the partner portal',
  public_link: 'the partner’s registration link',
  email: 'e-mail',
  csv: 'CSV upload',
  admin: 'the partner team (on your behalf)',
  slack: 'Slack (/register)',
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
  companyName: singleLineText(200, 'company name').default(''),
  website: singleLineText(300, 'website').default(''),
  contactEmail: singleLineText(254, 'e-mail address').default(''),
  region: singleLineText(80, 'region').default(''),
  productInterest: multiLineText(2000, 'product interest').default(''),
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
  // Per person: a form's typing pace, not a free answer to every "is this customer claimed?".
  const limit = await consumeRateLimit(ctx.db, `precheck:${tenantId}:${ctx.actor.userId}`, precheckRateLimit, ctx.now())
  if (!limit.allowed) throw new AppError('RATE_LIMITED', PRECHECK_RATE_LIMITED, { retryAfterSeconds: limit.retryAfterSeconds })
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

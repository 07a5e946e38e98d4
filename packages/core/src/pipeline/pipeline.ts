import { type TenantTransaction, withTenant } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requirePartner, requireStaff, withPartnerScopeLifted } from '../scope.js'
import { type DealExitField, type Motion, MOTIONS, type ProgrammeSettings, readProgrammeSettings } from '../settings.js'
import { closeRegistration } from '../registrations/review.js'
import { optionalMultiLineText, parseInput, singleLineText, uuid } from '../validation.js'

/**
 * The shared pipeline: partners see the deals they are part of, live, but
 * only the fields the vendor marked safe. Everything else (pricing,
 * discounts, internal notes, other partners on the deal) never leaves core
 * for a partner. Staff move deals through their motion's stages, and a deal
 * cannot leave a stage while that stage's exit fields are missing.
 */

/** Deal fields a vendor may share with partners. Internal notes and discounts are never shareable. */
export const SHAREABLE_DEAL_FIELDS = ['stage', 'owner', 'protection_status', 'protection_ends_at', 'next_step', 'status', 'amount', 'expected_close', 'last_activity_at'] as const
export type ShareableDealField = (typeof SHAREABLE_DEAL_FIELDS)[number]
export const shareableDealFieldLabels: Record<ShareableDealField, string> = {
  stage: 'Stage',
  owner: 'Vendor owner',
  protection_status: 'Protection status',
  protection_ends_at: 'Protection end',
  next_step: 'Next step',
  status: 'Open / won / lost',
  amount: 'Amount',
  expected_close: 'Expected close',
  last_activity_at: 'Last activity',
}

export function partnerSafeFields(settings: ProgrammeSettings): ShareableDealField[] {
  return settings.partnerSafeDealFields.filter((field): field is ShareableDealField => (SHAREABLE_DEAL_FIELDS as readonly string[]).includes(field))
}

const exitFieldLabels: Record<DealExitField, string> = {
  amount: 'amount',
  currency: 'currency',
  expected_close: 'expected close date',
  next_step: 'next step',
  owner: 'vendor owner',
  attribution: 'partner attribution',
}

interface DealRow {
  id: string
  name: string
  account_name: string
  motion: string
  stage: string
  status: string
  amount: string | null
  currency: string | null
  expected_close: Date | string | null
  next_step: string | null
  owner_name: string | null
  protection_ends_at: Date | null
  last_activity_at: Date
}

function stageLabel(settings: ProgrammeSettings, motion: string, stage: string): string {
  return settings.motions[motion as Motion]?.stages.find((candidate) => candidate.key === stage)?.label ?? stage
}

const dayText = (value: Date | string | null) => (value === null ? null : typeof value === 'string' ? value : value.toISOString().slice(0, 10))

/** One deal as a partner may see it: identity, the partner's own attribution, and only the safelisted fields. */
function toPartnerDeal(row: DealRow & { attribution: string; percent: string }, settings: ProgrammeSettings, safe: ShareableDealField[], now: Date) {
  const protectedNow = row.protection_ends_at !== null && row.protection_ends_at > now && row.status === 'open'
  const all: Record<ShareableDealField, string | number | null> = {
    stage: stageLabel(settings, row.motion, row.stage),
    owner: row.owner_name,
    protection_status: protectedNow ? 'Protected' : row.protection_ends_at ? 'Expired' : 'Not protected',
    protection_ends_at: row.protection_ends_at ? row.protection_ends_at.toISOString() : null,
    next_step: row.next_step,
    status: row.status,
    amount: row.amount === null ? null : `${Number(row.amount).toLocaleString('en-GB', { maximumFractionDigits: 2 })}${row.currency ? ` ${row.currency}` : ''}`,
    expected_close: dayText(row.expected_close),
    last_activity_at: row.last_activity_at.toISOString(),
  }
  const fields: Partial<Record<ShareableDealField, string | number | null>> = {}
  for (const field of safe) fields[field] = all[field]
  return { id: row.id, customerName: row.account_name, attribution: row.attribution as 'sourced' | 'influenced', attributionPercent: Number(row.percent), fields }
}

async function partnerDeals(trx: TenantTransaction, partnerId: string) {
  const deals = await trx
    .selectFrom('deals as d')
    .innerJoin('deal_partners as dp', (join) => join.onRef('dp.tenant_id', '=', 'd.tenant_id').onRef('dp.deal_id', '=', 'd.id'))
    .innerJoin('accounts as a', (join) => join.onRef('a.tenant_id', '=', 'd.tenant_id').onRef('a.id', '=', 'd.account_id'))
    .select(['d.id', 'd.name', 'a.name as account_name', 'd.motion', 'd.stage', 'd.status', 'd.amount', 'd.currency', 'd.expected_close', 'd.next_step', 'd.owner_user_id', 'd.protection_ends_at', 'd.last_activity_at', 'dp.attribution', 'dp.percent'])
    .where('dp.partner_id', '=', partnerId)
    .orderBy('d.last_activity_at', 'desc')
    .limit(500)
    .execute()
  // Staff users are outside a partner's RLS scope; the owner's name (a safelistable field) is read with the narrowing lifted.
  const ownerIds = [...new Set(deals.map((deal) => deal.owner_user_id).filter((id): id is string => id !== null))]
  const owners = ownerIds.length ? await withPartnerScopeLifted(trx, partnerId, () => trx.selectFrom('users').select(['id', 'name']).where('id', 'in', ownerIds).where('kind', '=', 'staff').execute()) : []
  const ownerNames = new Map(owners.map((owner) => [owner.id, owner.name]))
  return deals.map((deal) => ({ ...deal, owner_name: deal.owner_user_id ? (ownerNames.get(deal.owner_user_id) ?? null) : null }))
}

async function pipelineFor(trx: TenantTransaction, partnerId: string, now: Date) {
  const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
  const settings = readProgrammeSettings(tenant.settings)
  const safe = partnerSafeFields(settings)
  const rows = await partnerDeals(trx, partnerId)
  return { safeFields: safe.map((field) => ({ key: field, label: shareableDealFieldLabels[field] })), deals: rows.map((row) => toPartnerDeal(row, settings, safe, now)) }
}

/** The partner's pipeline, read in the partner's RLS scope (deals reach them only through their own attribution rows). */
export async function listPartnerPipeline(ctx: CoreContext) {
  requirePartner(ctx)
  const partnerId = ctx.actor.partnerId
  return inActorScope(ctx, (trx) => pipelineFor(trx, partnerId, ctx.now()))
}

/** "Preview as partner": exactly what that partner's users see, produced in that partner's RLS scope. */
export async function previewPartnerPipeline(ctx: CoreContext, input: { partnerId: string }) {
  requireStaff(ctx, 'registrations.view')
  const partnerId = parseInput(uuid, input.partnerId)
  const tenantId = ctx.actor.tenantId
  const exists = await inActorScope(ctx, (trx) => trx.selectFrom('partner_organisations').select(['id', 'name']).where('id', '=', partnerId).executeTakeFirst())
  if (!exists) throw AppError.notFound('This partner organisation')
  const view = await withTenant(ctx.db, { tenantId, partnerId }, (trx) => pipelineFor(trx, partnerId, ctx.now()))
  return { partner: exists, ...view }
}

export const updateSafeFieldsInput = z.object({
  fields: z.array(z.enum(SHAREABLE_DEAL_FIELDS, { errorMap: () => ({ message: 'That field cannot be shared with partners.' }) })).max(SHAREABLE_DEAL_FIELDS.length),
})

export async function updatePartnerSafeFields(ctx: CoreContext, rawInput: z.input<typeof updateSafeFieldsInput>) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(updateSafeFieldsInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select(['id', 'settings']).executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const fields = [...new Set(input.fields)]
    await trx.updateTable('tenants').set({ settings: JSON.stringify({ ...settings, partnerSafeDealFields: fields }), updated_at: ctx.now() }).where('id', '=', tenant.id).execute()
    await recordAudit(trx, { tenantId: tenant.id, actorUserId: actor.userId, action: 'programme.safe_fields_updated', details: { before: settings.partnerSafeDealFields, after: fields } })
    return { fields }
  })
}

export const listDealsInput = z.object({ motion: z.enum(MOTIONS).optional(), status: z.enum(['open', 'won', 'lost', 'all']).default('open'), dealId: uuid.optional() })

/** Staff: the built-in CRM's deals with everything, including partners and their attribution. */
export async function listDeals(ctx: CoreContext, rawInput: z.input<typeof listDealsInput> = {}) {
  requireStaff(ctx, 'registrations.view')
  const input = parseInput(listDealsInput, rawInput)
  return inActorScope(ctx, async (trx) => {
    const settings = readProgrammeSettings((await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()).settings)
    let query = trx
      .selectFrom('deals as d')
      .innerJoin('accounts as a', (join) => join.onRef('a.tenant_id', '=', 'd.tenant_id').onRef('a.id', '=', 'd.account_id'))
      .leftJoin('users as o', (join) => join.onRef('o.tenant_id', '=', 'd.tenant_id').onRef('o.id', '=', 'd.owner_user_id'))
      .select(['d.id', 'd.name', 'a.name as account_name', 'd.motion', 'd.stage', 'd.status', 'd.amount', 'd.currency', 'd.expected_close', 'd.next_step', 'd.owner_user_id', 'o.name as owner_name', 'd.protection_ends_at', 'd.last_activity_at', 'd.discount_percent', 'd.internal_notes', 'd.registration_id'])
      .orderBy('d.last_activity_at', 'desc')
      .limit(500)
    if (input.status !== 'all') query = query.where('d.status', '=', input.status)
    if (input.motion) query = query.where('d.motion', '=', input.motion)
    if (input.dealId) query = query.where('d.id', '=', input.dealId)
    const deals = await query.execute()
    const partners = deals.length
      ? await trx
          .selectFrom('deal_partners as dp')
          .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'dp.tenant_id').onRef('p.id', '=', 'dp.partner_id'))
          .select(['dp.deal_id', 'dp.partner_id', 'p.name', 'dp.attribution', 'dp.percent', 'dp.contact_role'])
          .where('dp.deal_id', 'in', deals.map((deal) => deal.id))
          .execute()
      : []
    return {
      motions: MOTIONS.map((motion) => ({ key: motion, label: settings.motions[motion].label, stages: settings.motions[motion].stages })),
      deals: deals.map((deal) => ({
        id: deal.id,
        name: deal.name,
        customerName: deal.account_name,
        motion: deal.motion as Motion,
        stage: deal.stage,
        stageLabel: stageLabel(settings, deal.motion, deal.stage),
        status: deal.status as 'open' | 'won' | 'lost',
        amount: deal.amount === null ? null : Number(deal.amount),
        currency: deal.currency,
        expectedClose: dayText(deal.expected_close),
        nextStep: deal.next_step,
        ownerUserId: deal.owner_user_id,
        ownerName: deal.owner_name,
        protectionEndsAt: deal.protection_ends_at,
        lastActivityAt: deal.last_activity_at,
        discountPercent: deal.discount_percent === null ? null : Number(deal.discount_percent),
        internalNotes: deal.internal_notes,
        registrationId: deal.registration_id,
        partners: partners.filter((partner) => partner.deal_id === deal.id).map((partner) => ({ partnerId: partner.partner_id, name: partner.name, attribution: partner.attribution, percent: Number(partner.percent), contactRole: partner.contact_role })),
      })),
    }
  })
}

export const moveDealStageInput = z.object({ dealId: uuid, stage: singleLineText(40, 'stage', { min: 1, required: 'Choose a stage.' }) })

/**
 * Move a deal to another stage of its motion. Moving forward leaves every
 * stage in between, so each of their exit fields must be filled; the error
 * names the missing ones. Moving back is always allowed.
 */
export async function moveDealStage(ctx: CoreContext, rawInput: z.input<typeof moveDealStageInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(moveDealStageInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const deal = await trx.selectFrom('deals').selectAll().where('id', '=', input.dealId).forUpdate().executeTakeFirst()
    if (!deal) throw AppError.notFound('This deal')
    if (deal.status !== 'open') throw new AppError('CONFLICT', 'This deal is closed; reopen it before moving it.')
    const settings = readProgrammeSettings((await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()).settings)
    const stages = settings.motions[deal.motion as Motion]?.stages ?? []
    const from = stages.findIndex((stage) => stage.key === deal.stage)
    const to = stages.findIndex((stage) => stage.key === input.stage)
    if (to === -1) throw AppError.validation({ stage: [`Choose one of the stages: ${stages.map((stage) => stage.label).join(', ')}.`] })
    if (to > from) {
      const attributionCount = Number((await trx.selectFrom('deal_partners').select((eb) => eb.fn.countAll<string>().as('count')).where('deal_id', '=', deal.id).executeTakeFirstOrThrow()).count)
      const filled: Record<DealExitField, boolean> = {
        amount: deal.amount !== null,
        currency: deal.currency !== null,
        expected_close: deal.expected_close !== null,
        next_step: Boolean(deal.next_step?.trim()),
        owner: deal.owner_user_id !== null,
        attribution: attributionCount > 0,
      }
      const missing = new Set<DealExitField>()
      for (const stage of stages.slice(Math.max(from, 0), to)) for (const field of stage.exitFields) if (!filled[field]) missing.add(field)
      if (missing.size > 0) {
        const names = [...missing].map((field) => exitFieldLabels[field])
        throw AppError.validation({ stage: [`Fill in the ${names.join(', ')} before moving to ${stages[to]?.label}.`] }, `Missing before ${stages[to]?.label}: ${names.join(', ')}.`)
      }
    }
    await trx.updateTable('deals').set({ stage: input.stage, last_activity_at: ctx.now(), updated_at: ctx.now() }).where('id', '=', deal.id).execute()
    await recordAudit(trx, { tenantId: deal.tenant_id, actorUserId: actor.userId, action: 'deal.stage_moved', targetType: 'deal', targetId: deal.id, details: { from: deal.stage, to: input.stage } })
    return { dealId: deal.id, stage: input.stage }
  })
}

export const updateDealInput = z.object({
  dealId: uuid,
  amount: z.preprocess((value) => (value === '' || value === undefined ? null : typeof value === 'string' ? Number(value.replace(/[\s,]/g, '')) : value), z.number({ invalid_type_error: 'Enter the amount as a number.' }).positive('The amount must be more than zero.').max(1e11).nullable()),
  currency: z.preprocess((value) => (value === '' || value === undefined ? null : value), z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'Use a currency code such as EUR.').nullable()),
  expectedClose: z.preprocess((value) => (value === '' || value === undefined ? null : value), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like 2027-03-31.').nullable()),
  nextStep: optionalMultiLineText(2000, 'next step'),
  ownerUserId: z.preprocess((value) => (value === '' || value === undefined ? null : value), uuid.nullable()),
  internalNotes: optionalMultiLineText(10_000, 'notes'),
  discountPercent: z.preprocess((value) => (value === '' || value === undefined ? null : typeof value === 'string' ? Number(value) : value), z.number({ invalid_type_error: 'Enter a percentage.' }).min(0).max(100).nullable()),
})

export async function updateDeal(ctx: CoreContext, rawInput: z.input<typeof updateDealInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(updateDealInput, rawInput)
  return inActorScope(ctx, async (trx) => {
    if (input.ownerUserId) {
      const owner = await trx.selectFrom('users').select('id').where('id', '=', input.ownerUserId).where('kind', '=', 'staff').executeTakeFirst()
      if (!owner) throw AppError.validation({ ownerUserId: ['Choose someone from your team.'] })
    }
    const updated = await trx
      .updateTable('deals')
      .set({
        amount: input.amount === null ? null : String(input.amount),
        currency: input.currency,
        expected_close: input.expectedClose,
        next_step: input.nextStep,
        owner_user_id: input.ownerUserId,
        internal_notes: input.internalNotes,
        discount_percent: input.discountPercent === null ? null : String(input.discountPercent),
        last_activity_at: ctx.now(),
        updated_at: ctx.now(),
      })
      .where('id', '=', input.dealId)
      .returning('id')
      .executeTakeFirst()
    if (!updated) throw AppError.notFound('This deal')
    return { dealId: updated.id }
  })
}

export const setDealAttributionInput = z.object({
  dealId: uuid,
  partners: z
    .array(z.object({ partnerId: uuid, attribution: z.enum(['sourced', 'influenced']), percent: z.coerce.number().min(0, 'Use 0–100 %.').max(100, 'Use 0–100 %.'), contactRole: z.enum(['BDR', 'AE', 'SE', 'CS']).nullable().default(null) }))
    .max(10, 'At most 10 partners per deal.'),
})

/** Several partners per deal, each sourced or influenced with a share; at most one source, shares at most 100 %. */
export async function setDealAttribution(ctx: CoreContext, rawInput: z.input<typeof setDealAttributionInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(setDealAttributionInput, rawInput)
  if (input.partners.filter((partner) => partner.attribution === 'sourced').length > 1) throw AppError.validation({ partners: ['Only one partner can have sourced the deal; the others influenced it.'] })
  const total = input.partners.reduce((sum, partner) => sum + partner.percent, 0)
  if (total > 100.0001) throw AppError.validation({ partners: [`The shares add up to ${total} %; they can add up to at most 100 %.`] })
  if (new Set(input.partners.map((partner) => partner.partnerId)).size !== input.partners.length) throw AppError.validation({ partners: ['Each partner can appear once.'] })
  return inActorScope(ctx, async (trx) => {
    const deal = await trx.selectFrom('deals').select(['id', 'tenant_id']).where('id', '=', input.dealId).forUpdate().executeTakeFirst()
    if (!deal) throw AppError.notFound('This deal')
    if (input.partners.length > 0) {
      const known = await trx.selectFrom('partner_organisations').select('id').where('id', 'in', input.partners.map((partner) => partner.partnerId)).execute()
      if (known.length !== input.partners.length) throw AppError.notFound('One of the partner organisations')
    }
    await trx.deleteFrom('deal_partners').where('deal_id', '=', deal.id).execute()
    if (input.partners.length > 0) {
      await trx
        .insertInto('deal_partners')
        .values(input.partners.map((partner) => ({ tenant_id: deal.tenant_id, deal_id: deal.id, partner_id: partner.partnerId, attribution: partner.attribution, percent: String(partner.percent), contact_role: partner.contactRole })))
        .execute()
    }
    await recordAudit(trx, { tenantId: deal.tenant_id, actorUserId: ctx.actor.kind === 'staff' ? ctx.actor.userId : null, action: 'deal.attribution_set', targetType: 'deal', targetId: deal.id, details: { partners: input.partners } })
    return { dealId: deal.id, partners: input.partners.length }
  })
}


export const closeDealInput = z.object({
  dealId: uuid,
  outcome: z.enum(['won', 'lost']),
  reason: optionalMultiLineText(2000, 'reason'),
})

/**
 * Won or lost from the pipeline. A deal that came from an approved
 * registration closes through the registration (its protection ends and the
 * partner is e-mailed); any other deal just changes status.
 */
export async function closeDeal(ctx: CoreContext, rawInput: z.input<typeof closeDealInput>) {
  requireStaff(ctx, 'registrations.decide')
  const input = parseInput(closeDealInput, rawInput)
  const actor = ctx.actor
  const deal = await inActorScope(ctx, (trx) =>
    trx
      .selectFrom('deals as d')
      .leftJoin('registrations as r', (join) => join.onRef('r.tenant_id', '=', 'd.tenant_id').onRef('r.id', '=', 'd.registration_id'))
      .select(['d.id', 'd.tenant_id', 'd.status', 'd.registration_id', 'r.status as registration_status'])
      .where('d.id', '=', input.dealId)
      .executeTakeFirst(),
  )
  if (!deal) throw AppError.notFound('This deal')
  if (deal.status !== 'open') throw new AppError('CONFLICT', `This deal is already ${deal.status}.`)
  if (deal.registration_id && deal.registration_status === 'approved') {
    await closeRegistration(ctx, { registrationId: deal.registration_id, outcome: input.outcome, reason: input.reason ?? undefined })
    return { dealId: deal.id, status: input.outcome, registrationClosed: true }
  }
  await inActorScope(ctx, async (trx) => {
    await trx.updateTable('deals').set({ status: input.outcome, last_activity_at: ctx.now(), updated_at: ctx.now() }).where('id', '=', deal.id).where('status', '=', 'open').execute()
    await recordAudit(trx, { tenantId: deal.tenant_id, actorUserId: actor.userId, action: `deal.${input.outcome}`, targetType: 'deal', targetId: deal.id, details: { reason: input.reason } })
  })
  return { dealId: deal.id, status: input.outcome, registrationClosed: false }
}

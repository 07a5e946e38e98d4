import { sql } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { registrableDomain } from '../registrations/normalise.js'
import { normaliseCompanyName } from '../registrations/normalise.js'
import { inActorScope, requireStaff } from '../scope.js'
import { DEAL_EXIT_FIELDS, MOTIONS, programmeSettingsSchema, readProgrammeSettings } from '../settings.js'
import { optionalSingleLineText, parseInput, singleLineText, uuid } from '../validation.js'
import { SHAREABLE_DEAL_FIELDS, shareableDealFieldLabels } from '../pipeline/pipeline.js'

/**
 * The registration rules a vendor tunes: decision SLA and business hours,
 * protection window and extensions, reminders, idle and appeal windows, the
 * conflict hierarchy, partner-safe deal fields; plus territories, approval
 * routes and blocked accounts. Every number defaults to domain.md.
 */

const CONFLICT_RULES = ['registered_beats_unregistered', 'first_approved_wins', 'tier_priority', 'established_beats_new', 'certification_breaks_ties', 'split_by_product_line'] as const
export const conflictRuleLabels: Record<(typeof CONFLICT_RULES)[number], string> = {
  registered_beats_unregistered: 'Registered beats unregistered',
  first_approved_wins: 'First approved (first come) wins',
  tier_priority: 'Higher tier wins',
  established_beats_new: 'Established partner beats new partner',
  certification_breaks_ties: 'Certification breaks ties',
  split_by_product_line: 'Split by product line (both stand)',
}

const exitFieldText: Record<(typeof DEAL_EXIT_FIELDS)[number], string> = {
  amount: 'Amount',
  currency: 'Currency',
  expected_close: 'Expected close',
  next_step: 'Next step',
  owner: 'Vendor owner',
  attribution: 'Partner attribution',
}

export async function getRegistrationPolicy(ctx: CoreContext) {
  requireStaff(ctx, 'registrations.view')
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const territories = await trx
      .selectFrom('territories as t')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 't.tenant_id').onRef('p.id', '=', 't.partner_id'))
      .select(['t.id', 't.region', 't.partner_id', 'p.name as partner_name'])
      .orderBy('t.region')
      .execute()
    const routes = await trx
      .selectFrom('approval_routes as r')
      .innerJoin('users as u', (join) => join.onRef('u.tenant_id', '=', 'r.tenant_id').onRef('u.id', '=', 'r.approver_user_id'))
      .select(['r.id', 'r.position', 'r.region', 'r.min_amount', 'r.max_amount', 'r.approver_user_id', 'u.name as approver_name'])
      .orderBy('r.position')
      .orderBy('r.created_at')
      .execute()
    const blocked = await trx.selectFrom('accounts').select(['id', 'name', 'domain', 'blocked_reason']).where('blocked', '=', true).orderBy('name').execute()
    const approvers = await trx.selectFrom('users').select(['id', 'name']).where('kind', '=', 'staff').where('status', '=', 'active').where('staff_role', 'in', ['owner', 'admin', 'partner_manager']).orderBy('name').execute()
    const partners = await trx.selectFrom('partner_organisations').select(['id', 'name', 'tier']).where('status', '=', 'active').orderBy('name').execute()
    return {
      registration: settings.registration,
      conflicts: settings.conflicts,
      businessHours: settings.businessHours,
      tiers: settings.tiers,
      motions: MOTIONS.map((motion) => ({ key: motion, label: settings.motions[motion].label, stages: settings.motions[motion].stages })),
      exitFields: DEAL_EXIT_FIELDS.map((key) => ({ key, label: exitFieldText[key] })),
      partnerSafeDealFields: settings.partnerSafeDealFields,
      shareableFields: SHAREABLE_DEAL_FIELDS.map((key) => ({ key, label: shareableDealFieldLabels[key] })),
      conflictRules: CONFLICT_RULES.map((key) => ({ key, label: conflictRuleLabels[key] })),
      territories: territories.map((territory) => ({ id: territory.id, region: territory.region, partnerId: territory.partner_id, partnerName: territory.partner_name })),
      routes: routes.map((route) => ({ id: route.id, position: route.position, region: route.region, minAmount: route.min_amount === null ? null : Number(route.min_amount), maxAmount: route.max_amount === null ? null : Number(route.max_amount), approverUserId: route.approver_user_id, approverName: route.approver_name })),
      blockedAccounts: blocked.map((account) => ({ id: account.id, name: account.name, domain: account.domain, reason: account.blocked_reason })),
      approvers,
      partners,
      canManage: actor.role === 'owner' || actor.role === 'admin',
    }
  })
}

const whole = (label: string, min: number, max: number) =>
  z.coerce.number({ invalid_type_error: `Enter the ${label} as a number.` }).int(`Use a whole number for the ${label}.`).min(min, `The ${label} must be at least ${min}.`).max(max, `The ${label} can be at most ${max}.`)

export const updateRegistrationPolicyInput = z
  .object({
    decisionSlaHours: whole('decision SLA', 1, 720),
    slaReminderHoursBefore: whole('reminder lead time', 1, 240),
    protectionWindowDays: whole('protection window', 1, 365),
    expiryReminderDays: whole('expiry reminder', 0, 60),
    extensionDays: whole('extension', 1, 180),
    maxExtensions: whole('number of extensions', 0, 10),
    idleAfterDays: whole('idle threshold', 1, 365),
    appealWindowDays: whole('appeal window', 0, 90),
    timeZone: z.string().trim().refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone })
        return true
      } catch {
        return false
      }
    }, 'Use a time zone like Europe/Berlin or America/New_York.'),
    startHour: whole('opening hour', 0, 23),
    endHour: whole('closing hour', 1, 24),
    workingDays: z.array(z.coerce.number().int().min(1).max(7)).min(1, 'Choose at least one working day.'),
    hierarchy: z.array(z.enum(CONFLICT_RULES)).min(1, 'Keep at least one conflict rule.'),
    establishedAfterDays: whole('established threshold', 0, 3650),
  })
  .refine((policy) => policy.endHour > policy.startHour, { path: ['endHour'], message: 'Closing must be after opening.' })

export async function updateRegistrationPolicy(ctx: CoreContext, rawInput: z.input<typeof updateRegistrationPolicyInput>) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(updateRegistrationPolicyInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select(['id', 'settings']).executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const next = programmeSettingsSchema.parse({
      ...settings,
      registration: { ...settings.registration, decisionSlaHours: input.decisionSlaHours, slaReminderHoursBefore: input.slaReminderHoursBefore, protectionWindowDays: input.protectionWindowDays, expiryReminderDays: input.expiryReminderDays, extensionDays: input.extensionDays, maxExtensions: input.maxExtensions, idleAfterDays: input.idleAfterDays, appealWindowDays: input.appealWindowDays },
      conflicts: { ...settings.conflicts, hierarchy: [...new Set(input.hierarchy)], establishedAfterDays: input.establishedAfterDays },
      businessHours: { timeZone: input.timeZone, startHour: input.startHour, endHour: input.endHour, workingDays: [...new Set(input.workingDays)].sort() },
    })
    await trx.updateTable('tenants').set({ settings: JSON.stringify(next), updated_at: ctx.now() }).where('id', '=', tenant.id).execute()
    await recordAudit(trx, { tenantId: tenant.id, actorUserId: actor.userId, action: 'programme.registration_policy_updated', details: { registration: next.registration, conflicts: next.conflicts, businessHours: next.businessHours } })
    return { saved: true }
  })
}

export const territoryInput = z.object({ region: singleLineText(80, 'region', { min: 1, required: 'Enter the region.', visible: 'Enter the region.' }), partnerId: uuid })

export async function addTerritory(ctx: CoreContext, rawInput: z.input<typeof territoryInput>) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(territoryInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const partner = await trx.selectFrom('partner_organisations').select('id').where('id', '=', input.partnerId).executeTakeFirst()
    if (!partner) throw AppError.validation({ partnerId: ['Choose a partner organisation.'] })
    const clash = await trx.selectFrom('territories').select('id').where(sql<boolean>`lower(region) = lower(${input.region})`).executeTakeFirst()
    if (clash) throw AppError.validation({ region: ['This region is already assigned; remove that territory first.'] })
    const created = await trx.insertInto('territories').values({ tenant_id: actor.tenantId, region: input.region, partner_id: input.partnerId }).returning('id').executeTakeFirstOrThrow()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'programme.territory_added', targetType: 'territory', targetId: created.id, details: input })
    return { territoryId: created.id }
  })
}

export async function removeTerritory(ctx: CoreContext, input: { territoryId: string }) {
  requireStaff(ctx, 'programme.manage')
  const territoryId = parseInput(uuid, input.territoryId)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const removed = await trx.deleteFrom('territories').where('id', '=', territoryId).returning(['id', 'region']).executeTakeFirst()
    if (!removed) throw AppError.notFound('This territory')
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'programme.territory_removed', targetType: 'territory', targetId: removed.id, details: { region: removed.region } })
    return { removed: true }
  })
}

const optionalAmount = (label: string) =>
  z.preprocess((value) => (value === '' || value === undefined || value === null ? null : typeof value === 'string' ? Number(value.replace(/[\s,]/g, '')) : value), z.number({ invalid_type_error: `Enter the ${label} as a number.` }).min(0, `The ${label} cannot be negative.`).max(1e11).nullable())

export const approvalRouteInput = z
  .object({
    region: optionalSingleLineText(80, 'region'),
    minAmount: optionalAmount('minimum'),
    maxAmount: optionalAmount('maximum'),
    approverUserId: uuid,
    position: z.coerce.number().int().min(0).max(1000).default(0),
  })
  .refine((route) => route.minAmount === null || route.maxAmount === null || route.maxAmount > route.minAmount, { path: ['maxAmount'], message: 'The maximum must be above the minimum.' })

export async function addApprovalRoute(ctx: CoreContext, rawInput: z.input<typeof approvalRouteInput>) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(approvalRouteInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const approver = await trx.selectFrom('users').select('id').where('id', '=', input.approverUserId).where('kind', '=', 'staff').where('staff_role', 'in', ['owner', 'admin', 'partner_manager']).executeTakeFirst()
    if (!approver) throw AppError.validation({ approverUserId: ['Choose an owner, admin or partner manager.'] })
    const created = await trx
      .insertInto('approval_routes')
      .values({ tenant_id: actor.tenantId, region: input.region, min_amount: input.minAmount === null ? null : String(input.minAmount), max_amount: input.maxAmount === null ? null : String(input.maxAmount), approver_user_id: input.approverUserId, position: input.position })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'programme.route_added', targetType: 'approval_route', targetId: created.id, details: input })
    return { routeId: created.id }
  })
}

export async function removeApprovalRoute(ctx: CoreContext, input: { routeId: string }) {
  requireStaff(ctx, 'programme.manage')
  const routeId = parseInput(uuid, input.routeId)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const removed = await trx.deleteFrom('approval_routes').where('id', '=', routeId).returning('id').executeTakeFirst()
    if (!removed) throw AppError.notFound('This approval route')
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'programme.route_removed', targetType: 'approval_route', targetId: removed.id })
    return { removed: true }
  })
}

export const blockAccountInput = z.object({
  website: singleLineText(300, 'website or domain', { min: 1, required: 'Enter the customer’s website or domain.' }),
  name: singleLineText(200, 'customer name', { min: 1, required: 'Enter the customer’s name.', visible: 'Enter the customer’s name.' }),
  reason: singleLineText(500, 'reason', { min: 3, required: 'Say why (partners never see it).' }),
})

/** Block a customer for partner registrations (e.g. strategic accounts served directly). */
export async function blockAccount(ctx: CoreContext, rawInput: z.input<typeof blockAccountInput>) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(blockAccountInput, rawInput)
  const domain = registrableDomain(input.website)
  if (!domain.ok) throw AppError.validation({ website: ['Enter the customer’s own domain, like acme.com.'] })
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const account = await trx
      .insertInto('accounts')
      .values({ tenant_id: actor.tenantId, name: input.name, company_key: normaliseCompanyName(input.name) || domain.domain, domain: domain.domain, blocked: true, blocked_reason: input.reason })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'domain']).where('domain', 'is not', null).doUpdateSet({ blocked: true, blocked_reason: input.reason, updated_at: ctx.now() }))
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'programme.account_blocked', targetType: 'account', targetId: account.id, details: { domain: domain.domain, reason: input.reason } })
    return { accountId: account.id }
  })
}

export async function unblockAccount(ctx: CoreContext, input: { accountId: string }) {
  requireStaff(ctx, 'programme.manage')
  const accountId = parseInput(uuid, input.accountId)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const account = await trx.updateTable('accounts').set({ blocked: false, blocked_reason: null, updated_at: ctx.now() }).where('id', '=', accountId).returning('id').executeTakeFirst()
    if (!account) throw AppError.notFound('This account')
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'programme.account_unblocked', targetType: 'account', targetId: account.id })
    return { unblocked: true }
  })
}

export const updateMotionStagesInput = z.object({
  motion: z.enum(MOTIONS),
  label: singleLineText(60, 'name', { min: 1, required: 'Name the motion.', visible: 'Name the motion.' }),
  stages: z
    .array(
      z.object({
        /** Existing stage key (kept when the label changes, so deals stay in their stage); empty for a new stage. */
        key: singleLineText(40, 'stage key').optional().default(''),
        label: singleLineText(60, 'stage name'),
        exitFields: z.array(z.enum(DEAL_EXIT_FIELDS)).default([]),
        remove: z.boolean().default(false),
      }),
    )
    .max(12),
})

const stageKeyOf = (label: string) =>
  label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40) || 'stage'

/**
 * A motion's stages and their exit fields, per tenant. Stages keep their key
 * when renamed; a stage that still holds open deals cannot be removed.
 */
export async function updateMotionStages(ctx: CoreContext, rawInput: z.input<typeof updateMotionStagesInput>) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(updateMotionStagesInput, rawInput)
  const actor = ctx.actor
  const kept = input.stages.filter((stage) => !stage.remove && stage.label !== '')
  const fieldErrors: Record<string, string[]> = {}
  if (kept.length < 2) fieldErrors.stages = ['A motion needs at least two stages.']
  if (kept.length > 10) fieldErrors.stages = ['Use at most ten stages.']
  const labels = kept.map((stage) => stage.label.toLowerCase())
  const duplicate = labels.find((label, index) => labels.indexOf(label) !== index)
  if (duplicate) fieldErrors.stages = [`Two stages are called “${kept.find((stage) => stage.label.toLowerCase() === duplicate)?.label}”; give each a different name.`]
  if (Object.keys(fieldErrors).length > 0) throw AppError.validation(fieldErrors, 'Check the stages.')
  return inActorScope(ctx, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select(['id', 'settings']).executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const current = settings.motions[input.motion]
    const usedKeys = new Set<string>()
    const stages = kept.map((stage) => {
      let key = stage.key && current.stages.some((existing) => existing.key === stage.key) ? stage.key : stageKeyOf(stage.label)
      while (usedKeys.has(key)) key = `${key.slice(0, 37)}_${usedKeys.size}`
      usedKeys.add(key)
      return { key, label: stage.label, exitFields: [...new Set(stage.exitFields)] }
    })
    const removed = current.stages.filter((stage) => !stages.some((next) => next.key === stage.key))
    if (removed.length > 0) {
      const inUse = await trx
        .selectFrom('deals')
        .select(['stage', (eb) => eb.fn.countAll<string>().as('count')])
        .where('motion', '=', input.motion)
        .where('status', '=', 'open')
        .where('stage', 'in', removed.map((stage) => stage.key))
        .groupBy('stage')
        .execute()
      if (inUse.length > 0) {
        throw AppError.validation({ stages: inUse.map((row) => `“${removed.find((stage) => stage.key === row.stage)?.label}” still holds ${row.count} open deal${row.count === '1' ? '' : 's'}; move them first.`) }, 'A stage in use cannot be removed.')
      }
    }
    const next = programmeSettingsSchema.parse({ ...settings, motions: { ...settings.motions, [input.motion]: { label: input.label, stages } } })
    await trx.updateTable('tenants').set({ settings: JSON.stringify(next), updated_at: ctx.now() }).where('id', '=', tenant.id).execute()
    await recordAudit(trx, { tenantId: tenant.id, actorUserId: actor.userId, action: 'programme.motion_updated', details: { motion: input.motion, before: current, after: next.motions[input.motion] } })
    return { motion: input.motion, stages }
  })
}

import { sql, type TenantTransaction } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requireStaff } from '../scope.js'
import { readProgrammeSettings } from '../settings.js'
import { optionalSingleLineText, optionalText, organisationName, parseInput, searchText, uuid } from '../validation.js'

export const PARTNER_TYPES = ['reseller', 'referral', 'distributor', 'services', 'technology', 'marketplace'] as const
export type PartnerType = (typeof PARTNER_TYPES)[number]
export const partnerTypeLabels: Record<PartnerType, string> = {
  reseller: 'Reseller / VAR',
  referral: 'Referral partner',
  distributor: 'Distributor',
  services: 'Services partner (SI/MSP)',
  technology: 'Technology partner (ISV)',
  marketplace: 'Marketplace partner',
}

const DOMAIN = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

/** "https://www.Acme.com/about, @acme.de" → ["acme.com", "acme.de"]; bad entries named in the error. */
export const emailDomainList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, context) => {
    const entries = (Array.isArray(value) ? value : (value ?? '').split(/[\s,;]+/)).map((entry) => entry.trim()).filter(Boolean)
    const domains: string[] = []
    for (const entry of entries) {
      const domain = entry
        .toLowerCase()
        .replace(/^[a-z]+:\/\//, '')
        .replace(/^.*@/, '')
        .replace(/^www\./, '')
        .replace(/[/?#].*$/, '')
      if (!DOMAIN.test(domain)) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: `"${entry.slice(0, 60)}" is not a domain like partner.com.` })
        return z.NEVER
      }
      if (!domains.includes(domain)) domains.push(domain)
    }
    if (domains.length > 20) {
      context.addIssue({ code: z.ZodIssueCode.custom, message: 'List at most 20 domains.' })
      return z.NEVER
    }
    return domains
  })

export const partnerFields = z.object({
  name: organisationName,
  type: z.enum(PARTNER_TYPES, { errorMap: () => ({ message: 'Choose the kind of partner.' }) }),
  region: optionalSingleLineText(80, 'region'),
  website: optionalText(300, 'Website').refine((value) => value === null || /^https?:\/\/[^\s]+\.[^\s]+$/i.test(value), 'Enter a full address like https://partner.com.'),
  emailDomains: emailDomainList,
  /** One of the programme's tiers (settings.tiers); decides "tier priority" in conflicts. */
  tier: optionalSingleLineText(40, 'tier'),
})

export type PartnerFieldsInput = z.input<typeof partnerFields>

function toPartner(row: { id: string; name: string; type: string; tier: string; region: string | null; website: string | null; email_domains: string[]; status: string; created_at: Date; updated_at: Date; archived_at: Date | null }) {
  return {
    id: row.id,
    tier: row.tier,
    name: row.name,
    type: row.type as PartnerType,
    region: row.region,
    website: row.website,
    emailDomains: row.email_domains,
    status: row.status as 'active' | 'archived',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  }
}
export type Partner = ReturnType<typeof toPartner>

export const listPartnersInput = z.object({
  status: z.enum(['active', 'archived', 'all']).default('active'),
  search: searchText(120).optional(),
})

export async function listPartners(ctx: CoreContext, rawInput: z.input<typeof listPartnersInput> = {}) {
  requireStaff(ctx, 'partners.view')
  const input = parseInput(listPartnersInput, rawInput)
  const rows = await inActorScope(ctx, (trx) => {
    let query = trx
      .selectFrom('partner_organisations as p')
      .selectAll('p')
      .select((eb) => [
        eb.selectFrom('users as u').whereRef('u.tenant_id', '=', 'p.tenant_id').whereRef('u.partner_id', '=', 'p.id').select(sql<number>`count(*)::int`.as('n')).as('user_count'),
        eb
          .selectFrom('invitations as i')
          .whereRef('i.tenant_id', '=', 'p.tenant_id')
          .whereRef('i.partner_id', '=', 'p.id')
          .where('i.accepted_at', 'is', null)
          .where('i.revoked_at', 'is', null)
          .where('i.expires_at', '>', ctx.now())
          .select(sql<number>`count(*)::int`.as('n'))
          .as('pending_invitation_count'),
      ])
      .orderBy(sql`lower(p.name)`)
      .limit(1000)
    if (input.status !== 'all') query = query.where('p.status', '=', input.status)
    if (input.search) query = query.where(sql<boolean>`p.name ilike ${`%${input.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`}`)
    return query.execute()
  })
  return rows.map((row) => ({ ...toPartner(row), userCount: row.user_count ?? 0, pendingInvitationCount: row.pending_invitation_count ?? 0 }))
}

export async function getPartner(ctx: CoreContext, input: { partnerId: string }) {
  requireStaff(ctx, 'partners.view')
  const partnerId = parseInput(uuid, input.partnerId)
  const row = await inActorScope(ctx, (trx) => trx.selectFrom('partner_organisations').selectAll().where('id', '=', partnerId).executeTakeFirst())
  if (!row) throw AppError.notFound('This partner organisation')
  return toPartner(row)
}

async function assertNameFree(ctx: CoreContext, name: string, exceptId?: string) {
  const clash = await inActorScope(ctx, (trx) => {
    let query = trx.selectFrom('partner_organisations').select('id').where(sql<boolean>`lower(name) = lower(${name})`)
    if (exceptId) query = query.where('id', '!=', exceptId)
    return query.executeTakeFirst()
  })
  if (clash) throw AppError.validation({ name: ['A partner organisation with this name already exists.'] })
}

/** The tier to store: one of the tenant's tiers (field error otherwise), or the first tier for a new partner. */
async function resolveTier(trx: TenantTransaction, requested: string | null, fallback: string | null): Promise<string | null> {
  const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
  const tiers = readProgrammeSettings(tenant.settings).tiers.map((tier) => tier.name)
  if (requested === null) return fallback ?? tiers[0] ?? 'Registered'
  const match = tiers.find((tier) => tier.toLowerCase() === requested.toLowerCase())
  if (!match) throw AppError.validation({ tier: [`Choose one of the programme's tiers: ${tiers.join(', ')}.`] })
  return match
}

export async function createPartner(ctx: CoreContext, rawInput: PartnerFieldsInput) {
  requireStaff(ctx, 'partners.manage')
  const input = parseInput(partnerFields, rawInput)
  await assertNameFree(ctx, input.name)
  const actor = ctx.actor
  const row = await inActorScope(ctx, async (trx) => {
    const tier = (await resolveTier(trx, input.tier, null)) ?? 'Registered'
    const created = await trx
      .insertInto('partner_organisations')
      .values({ tenant_id: actor.tenantId, name: input.name, type: input.type, tier, region: input.region, website: input.website, email_domains: input.emailDomains })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'partner.created', targetType: 'partner_organisation', targetId: created.id, details: { name: input.name, type: input.type } })
    return created
  })
  return toPartner(row)
}

export async function updatePartner(ctx: CoreContext, rawInput: PartnerFieldsInput & { partnerId: string }) {
  requireStaff(ctx, 'partners.manage')
  const partnerId = parseInput(uuid, rawInput.partnerId)
  const input = parseInput(partnerFields, rawInput)
  await assertNameFree(ctx, input.name, partnerId)
  const actor = ctx.actor
  const row = await inActorScope(ctx, async (trx) => {
    const tier = input.tier === null ? undefined : ((await resolveTier(trx, input.tier, null)) ?? undefined)
    const updated = await trx
      .updateTable('partner_organisations')
      .set({ name: input.name, type: input.type, ...(tier ? { tier } : {}), region: input.region, website: input.website, email_domains: input.emailDomains, updated_at: ctx.now() })
      .where('id', '=', partnerId)
      .returningAll()
      .executeTakeFirst()
    if (updated) await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'partner.updated', targetType: 'partner_organisation', targetId: partnerId, details: input })
    return updated
  })
  if (!row) throw AppError.notFound('This partner organisation')
  return toPartner(row)
}

/** Archiving keeps every record and blocks the organisation's users from signing in; restoring undoes it. */
export async function setPartnerArchived(ctx: CoreContext, input: { partnerId: string; archived: boolean }) {
  requireStaff(ctx, 'partners.manage')
  const partnerId = parseInput(uuid, input.partnerId)
  const actor = ctx.actor
  const row = await inActorScope(ctx, async (trx) => {
    const updated = await trx
      .updateTable('partner_organisations')
      .set({ status: input.archived ? 'archived' : 'active', archived_at: input.archived ? ctx.now() : null, updated_at: ctx.now() })
      .where('id', '=', partnerId)
      .returningAll()
      .executeTakeFirst()
    if (updated) {
      await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: input.archived ? 'partner.archived' : 'partner.restored', targetType: 'partner_organisation', targetId: partnerId })
      if (input.archived) {
        // Signed-in users of an archived partner lose access immediately.
        await trx.deleteFrom('sessions').where('user_id', 'in', (eb) => eb.selectFrom('users').select('id').where('partner_id', '=', partnerId)).execute()
      }
    }
    return updated
  })
  if (!row) throw AppError.notFound('This partner organisation')
  return toPartner(row)
}

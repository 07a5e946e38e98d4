import { createOneTimeToken, parseOneTimeToken } from '@accord/auth'
import { withTenant } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import { type CoreContext, type CoreDeps, portalBaseUrl } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requireStaff } from '../scope.js'
import { consumeRateLimit, type RateLimitRule } from '../security/rate-limit.js'
import { brandOf } from '../tenants/brand.js'
import { emailAddress, parseInput, singleLineText, uuid } from '../validation.js'
import { registrableDomain } from './normalise.js'
import { registerClaim, toPartnerReceipt } from './submit.js'

/**
 * Registration without a login: each partner organisation can have one
 * public link (signed, revocable). Only people whose e-mail address is on the
 * organisation's allow-listed domains may submit through it; a honeypot field
 * and rate limits keep bots out. The submission goes through the same
 * `registerClaim` as the portal form.
 */

export const publicLinkRateLimits = {
  perIp: { limit: 20, windowSeconds: 60 * 60 },
  perLink: { limit: 200, windowSeconds: 24 * 60 * 60 },
} satisfies Record<string, RateLimitRule>

function canManageLinks(ctx: CoreContext, partnerId: string | undefined): { tenantId: string; partnerId: string; userId: string } {
  if (ctx.actor.kind === 'staff') {
    requireStaff(ctx, 'partners.manage')
    if (!partnerId) throw AppError.validation({ partnerId: ['Choose the partner organisation.'] })
    return { tenantId: ctx.actor.tenantId, partnerId, userId: ctx.actor.userId }
  }
  if (ctx.actor.kind === 'partner' && ctx.actor.role === 'partner_admin') return { tenantId: ctx.actor.tenantId, partnerId: ctx.actor.partnerId, userId: ctx.actor.userId }
  if (ctx.actor.kind === 'partner') throw new AppError('FORBIDDEN', 'Only your organisation’s partner admin can manage the registration link.')
  throw new AppError('UNAUTHENTICATED', 'Please sign in.')
}

/** A new link for the organisation; any earlier link stops working. The URL is shown once (only its hash is stored). */
export async function createRegistrationLink(ctx: CoreContext, input: { partnerId?: string } = {}) {
  const owner = canManageLinks(ctx, input.partnerId === undefined ? undefined : parseInput(uuid, input.partnerId))
  return inActorScope(ctx, async (trx) => {
    const partner = await trx.selectFrom('partner_organisations').select(['id', 'name', 'status', 'email_domains']).where('id', '=', owner.partnerId).executeTakeFirst()
    if (!partner) throw AppError.notFound('This partner organisation')
    if (partner.status !== 'active') throw new AppError('FORBIDDEN', 'This partner organisation is archived.')
    const tenant = await trx.selectFrom('tenants').select(['slug']).executeTakeFirstOrThrow()
    await trx.updateTable('registration_links').set({ revoked_at: ctx.now() }).where('partner_id', '=', partner.id).where('revoked_at', 'is', null).execute()
    const { token, tokenHash } = createOneTimeToken(owner.tenantId)
    const link = await trx.insertInto('registration_links').values({ tenant_id: owner.tenantId, partner_id: partner.id, token_hash: tokenHash, created_by_user_id: owner.userId }).returning(['id', 'created_at']).executeTakeFirstOrThrow()
    await recordAudit(trx, { tenantId: owner.tenantId, actorUserId: owner.userId, action: 'registration_link.created', targetType: 'partner', targetId: partner.id })
    return {
      linkId: link.id,
      url: `${portalBaseUrl(ctx.portal, tenant.slug)}/r/${encodeURIComponent(token)}`,
      createdAt: link.created_at,
      allowedDomains: partner.email_domains,
      warning: partner.email_domains.length === 0 ? 'No e-mail domains are allow-listed for this partner yet, so the link accepts nobody. Add the partner’s e-mail domains on its page.' : null,
    }
  })
}

export async function revokeRegistrationLink(ctx: CoreContext, input: { linkId: string }) {
  const linkId = parseInput(uuid, input.linkId)
  if (ctx.actor.kind === 'staff') requireStaff(ctx, 'partners.manage')
  else if (!(ctx.actor.kind === 'partner' && ctx.actor.role === 'partner_admin')) throw new AppError('FORBIDDEN', 'Only your organisation’s partner admin can manage the registration link.')
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const revoked = await trx.updateTable('registration_links').set({ revoked_at: ctx.now() }).where('id', '=', linkId).where('revoked_at', 'is', null).returning(['id', 'partner_id']).executeTakeFirst()
    if (!revoked) throw AppError.notFound('This active link')
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'registration_link.revoked', targetType: 'partner', targetId: revoked.partner_id })
    return { revoked: true }
  })
}

export async function getRegistrationLinkStatus(ctx: CoreContext, input: { partnerId?: string } = {}) {
  const owner = ctx.actor.kind === 'partner' ? { partnerId: ctx.actor.partnerId } : (requireStaff(ctx, 'partners.view'), { partnerId: parseInput(uuid, input.partnerId ?? '') })
  return inActorScope(ctx, async (trx) => {
    const partner = await trx.selectFrom('partner_organisations').select(['id', 'email_domains']).where('id', '=', owner.partnerId).executeTakeFirst()
    if (!partner) throw AppError.notFound('This partner organisation')
    const link = await trx.selectFrom('registration_links').select(['id', 'created_at', 'last_used_at', 'submissions']).where('partner_id', '=', partner.id).where('revoked_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst()
    return { active: link ? { linkId: link.id, createdAt: link.created_at, lastUsedAt: link.last_used_at, submissions: link.submissions } : null, allowedDomains: partner.email_domains }
  })
}

async function resolveLink(deps: Pick<CoreDeps, 'db'>, token: string) {
  const parsed = parseOneTimeToken(token)
  if (!parsed) throw new AppError('TOKEN_INVALID', 'This registration link is not valid. Ask your partner manager for the current link.')
  return withTenant(deps.db, { tenantId: parsed.tenantId }, async (trx) => {
    const link = await trx
      .selectFrom('registration_links as l')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'l.tenant_id').onRef('p.id', '=', 'l.partner_id'))
      .select(['l.id', 'l.revoked_at', 'l.partner_id', 'p.name as partner_name', 'p.status as partner_status', 'p.email_domains'])
      .where('l.token_hash', '=', parsed.tokenHash)
      .executeTakeFirst()
    if (!link) throw new AppError('TOKEN_INVALID', 'This registration link is not valid. Ask your partner manager for the current link.')
    if (link.revoked_at || link.partner_status !== 'active') throw new AppError('TOKEN_EXPIRED', 'This registration link has been replaced or switched off. Ask your partner manager for the current link.')
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    return { tenantId: parsed.tenantId, tenant, link }
  })
}

/** The public page: whose link it is and the vendor's brand; never the allow-list itself. */
export async function describeRegistrationLink(deps: Pick<CoreDeps, 'db' | 'portal'>, input: { token: string }) {
  const { tenant, link } = await resolveLink(deps, input.token)
  return { partnerName: link.partner_name, vendorName: tenant.portal_name ?? tenant.name, brand: brandOf(deps, tenant), acceptsSubmissions: link.email_domains.length > 0 }
}

export const publicSubmissionInput = z.object({
  token: z.string().min(10).max(200),
  submitterName: singleLineText(120, 'name', { min: 1, required: 'Enter your name.', visible: 'Enter your name.' }),
  submitterEmail: emailAddress,
  /** Hidden field people never fill in; bots do. */
  honeypot: z.string().max(500).optional().default(''),
  fields: z.record(z.unknown()),
  ip: z.string().max(100).nullable(),
})

function onAllowedDomain(email: string, allowed: string[]): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase()
  const registrable = registrableDomain(email)
  return allowed.some((entry) => domain === entry || domain.endsWith(`.${entry}`) || (registrable.ok && registrable.domain === entry))
}

export async function submitViaRegistrationLink(deps: CoreDeps, rawInput: z.input<typeof publicSubmissionInput>) {
  const input = parseInput(publicSubmissionInput, rawInput)
  if (input.honeypot.trim() !== '') throw new AppError('BAD_REQUEST', 'This submission looked automated and was not accepted. If you are a person, reload the page and try again.')
  const now = deps.now()
  if (input.ip) {
    const perIp = await consumeRateLimit(deps.db, `public-link:ip:${input.ip}`, publicLinkRateLimits.perIp, now)
    if (!perIp.allowed) throw new AppError('RATE_LIMITED', 'Too many registrations from your network. Please try again later.', { retryAfterSeconds: perIp.retryAfterSeconds })
  }
  const { tenantId, link } = await resolveLink(deps, input.token)
  const perLink = await consumeRateLimit(deps.db, `public-link:link:${link.id}`, publicLinkRateLimits.perLink, now)
  if (!perLink.allowed) throw new AppError('RATE_LIMITED', 'This link has reached its daily limit. Please try again tomorrow or use the partner portal.', { retryAfterSeconds: perLink.retryAfterSeconds })
  if (link.email_domains.length === 0) throw AppError.validation({ submitterEmail: ['This link is not set up yet: ask your partner manager to allow your company’s e-mail domain.'] })
  if (!onAllowedDomain(input.submitterEmail, link.email_domains)) {
    throw AppError.validation({ submitterEmail: [`Use your work e-mail address at ${link.partner_name}. This address’s domain is not allowed for this link.`] })
  }
  const receipt = await withTenant(deps.db, { tenantId }, async (trx) => {
    // A known partner user is credited as the submitter; otherwise the e-mail address is.
    const user = await trx.selectFrom('users').select(['id', 'name']).where('email', '=', input.submitterEmail).where('kind', '=', 'partner').where('partner_id', '=', link.partner_id).where('status', '=', 'active').executeTakeFirst()
    const claim = await registerClaim(trx, deps, {
      tenantId,
      partnerId: link.partner_id,
      submitter: { userId: user?.id ?? null, email: input.submitterEmail, name: user?.name ?? input.submitterName },
      source: 'public_link',
      actor: { kind: 'public', userId: user?.id ?? null, label: `${input.submitterName} <${input.submitterEmail}> via registration link` },
      rawFields: input.fields,
    })
    await trx.updateTable('registration_links').set({ last_used_at: now, submissions: (eb) => eb('submissions', '+', 1) }).where('id', '=', link.id).execute()
    return claim
  })
  return toPartnerReceipt(receipt)
}

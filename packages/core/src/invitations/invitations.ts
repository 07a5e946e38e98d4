import { createOneTimeToken, hashPassword, parseOneTimeToken } from '@accord/auth'
import { authEnv } from '@accord/auth/env'
import { sql, withTenant } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { TenantTransaction } from '@accord/db'
import type { CoreContext, CoreDeps, PartnerRole, StaffContext, StaffRole } from '../context.js'
import { PARTNER_ROLES, portalBaseUrl } from '../context.js'
import { enqueueEmail } from '../email/index.js'
import { AppError } from '../errors.js'
import { staffRoleLabels } from '../permissions.js'
import { inActorScope, requireStaff } from '../scope.js'
import { brandOf } from '../tenants/brand.js'
import { recordPortalSignIn } from '../identity/portal-sign-ins.js'
import { requireVerifiedEmail } from '../identity/verified-email.js'
import { emailAddress, newPassword, optionalSingleLineText, parseInput, personName, uuid } from '../validation.js'

export const INVITATION_VALID_DAYS = 7

export const partnerRoleLabels: Record<PartnerRole, string> = { partner_admin: 'Partner admin', sales: 'Sales rep', finance: 'Finance' }

export const invitePartnerUserInput = z.object({
  partnerId: uuid,
  email: emailAddress,
  name: optionalSingleLineText(120, 'name'),
  role: z.enum(PARTNER_ROLES, { errorMap: () => ({ message: 'Choose a role.' }) }),
})

export const inviteStaffInput = z.object({
  email: emailAddress,
  name: optionalSingleLineText(120, 'name'),
  role: z.enum(['admin', 'partner_manager', 'finance', 'viewer', 'owner'], { errorMap: () => ({ message: 'Choose a role.' }) }),
})

/**
 * Invitations one workspace may send per rolling 24 hours (staff and partner
 * users together): enough for a real roll-out, too few to make Accord a
 * relay for unsolicited mail. An operator setting (INVITATIONS_PER_TENANT_PER_DAY).
 */
export function invitationsPerDay(): number {
  return authEnv().INVITATIONS_PER_TENANT_PER_DAY
}

/** Counted from the invitations themselves, one workspace at a time (an advisory lock), so parallel sends cannot overshoot. */
async function requireInvitationQuota(trx: TenantTransaction, ctx: StaffContext, limit: number) {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`accord.invitation-quota.${ctx.actor.tenantId}`}, 0))`.execute(trx)
  const since = new Date(ctx.now().getTime() - 86_400_000)
  const sent = await trx.selectFrom('invitations').select((eb) => eb.fn.countAll<string>().as('count')).where('created_at', '>', since).executeTakeFirstOrThrow()
  if (Number(sent.count) >= limit) {
    throw new AppError('RATE_LIMITED', `This workspace has sent ${limit} invitations in the last 24 hours, the most allowed. Try again tomorrow, or ask your Accord operator to raise the limit.`, { retryAfterSeconds: 3600 })
  }
}

/**
 * The shared part of inviting anyone: withdraw a pending invitation for the
 * same address and kind (re-inviting replaces the link), then store a new one
 * with only its token's hash. The caller sends the e-mail and audits.
 */
async function issueInvitation(
  trx: TenantTransaction,
  ctx: StaffContext,
  invitee: { kind: 'staff' | 'partner'; email: string; name: string | null; staff_role?: string; partner_id?: string; partner_role?: string },
) {
  const actor = ctx.actor
  await requireInvitationQuota(trx, ctx, invitationsPerDay())
  await trx
    .updateTable('invitations')
    .set({ revoked_at: ctx.now() })
    .where('kind', '=', invitee.kind)
    .where('email', '=', invitee.email)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute()
  const { token, tokenHash } = createOneTimeToken(actor.tenantId)
  const expiresAt = new Date(ctx.now().getTime() + INVITATION_VALID_DAYS * 86_400_000)
  const invitation = await trx
    .insertInto('invitations')
    .values({ tenant_id: actor.tenantId, ...invitee, token_hash: tokenHash, expires_at: expiresAt, invited_by_user_id: actor.userId, created_at: ctx.now() })
    .returning(['id', 'email', 'expires_at'])
    .executeTakeFirstOrThrow()
  const inviter = await trx.selectFrom('users').select('name').where('id', '=', actor.userId).executeTakeFirstOrThrow()
  return { invitation, token, expiresAt, inviterName: inviter.name }
}

/** Invite someone into a partner organisation; re-inviting replaces the pending link. */
export async function invitePartnerUser(ctx: CoreContext, rawInput: z.input<typeof invitePartnerUserInput>) {
  requireStaff(ctx, 'partners.manage')
  const input = parseInput(invitePartnerUserInput, rawInput)
  await requireVerifiedEmail(ctx, 'invite')
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const partner = await trx.selectFrom('partner_organisations').selectAll().where('id', '=', input.partnerId).executeTakeFirst()
    if (!partner) throw AppError.notFound('This partner organisation')
    if (partner.status !== 'active') throw AppError.validation({ partnerId: ['This partner organisation is archived; restore it before inviting people.'] })
    const existingUser = await trx.selectFrom('users').select(['id', 'partner_id', 'status']).where('kind', '=', 'partner').where('email', '=', input.email).executeTakeFirst()
    if (existingUser) {
      const samePartner = existingUser.partner_id === partner.id
      throw AppError.validation({
        email: [
          !samePartner
            ? 'This e-mail already belongs to a user of another partner organisation.'
            : existingUser.status === 'active'
              ? 'This person already has access to the portal.'
              : 'This person’s account is deactivated. Reactivate it in the people list instead of inviting them again.',
        ],
      })
    }
    const { invitation, token, expiresAt, inviterName } = await issueInvitation(trx, ctx, {
      kind: 'partner',
      email: input.email,
      name: input.name,
      partner_id: partner.id,
      partner_role: input.role,
    })
    await enqueueEmail(trx, ctx, {
      tenantId: actor.tenantId,
      to: input.email,
      template: {
        name: 'partner-invitation',
        props: {
          brand: brandOf(ctx, tenant),
          inviterName,
          partnerName: partner.name,
          recipientName: input.name,
          role: partnerRoleLabels[input.role],
          acceptUrl: `${portalBaseUrl(ctx.portal, tenant.slug)}/invite/${encodeURIComponent(token)}`,
          expiresAt: expiresAt.toISOString(),
        },
      },
    })
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'partner_user.invited', targetType: 'invitation', targetId: invitation.id, details: { email: input.email, partnerId: partner.id, role: input.role } })
    return { invitationId: invitation.id, email: invitation.email, expiresAt: invitation.expires_at }
  })
}

export async function inviteStaffMember(ctx: CoreContext, rawInput: z.input<typeof inviteStaffInput>) {
  requireStaff(ctx, 'staff.manage')
  const input = parseInput(inviteStaffInput, rawInput)
  await requireVerifiedEmail(ctx, 'invite')
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const existing = await trx.selectFrom('users').select(['id', 'status']).where('kind', '=', 'staff').where('email', '=', input.email).executeTakeFirst()
    if (existing) {
      throw AppError.validation({ email: [existing.status === 'active' ? 'This person is already a member of the workspace.' : 'This person’s account is deactivated. Reactivate it in the members list instead of inviting them again.'] })
    }
    const { invitation, token, expiresAt, inviterName } = await issueInvitation(trx, ctx, { kind: 'staff', email: input.email, name: input.name, staff_role: input.role })
    await enqueueEmail(trx, ctx, {
      tenantId: actor.tenantId,
      to: input.email,
      template: {
        name: 'staff-invitation',
        props: { brand: { ...brandOf(ctx, tenant), name: tenant.name }, inviterName, recipientName: input.name, role: staffRoleLabels[input.role as StaffRole], acceptUrl: `${ctx.adminUrl}/invite/${encodeURIComponent(token)}`, expiresAt: expiresAt.toISOString() },
      },
    })
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'staff.invited', targetType: 'invitation', targetId: invitation.id, details: { email: input.email, role: input.role } })
    return { invitationId: invitation.id, email: invitation.email, expiresAt: invitation.expires_at }
  })
}

export async function revokeInvitation(ctx: CoreContext, input: { invitationId: string }) {
  requireStaff(ctx)
  const invitationId = parseInput(uuid, input.invitationId)
  const actor = ctx.actor
  await inActorScope(ctx, async (trx) => {
    const invitation = await trx.selectFrom('invitations').select(['id', 'kind', 'accepted_at']).where('id', '=', invitationId).executeTakeFirst()
    if (!invitation) throw AppError.notFound('This invitation')
    requireStaff(ctx, invitation.kind === 'staff' ? 'staff.manage' : 'partners.manage')
    if (invitation.accepted_at) throw new AppError('CONFLICT', 'This invitation was already accepted.')
    await trx.updateTable('invitations').set({ revoked_at: ctx.now() }).where('id', '=', invitationId).execute()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'invitation.revoked', targetType: 'invitation', targetId: invitationId })
  })
}

/** Partner users and pending invitations of one organisation (admin partner page). */
export async function listPartnerPeople(ctx: CoreContext, input: { partnerId: string }) {
  requireStaff(ctx, 'partners.view')
  const partnerId = parseInput(uuid, input.partnerId)
  return inActorScope(ctx, async (trx) => {
    const partner = await trx.selectFrom('partner_organisations').select('id').where('id', '=', partnerId).executeTakeFirst()
    if (!partner) throw AppError.notFound('This partner organisation')
    const users = await trx
      .selectFrom('users')
      .select(['id', 'name', 'email', 'partner_role as role', 'status', 'last_login_at as lastLoginAt', 'created_at as createdAt', 'deactivated_at as deactivatedAt', 'deactivated_by_kind as deactivatedBy'])
      .where('partner_id', '=', partnerId)
      .orderBy('name')
      .execute()
    const invitations = await trx
      .selectFrom('invitations')
      .select(['id', 'email', 'name', 'partner_role as role', 'expires_at as expiresAt', 'created_at as createdAt'])
      .where('partner_id', '=', partnerId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute()
    const now = ctx.now()
    return { users, invitations: invitations.map((invitation) => ({ ...invitation, expired: invitation.expiresAt <= now })) }
  })
}

type InvitationState = 'pending'

async function findInvitation(deps: Pick<CoreDeps, 'db' | 'now'>, token: string, expectedTenantId?: string) {
  const parsed = parseOneTimeToken(token)
  if (!parsed || (expectedTenantId && parsed.tenantId !== expectedTenantId)) {
    throw new AppError('TOKEN_INVALID', 'This invitation link is not valid. Check that you copied the whole link, or ask for a new invitation.')
  }
  const found = await withTenant(deps.db, { tenantId: parsed.tenantId }, async (trx) => {
    const invitation = await trx.selectFrom('invitations').selectAll().where('token_hash', '=', parsed.tokenHash).executeTakeFirst()
    if (!invitation) return null
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const partner = invitation.partner_id ? await trx.selectFrom('partner_organisations').select(['name', 'status']).where('id', '=', invitation.partner_id).executeTakeFirst() : undefined
    return { invitation, tenant, partner }
  })
  if (!found) throw new AppError('TOKEN_INVALID', 'This invitation link is not valid. Check that you copied the whole link, or ask for a new invitation.')
  const { invitation } = found
  if (invitation.accepted_at) throw new AppError('TOKEN_USED', 'This invitation has already been used. Sign in instead, or ask for a new invitation.')
  if (invitation.revoked_at) throw new AppError('TOKEN_INVALID', 'This invitation was withdrawn. Ask the person who invited you for a new one.')
  if (invitation.expires_at <= deps.now()) throw new AppError('TOKEN_EXPIRED', 'This invitation has expired. Ask the person who invited you to send a new one.')
  if (found.partner && found.partner.status !== 'active') throw new AppError('TOKEN_INVALID', 'This partner organisation is no longer active.')
  return found
}

/** What the accept page shows before the person commits. */
export async function getInvitation(deps: Pick<CoreDeps, 'db' | 'now'>, input: { token: string; expectedTenantId?: string }) {
  const { invitation, tenant, partner } = await findInvitation(deps, input.token, input.expectedTenantId)
  return {
    state: 'pending' as InvitationState,
    kind: invitation.kind as 'staff' | 'partner',
    email: invitation.email,
    name: invitation.name,
    role: invitation.kind === 'staff' ? staffRoleLabels[invitation.staff_role as StaffRole] : partnerRoleLabels[invitation.partner_role as PartnerRole],
    tenantId: tenant.id,
    tenantSlug: tenant.slug,
    tenantName: tenant.name,
    partnerName: partner?.name ?? null,
    expiresAt: invitation.expires_at,
  }
}

export const acceptInvitationInput = z.discriminatedUnion('signInMethod', [
  z.object({ token: z.string().min(1), name: personName, signInMethod: z.literal('password'), password: newPassword }),
  z.object({ token: z.string().min(1), name: personName, signInMethod: z.literal('magic_link') }),
])

/**
 * Accept an invitation: creates the user and marks the invitation used in one
 * transaction; the conditional update makes a second use (even a concurrent one) fail.
 */
export async function acceptInvitation(deps: Pick<CoreDeps, 'db' | 'now'>, rawInput: z.input<typeof acceptInvitationInput> & { expectedTenantId?: string }) {
  const input = parseInput(acceptInvitationInput, rawInput)
  const { invitation } = await findInvitation(deps, input.token, rawInput.expectedTenantId)
  const passwordHash = input.signInMethod === 'password' ? await hashPassword(input.password) : null
  return withTenant(deps.db, { tenantId: invitation.tenant_id }, async (trx) => {
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: deps.now() })
      .where('id', '=', invitation.id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst()
    if (!claimed) throw new AppError('TOKEN_USED', 'This invitation has already been used. Sign in instead.')
    const existing = await trx.selectFrom('users').select('id').where('kind', '=', invitation.kind).where('email', '=', invitation.email).executeTakeFirst()
    if (existing) throw new AppError('CONFLICT', 'You already have an account here. Sign in instead.')
    const user = await trx
      .insertInto('users')
      .values({
        tenant_id: invitation.tenant_id,
        kind: invitation.kind,
        email: invitation.email,
        name: input.name,
        staff_role: invitation.kind === 'staff' ? invitation.staff_role : null,
        partner_id: invitation.kind === 'partner' ? invitation.partner_id : null,
        partner_role: invitation.kind === 'partner' ? invitation.partner_role : null,
        password_hash: passwordHash,
        // The link reached them by e-mail, which proves the address.
        email_verified_at: deps.now(),
      })
      .returning(['id', 'kind', 'partner_id'])
      .executeTakeFirstOrThrow()
    await trx.updateTable('invitations').set({ accepted_user_id: user.id }).where('id', '=', invitation.id).execute()
    // Accepting a partner invitation signs the new user in to the portal straight away.
    if (user.kind === 'partner' && user.partner_id) await recordPortalSignIn(trx, { tenantId: invitation.tenant_id, partnerId: user.partner_id, userId: user.id, method: 'invitation', at: deps.now() })
    await recordAudit(trx, { tenantId: invitation.tenant_id, actorUserId: user.id, action: 'invitation.accepted', targetType: 'invitation', targetId: invitation.id, details: { signInMethod: input.signInMethod } })
    return { tenantId: invitation.tenant_id, userId: user.id, kind: user.kind as 'staff' | 'partner', partnerId: user.partner_id }
  })
}

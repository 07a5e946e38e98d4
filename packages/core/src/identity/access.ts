import { sql, type TenantTransaction } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreContext, PartnerRole } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requirePartner, requireStaff, withPartnerScopeLifted } from '../scope.js'
import { parseInput, uuid } from '../validation.js'

/**
 * Deactivating and reactivating people. A deactivated account keeps its
 * history (registrations, audit entries, receipts) but cannot sign in by any
 * path, and everything that could still let it in is retired at once: its
 * sessions, its unused one-time links (sign-in, reset, verification) and any
 * pending invitation to its address. Invitations it sent stay valid: they
 * were the workspace's decision, not the person's.
 */

export const userIdInput = z.object({ userId: uuid })

export const DEACTIVATED_MESSAGE = 'This account has been deactivated; ask your administrator.'
const LAST_OWNER_MESSAGE = 'The workspace needs at least one active owner. Make someone else owner first.'

/** The database trigger that keeps an active owner in every workspace (see the access-revocation migration). */
export function isLastActiveOwnerViolation(error: unknown): boolean {
  const pgError = error as { code?: string; constraint?: string } | null
  return pgError?.code === '23514' && pgError.constraint === 'users_last_active_owner'
}

/** Rethrows the last-owner trigger as a field message on `field`; anything else unchanged. */
export function lastOwnerRefusal(error: unknown, field: string): never {
  if (isLastActiveOwnerViolation(error)) throw AppError.validation({ [field]: [LAST_OWNER_MESSAGE] }, LAST_OWNER_MESSAGE)
  throw error
}

/** End every way back in for a user: sessions, unused one-time links, pending invitations to their address. */
async function retireAccess(trx: TenantTransaction, input: { userId: string; kind: 'staff' | 'partner'; email: string; now: Date }) {
  const sessions = await trx.deleteFrom('sessions').where('user_id', '=', input.userId).returning('id').execute()
  const tokens = await trx.updateTable('auth_tokens').set({ used_at: input.now }).where('user_id', '=', input.userId).where('used_at', 'is', null).returning('id').execute()
  const invitations = await trx
    .updateTable('invitations')
    .set({ revoked_at: input.now })
    .where('kind', '=', input.kind)
    .where('email', '=', input.email)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute()
  return { sessionsEnded: sessions.length, linksRetired: tokens.length, invitationsRetired: invitations.length }
}

/**
 * Serialise changes that could take away a workspace's owner (role changes,
 * deactivations): the same lock the database trigger takes, taken first, so
 * concurrent requests queue instead of deadlocking on each other's rows.
 */
export async function lockWorkspaceOwners(trx: TenantTransaction, tenantId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`accord.active-owners.${tenantId}`}, 0))`.execute(trx)
}

async function activeOwnerCount(trx: TenantTransaction): Promise<number> {
  const row = await trx
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('kind', '=', 'staff')
    .where('staff_role', '=', 'owner')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/**
 * Owners and admins deactivate team members; only an owner deactivates an
 * owner, and never the workspace's last active owner (the database refuses
 * that too, so two owners deactivating each other at once cannot both win).
 */
export async function deactivateStaffMember(ctx: CoreContext, rawInput: z.input<typeof userIdInput>) {
  requireStaff(ctx, 'staff.deactivate')
  const input = parseInput(userIdInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    await lockWorkspaceOwners(trx, actor.tenantId)
    const member = await trx.selectFrom('users').select(['id', 'email', 'staff_role', 'status']).where('kind', '=', 'staff').where('id', '=', input.userId).forNoKeyUpdate().executeTakeFirst()
    if (!member) throw AppError.notFound('This team member')
    if (member.staff_role === 'owner' && actor.role !== 'owner') throw new AppError('FORBIDDEN', 'Only an owner can deactivate an owner.')
    if (member.status !== 'active') return { userId: member.id, status: 'disabled' as const }
    if (member.staff_role === 'owner' && (await activeOwnerCount(trx)) <= 1) throw AppError.validation({ userId: [LAST_OWNER_MESSAGE] }, LAST_OWNER_MESSAGE)
    const now = ctx.now()
    await trx
      .updateTable('users')
      .set({ status: 'disabled', deactivated_at: now, deactivated_by_user_id: actor.userId, deactivated_by_kind: 'staff', updated_at: now })
      .where('id', '=', member.id)
      .execute()
      .catch((error: unknown) => lastOwnerRefusal(error, 'userId'))
    const retired = await retireAccess(trx, { userId: member.id, kind: 'staff', email: member.email, now })
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'staff.deactivated', targetType: 'user', targetId: member.id, details: { email: member.email, role: member.staff_role, ...retired } })
    return { userId: member.id, status: 'disabled' as const }
  })
}

export async function reactivateStaffMember(ctx: CoreContext, rawInput: z.input<typeof userIdInput>) {
  requireStaff(ctx, 'staff.deactivate')
  const input = parseInput(userIdInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const member = await trx.selectFrom('users').select(['id', 'email', 'staff_role', 'status']).where('kind', '=', 'staff').where('id', '=', input.userId).forNoKeyUpdate().executeTakeFirst()
    if (!member) throw AppError.notFound('This team member')
    if (member.staff_role === 'owner' && actor.role !== 'owner') throw new AppError('FORBIDDEN', 'Only an owner can reactivate an owner.')
    if (member.status === 'active') return { userId: member.id, status: 'active' as const }
    const now = ctx.now()
    await trx.updateTable('users').set({ status: 'active', deactivated_at: null, deactivated_by_user_id: null, deactivated_by_kind: null, updated_at: now }).where('id', '=', member.id).execute()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'staff.reactivated', targetType: 'user', targetId: member.id, details: { email: member.email, role: member.staff_role } })
    return { userId: member.id, status: 'active' as const }
  })
}

/**
 * Who may change a partner user's access: staff who manage partners (any
 * organisation of the workspace), or a partner admin within their own
 * organisation (row-level security narrows what they can even see).
 */
function requirePartnerAccessManager(ctx: CoreContext): 'staff' | 'partner' {
  if (ctx.actor.kind === 'staff') {
    requireStaff(ctx, 'partners.manage')
    return 'staff'
  }
  requirePartner(ctx)
  if (ctx.actor.role !== 'partner_admin') throw new AppError('FORBIDDEN', 'Only your organisation’s partner admin can deactivate or reactivate people.')
  return 'partner'
}

function actingUserId(ctx: CoreContext): string {
  const actor = ctx.actor
  if (actor.kind !== 'staff' && actor.kind !== 'partner') throw new AppError('UNAUTHENTICATED', 'Please sign in.')
  return actor.userId
}

export async function deactivatePartnerUser(ctx: CoreContext, rawInput: z.input<typeof userIdInput>) {
  const side = requirePartnerAccessManager(ctx)
  const input = parseInput(userIdInput, rawInput)
  const actorUserId = actingUserId(ctx)
  const tenantId = (ctx.actor as { tenantId: string }).tenantId
  return inActorScope(ctx, async (trx) => {
    const person = await trx.selectFrom('users').select(['id', 'email', 'partner_id', 'partner_role', 'status']).where('kind', '=', 'partner').where('id', '=', input.userId).forNoKeyUpdate().executeTakeFirst()
    if (!person?.partner_id) throw AppError.notFound('This person')
    if (person.status !== 'active') return { userId: person.id, status: 'disabled' as const }
    if (side === 'partner' && person.id === actorUserId) {
      // Serialise self-deactivations of one organisation's admins, then count the others.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`accord.partner-admins.${person.partner_id}`}, 0))`.execute(trx)
      const otherAdmins = await trx
        .selectFrom('users')
        .select('id')
        .where('partner_id', '=', person.partner_id)
        .where('partner_role', '=', 'partner_admin')
        .where('status', '=', 'active')
        .where('id', '!=', person.id)
        .executeTakeFirst()
      if (!otherAdmins) {
        throw AppError.validation({ userId: ['You are your organisation’s only active partner admin. Ask your partner manager, or make a colleague partner admin first.'] }, 'You are your organisation’s only active partner admin.')
      }
    }
    const now = ctx.now()
    await trx.updateTable('users').set({ status: 'disabled', deactivated_at: now, deactivated_by_user_id: actorUserId, deactivated_by_kind: side, updated_at: now }).where('id', '=', person.id).execute()
    // Sessions, one-time links and invitations are the vendor's rows, invisible to a partner scope: ended on the system side.
    const retire = () => retireAccess(trx, { userId: person.id, kind: 'partner', email: person.email, now })
    const retired = side === 'partner' ? await withPartnerScopeLifted(trx, person.partner_id, retire) : await retire()
    await recordAudit(trx, {
      tenantId,
      actorUserId,
      action: 'partner_user.deactivated',
      targetType: 'user',
      targetId: person.id,
      details: { email: person.email, partnerId: person.partner_id, role: person.partner_role, by: side === 'staff' ? 'staff' : 'partner_admin', ...retired },
    })
    return { userId: person.id, status: 'disabled' as const }
  })
}

export async function reactivatePartnerUser(ctx: CoreContext, rawInput: z.input<typeof userIdInput>) {
  const side = requirePartnerAccessManager(ctx)
  const input = parseInput(userIdInput, rawInput)
  const actorUserId = actingUserId(ctx)
  const tenantId = (ctx.actor as { tenantId: string }).tenantId
  return inActorScope(ctx, async (trx) => {
    const person = await trx.selectFrom('users').select(['id', 'email', 'partner_id', 'partner_role', 'status', 'deactivated_by_kind']).where('kind', '=', 'partner').where('id', '=', input.userId).forNoKeyUpdate().executeTakeFirst()
    if (!person?.partner_id) throw AppError.notFound('This person')
    if (person.status === 'active') return { userId: person.id, status: 'active' as const }
    // The vendor's decision stands until the vendor reverses it.
    if (side === 'partner' && person.deactivated_by_kind !== 'partner') {
      throw new AppError('FORBIDDEN', 'The vendor deactivated this account, so only they can reactivate it. Ask your partner manager.')
    }
    const now = ctx.now()
    await trx.updateTable('users').set({ status: 'active', deactivated_at: null, deactivated_by_user_id: null, deactivated_by_kind: null, updated_at: now }).where('id', '=', person.id).execute()
    await recordAudit(trx, {
      tenantId,
      actorUserId,
      action: 'partner_user.reactivated',
      targetType: 'user',
      targetId: person.id,
      details: { email: person.email, partnerId: person.partner_id, role: person.partner_role, by: side === 'staff' ? 'staff' : 'partner_admin' },
    })
    return { userId: person.id, status: 'active' as const }
  })
}

const partnerRoleWords: Record<PartnerRole, string> = { partner_admin: 'Partner admin', sales: 'Sales rep', finance: 'Finance' }

/**
 * The portal's Team page: the people of the signed-in user's own
 * organisation (row-level security keeps it to that one), with what the
 * viewer may do to each. Everyone may look; only partner admins act.
 */
export async function listOrganisationPeople(ctx: CoreContext) {
  requirePartner(ctx)
  const actor = ctx.actor
  const isAdmin = actor.role === 'partner_admin'
  return inActorScope(ctx, async (trx) => {
    const people = await trx
      .selectFrom('users')
      .select(['id', 'name', 'email', 'partner_role', 'status', 'last_login_at', 'deactivated_at', 'deactivated_by_kind'])
      .where('kind', '=', 'partner')
      .where('partner_id', '=', actor.partnerId)
      .orderBy('name')
      .orderBy('id')
      .execute()
    const activeAdmins = people.filter((person) => person.partner_role === 'partner_admin' && person.status === 'active').length
    return {
      canManage: isAdmin,
      people: people.map((person) => {
        const active = person.status === 'active'
        const isMe = person.id === actor.userId
        const onlyAdmin = isMe && person.partner_role === 'partner_admin' && activeAdmins <= 1
        return {
          id: person.id,
          name: person.name,
          email: person.email,
          role: person.partner_role ?? 'sales',
          roleLabel: partnerRoleWords[(person.partner_role ?? 'sales') as PartnerRole] ?? 'Partner user',
          active,
          isMe,
          lastSignInAt: person.last_login_at,
          deactivatedAt: person.deactivated_at,
          deactivatedByVendor: !active && person.deactivated_by_kind !== 'partner',
          canDeactivate: isAdmin && active && !onlyAdmin,
          canReactivate: isAdmin && !active && person.deactivated_by_kind === 'partner',
        }
      }),
    }
  })
}

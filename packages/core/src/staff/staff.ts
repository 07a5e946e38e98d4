import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import { type CoreContext, STAFF_ROLES } from '../context.js'
import { AppError } from '../errors.js'
import { lastOwnerRefusal, lockWorkspaceOwners } from '../identity/access.js'
import { inActorScope, requireStaff } from '../scope.js'
import { logoPath } from '../tenants/lookup.js'
import { parseInput, uuid } from '../validation.js'

/** The signed-in staff member and their workspace (admin layout). */
export async function getStaffSession(ctx: CoreContext) {
  requireStaff(ctx)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'name', 'email', 'staff_role', 'email_verified_at']).where('id', '=', actor.userId).executeTakeFirstOrThrow()
    const tenant = await trx.selectFrom('tenants').select(['id', 'slug', 'name', 'logo_key', 'primary_color']).executeTakeFirstOrThrow()
    return {
      user: { id: user.id, name: user.name, email: user.email, role: actor.role, emailVerified: user.email_verified_at !== null },
      workspace: { id: tenant.id, slug: tenant.slug, name: tenant.name, logoUrl: logoPath(tenant.slug, tenant.logo_key), primaryColor: tenant.primary_color },
    }
  })
}

export async function listStaff(ctx: CoreContext) {
  requireStaff(ctx, 'staff.view')
  return inActorScope(ctx, async (trx) => {
    const members = await trx
      .selectFrom('users')
      .select(['id', 'name', 'email', 'staff_role as role', 'status', 'last_login_at as lastLoginAt', 'email_verified_at as emailVerifiedAt', 'deactivated_at as deactivatedAt'])
      .where('kind', '=', 'staff')
      .orderBy('name')
      .execute()
    const invitations = await trx
      .selectFrom('invitations')
      .select(['id', 'email', 'name', 'staff_role as role', 'expires_at as expiresAt', 'created_at as createdAt'])
      .where('kind', '=', 'staff')
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute()
    const now = ctx.now()
    return { members, invitations: invitations.map((invitation) => ({ ...invitation, expired: invitation.expiresAt <= now })) }
  })
}

export const changeStaffRoleInput = z.object({ userId: uuid, role: z.enum(STAFF_ROLES, { errorMap: () => ({ message: 'Choose a role.' }) }) })

/** Owners change roles; the last owner cannot be demoted (someone must be able to manage the workspace). */
export async function changeStaffRole(ctx: CoreContext, rawInput: z.input<typeof changeStaffRoleInput>) {
  requireStaff(ctx, 'staff.manage')
  const input = parseInput(changeStaffRoleInput, rawInput)
  const actor = ctx.actor
  await inActorScope(ctx, async (trx) => {
    await lockWorkspaceOwners(trx, actor.tenantId)
    const member = await trx.selectFrom('users').select(['id', 'staff_role', 'status']).where('kind', '=', 'staff').where('id', '=', input.userId).forNoKeyUpdate().executeTakeFirst()
    if (!member) throw AppError.notFound('This team member')
    if (member.staff_role === 'owner' && input.role !== 'owner' && member.status === 'active') {
      const owners = await trx.selectFrom('users').select('id').where('kind', '=', 'staff').where('staff_role', '=', 'owner').where('status', '=', 'active').forUpdate().execute()
      if (owners.length <= 1) throw AppError.validation({ role: ['The workspace needs at least one owner. Make someone else owner first.'] })
    }
    // The database also refuses to leave no active owner (two owners demoting each other at once).
    await trx
      .updateTable('users')
      .set({ staff_role: input.role, updated_at: ctx.now() })
      .where('id', '=', input.userId)
      .execute()
      .catch((error: unknown) => lastOwnerRefusal(error, 'role'))
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'staff.role_changed', targetType: 'user', targetId: input.userId, details: { from: member.staff_role, to: input.role } })
  })
  return listStaff(ctx)
}

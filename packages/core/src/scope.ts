import { sql, type TenantTransaction, withTenant } from '@accord/db'
import type { CoreContext, PartnerContext, StaffContext } from './context.js'
import { AppError } from './errors.js'
import { type StaffPermission, staffCan } from './permissions.js'

/** Run in the acting user's RLS scope: tenant, and partner organisation for partner users. */
export function inActorScope<Result>(ctx: CoreContext, fn: (trx: TenantTransaction) => Promise<Result>): Promise<Result> {
  const actor = ctx.actor
  if (actor.kind === 'anonymous') throw new AppError('UNAUTHENTICATED', 'Please sign in.')
  return withTenant(ctx.db, { tenantId: actor.tenantId, partnerId: actor.kind === 'partner' ? actor.partnerId : null }, fn)
}

export function requireStaff(ctx: CoreContext, permission?: StaffPermission): asserts ctx is StaffContext {
  if (ctx.actor.kind !== 'staff') throw new AppError('UNAUTHENTICATED', 'Please sign in to the admin app.')
  if (permission && !staffCan(ctx.actor.role, permission)) {
    throw new AppError('FORBIDDEN', 'Your role does not allow this. Ask a workspace owner or admin.')
  }
}

export function requirePartner(ctx: CoreContext): asserts ctx is PartnerContext {
  if (ctx.actor.kind !== 'partner') throw new AppError('UNAUTHENTICATED', 'Please sign in to the partner portal.')
}

/**
 * Inside a partner-scoped transaction, run one vendor-side effect of the
 * partner's action (e.g. the deal's next step when the partner logs it) with
 * the partner narrowing lifted, then restore it. Core decides what `fn` does;
 * partners never write vendor rows directly.
 */
export async function withPartnerScopeLifted<Result>(trx: TenantTransaction, partnerId: string, fn: () => Promise<Result>): Promise<Result> {
  await sql`select set_config('app.partner_id', '', true)`.execute(trx)
  try {
    return await fn()
  } finally {
    await sql`select set_config('app.partner_id', ${partnerId}, true)`.execute(trx)
  }
}

import type { TenantTransaction } from '@accord/db'
import type { CoreContext } from '../context.js'
import { inActorScope, requireStaff } from '../scope.js'

export interface AuditEntry {
  tenantId: string
  actorUserId: string | null
  action: string
  targetType?: string
  targetId?: string
  details?: Record<string, unknown>
}

/** Append-only: the runtime role has no UPDATE or DELETE on audit_log. */
export async function recordAudit(trx: TenantTransaction, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      tenant_id: entry.tenantId,
      actor_user_id: entry.actorUserId,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute()
}

export async function listAuditLog(ctx: CoreContext, input: { limit?: number } = {}) {
  requireStaff(ctx, 'audit.view')
  return inActorScope(ctx, (trx) =>
    trx
      .selectFrom('audit_log as a')
      .leftJoin('users as u', (join) => join.onRef('u.tenant_id', '=', 'a.tenant_id').onRef('u.id', '=', 'a.actor_user_id'))
      .select(['a.id', 'a.action', 'a.target_type', 'a.target_id', 'a.details', 'a.created_at', 'u.name as actor_name', 'u.email as actor_email'])
      .orderBy('a.created_at', 'desc')
      .limit(Math.min(input.limit ?? 100, 500))
      .execute(),
  )
}

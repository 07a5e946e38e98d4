import { sql, type Transaction } from 'kysely'
import type { Database } from './client.js'
import type { DB } from './schema.js'

export type TenantTransaction = Transaction<DB>

export interface TenantScope {
  tenantId: string
  /** Set for partner users: RLS then narrows partner-owned rows to this organisation. */
  partnerId?: string | null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}

export class InvalidTenantScopeError extends Error {}

/**
 * Run `fn` in a transaction whose row-level-security scope is the tenant (and
 * partner). Outside of this nothing tenant-owned is visible at all, because
 * the policies compare against a setting that is otherwise empty.
 */
export async function withTenant<Result>(
  db: Database,
  scope: TenantScope,
  fn: (trx: TenantTransaction) => Promise<Result>,
): Promise<Result> {
  if (!isUuid(scope.tenantId)) throw new InvalidTenantScopeError('tenantId must be a uuid')
  if (scope.partnerId != null && !isUuid(scope.partnerId)) throw new InvalidTenantScopeError('partnerId must be a uuid')
  // BEGIN and the scope go out as one simple-protocol message (one round trip
  // instead of two). Inlining is safe: both values were just checked to be UUIDs.
  const opening = sql.raw(`begin; select set_config('app.tenant_id', '${scope.tenantId}', true), set_config('app.partner_id', '${scope.partnerId ?? ''}', true)`)
  return db.connection().execute(async (connection) => {
    await opening.execute(connection)
    let result: Result
    try {
      // A Kysely bound to the one connection inside our own BEGIN/COMMIT; it
      // offers the same query builder as a Transaction (nested transactions are not used).
      result = await fn(connection as unknown as TenantTransaction)
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined)
      throw error
    }
    await sql`commit`.execute(connection)
    return result
  })
}

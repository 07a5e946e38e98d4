import { sql } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDeps, type TestDeps } from './testing/test-context.js'

let deps: TestDeps
beforeAll(async () => {
  deps = await createTestDeps()
})
afterAll(async () => {
  await deps.close()
})

describe('tenancy by construction (catalog)', () => {
  it('every table with a tenant_id column has row-level security enabled and forced, with a policy', async () => {
    const { rows } = await sql<{ table_name: string; rls: boolean; forced: boolean; policies: number }>`
      select c.relname as table_name, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
             (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname = 'public'
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
      order by 1
    `.execute(deps.ownerDb)
    expect(rows.length).toBeGreaterThanOrEqual(8)
    const unprotected = rows.filter((row) => !row.rls || !row.forced || row.policies === 0).map((row) => row.table_name)
    expect(unprotected).toEqual([])
  })

  it('every tenant table puts tenant_id first in its primary key', async () => {
    const { rows } = await sql<{ table_name: string; first_column: string }>`
      select c.relname as table_name, a.attname as first_column
      from pg_index i
      join pg_class c on c.oid = i.indrelid
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
      where i.indisprimary and n.nspname = 'public'
        and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id')
    `.execute(deps.ownerDb)
    expect(rows.filter((row) => row.first_column !== 'tenant_id')).toEqual([])
  })

  it('the runtime role owns nothing, is no superuser and cannot bypass RLS', async () => {
    const { rows } = await sql<{ rolsuper: boolean; rolbypassrls: boolean; owned: number }>`
      select r.rolsuper, r.rolbypassrls,
             (select count(*)::int from pg_class c where c.relowner = r.oid) as owned
      from pg_roles r where r.rolname = 'accord_app'
    `.execute(deps.ownerDb)
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: 0 }])
  })

  it('outside withTenant the runtime role sees no tenant rows at all', async () => {
    await sql`insert into tenants (id, slug, name) values (gen_random_uuid(), ${`probe-${Date.now()}`}, 'Probe')`.execute(deps.ownerDb)
    const tenants = await deps.db.selectFrom('tenants').select('id').execute()
    const users = await deps.db.selectFrom('users').select('id').execute()
    expect(tenants).toEqual([])
    expect(users).toEqual([])
  })

  it('session_with_user scopes only its own statement and only to the given tenant', async () => {
    const { createSessionManager } = await import('@accord/auth')
    const { createVendor } = await import('./testing/factories.js')
    const vendorA = await createVendor(deps)
    const vendorB = await createVendor(deps)
    const sessions = createSessionManager({ db: deps.db, cookieName: 'probe', secureCookies: false })
    const { sessionId } = await sessions.create({ tenantId: vendorB.tenantId, userId: vendorB.ownerId })
    const asA = await sql`select * from session_with_user(${vendorA.tenantId}::uuid, ${sessionId})`.execute(deps.db)
    expect(asA.rows).toEqual([])
    const asB = await sql<{ user_id: string }>`select * from session_with_user(${vendorB.tenantId}::uuid, ${sessionId})`.execute(deps.db)
    expect(asB.rows.map((row) => row.user_id)).toEqual([vendorB.ownerId])
    // The scope ended with the statement: the next statement sees nothing tenant-owned.
    expect(await deps.db.selectFrom('users').select('id').execute()).toEqual([])
    expect((await sessions.validate(sessionId))?.user.id).toBe(vendorB.ownerId)
  })

  it('the runtime role cannot rewrite the audit log', async () => {
    await expect(sql`delete from audit_log`.execute(deps.db)).rejects.toThrow(/permission denied/)
  })
})

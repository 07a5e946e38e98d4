import { type Kysely, sql } from 'kysely'

/**
 * A partner scope may record views and downloads only of resources it can
 * see. Foreign keys ignore RLS, so the original check (own partner id) let a
 * partner scope insert events for drafts or other tiers' resources; core
 * never did, but RLS should not rely on that. The subquery runs under the
 * `resources` policies, so "exists" means "visible to this scope".
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    drop policy tenant_isolation on resource_events;
    create policy tenant_isolation on resource_events
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or partner_id = app_partner_id())
        and exists (select 1 from resources r where r.tenant_id = resource_events.tenant_id and r.id = resource_events.resource_id)
      );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop policy tenant_isolation on resource_events;
    create policy tenant_isolation on resource_events
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));
  `.execute(db)
}

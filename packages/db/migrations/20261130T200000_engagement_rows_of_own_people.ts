import { type Kysely, sql } from 'kysely'

/**
 * Engagement rows written by a partner scope (resource views and downloads,
 * programme page reads) must name a person of that partner organisation.
 * The checks so far tied the row to the partner id only, so code running in
 * partner A's scope could have recorded (or inflated) reads in the name of
 * anyone; core never did, and RLS should not rely on that. Users are read
 * under their own policies (a partner scope sees its own organisation's people).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    drop policy tenant_isolation on programme_page_reads;
    create policy tenant_isolation on programme_page_reads
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or partner_id = app_partner_id())
        and exists (select 1 from programme_pages p where p.tenant_id = programme_page_reads.tenant_id and p.id = programme_page_reads.page_id)
        and exists (select 1 from users u where u.tenant_id = programme_page_reads.tenant_id and u.id = programme_page_reads.user_id and u.partner_id = programme_page_reads.partner_id)
      );

    drop policy tenant_isolation on resource_events;
    create policy tenant_isolation on resource_events
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or partner_id = app_partner_id())
        and exists (select 1 from resources r where r.tenant_id = resource_events.tenant_id and r.id = resource_events.resource_id)
        and exists (select 1 from users u where u.tenant_id = resource_events.tenant_id and u.id = resource_events.user_id and u.partner_id = resource_events.partner_id)
      );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop policy tenant_isolation on programme_page_reads;
    create policy tenant_isolation on programme_page_reads
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or partner_id = app_partner_id())
        and exists (select 1 from programme_pages p where p.tenant_id = programme_page_reads.tenant_id and p.id = programme_page_reads.page_id)
      );
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

import { type Kysely, sql } from 'kysely'

/**
 * Announcements had one FOR ALL policy whose WITH CHECK refused partner
 * writes; but WITH CHECK does not apply to DELETE, so a partner scope could
 * have deleted an announcement it can read (core never does; RLS should not
 * depend on that). Split into staff-all and partner-read, as the resource
 * library and programme pages do.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    drop policy tenant_isolation on announcements;
    create policy staff_all on announcements
      using (tenant_id = app_tenant_id() and app_partner_id() is null)
      with check (tenant_id = app_tenant_id() and app_partner_id() is null);
    create policy partner_read on announcements for select
      using (
        tenant_id = app_tenant_id()
        and status = 'published'
        and exists (
          select 1 from announcement_receipts r
          where r.tenant_id = announcements.tenant_id and r.announcement_id = announcements.id and r.partner_id = app_partner_id()
        )
      );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop policy partner_read on announcements;
    drop policy staff_all on announcements;
    create policy tenant_isolation on announcements
      using (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or (status = 'published' and exists (
          select 1 from announcement_receipts r
          where r.tenant_id = announcements.tenant_id and r.announcement_id = announcements.id and r.partner_id = app_partner_id()
        )))
      )
      with check (tenant_id = app_tenant_id() and app_partner_id() is null);
  `.execute(db)
}

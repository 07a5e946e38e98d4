import { type Kysely, sql } from 'kysely'

/**
 * Who has read which programme rules page (issue 5): one row per person and
 * page, with the first and latest read and a count. Lights up the portal's
 * "Read the programme rules" first step and is engagement data for later
 * analytics. Written by the partner's own scope when a published page is
 * opened; RLS as for other partner rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table programme_page_reads (
      tenant_id uuid not null references tenants (id) on delete cascade,
      page_id uuid not null,
      user_id uuid not null,
      partner_id uuid not null,
      first_read_at timestamptz not null default now(),
      last_read_at timestamptz not null default now(),
      reads integer not null default 1 check (reads > 0),
      primary key (tenant_id, page_id, user_id),
      foreign key (tenant_id, page_id) references programme_pages (tenant_id, id) on delete cascade,
      foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade
    );
    create index programme_page_reads_user_idx on programme_page_reads (tenant_id, user_id);
    alter table programme_page_reads enable row level security;
    alter table programme_page_reads force row level security;
    create policy tenant_isolation on programme_page_reads
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or partner_id = app_partner_id())
        -- Only pages this scope can read (published, for partners).
        and exists (select 1 from programme_pages p where p.tenant_id = programme_page_reads.tenant_id and p.id = programme_page_reads.page_id)
      );
    grant select, insert, update on programme_page_reads to accord_app;
    revoke delete on programme_page_reads from accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists programme_page_reads cascade`.execute(db)
}

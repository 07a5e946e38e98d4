import { type Kysely, sql } from 'kysely'

/**
 * Programme rules pages (issue 5): rich-text pages staff write about the
 * partner programme (conflict policy, territories, price bands …) and
 * publish to the portal, where every partner of the tenant can read them.
 *
 * Partners (app_partner_id() set) only ever SELECT published pages; all
 * writes are staff-only, enforced here by RLS as well as in core.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table programme_pages (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 60),
      title text not null check (length(title) between 1 and 120),
      body_html text not null default '',
      body_text text not null default '',
      status text not null default 'draft' check (status in ('draft', 'published')),
      position integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      published_at timestamptz,
      updated_by_user_id uuid,
      primary key (tenant_id, id),
      constraint programme_pages_slug_key unique (tenant_id, slug),
      foreign key (tenant_id, updated_by_user_id) references users (tenant_id, id),
      check (status <> 'published' or published_at is not null)
    );
    create index programme_pages_position_idx on programme_pages (tenant_id, position, created_at);
  `.execute(db)
  await sql`
    alter table programme_pages enable row level security;
    alter table programme_pages force row level security;
    -- Reading: staff see the whole tenant, partners its published pages.
    create policy tenant_isolation on programme_pages for select
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or status = 'published'));
    -- Writing (insert, update and delete): staff only. A separate policy, because a single
    -- policy's WITH CHECK does not apply to DELETE: partners would delete what they can read.
    create policy staff_writes on programme_pages for all
      using (tenant_id = app_tenant_id() and app_partner_id() is null)
      with check (tenant_id = app_tenant_id() and app_partner_id() is null);
    grant select, insert, update, delete on programme_pages to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists programme_pages cascade`.execute(db)
}

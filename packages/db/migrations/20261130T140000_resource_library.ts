import { type Kysely, sql } from 'kysely'

/**
 * Resource library (issue 5): enablement files and links that partners
 * browse, search, preview and download.
 *
 * - Files live in the storage interface (`file_key`); the row keeps the
 *   sniffed type, size and the text the worker extracts, which feeds the
 *   generated `search` vector (title > description > tags > file text).
 * - Visibility is enforced by RLS, not only by queries: a partner scope
 *   reads published resources whose tier and motion lists are empty or
 *   include the partner organisation's tier and motion. The motion of a
 *   partner type mirrors `motionForPartnerType` in core (a test compares
 *   them).
 * - `resource_events` is append-only (views, downloads, link opens):
 *   engagement signal per partner and user. Partners insert their own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function motion_of_partner_type(partner_type text) returns text
      language sql immutable parallel safe
      return case partner_type
        when 'referral' then 'referral'
        when 'marketplace' then 'marketplace'
        when 'services' then 'services'
        when 'technology' then 'technology'
        else 'reseller'
      end;
    grant execute on function motion_of_partner_type(text) to accord_app;

    -- array_to_string is only STABLE in general (element output functions); for text[] it is immutable,
    -- which a generated column needs.
    create function resource_tags_text(tags text[]) returns text
      language sql immutable parallel safe
      return array_to_string(tags, ' ');

    create table resources (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      kind text not null check (kind in ('file', 'link')),
      title text not null check (length(title) between 1 and 200),
      description text not null default '' check (length(description) <= 2000),
      content_type text not null check (content_type in (
        'battle_card', 'demo_script', 'objection_handling', 'price_guide',
        'case_study', 'roi_one_pager', 'sow_checklist', 'integration_deck'
      )),
      motions text[] not null default '{}',
      industries text[] not null default '{}',
      use_cases text[] not null default '{}',
      -- Empty means every tier / every motion.
      visible_tiers text[] not null default '{}',
      visible_motions text[] not null default '{}',
      status text not null default 'published' check (status in ('draft', 'published', 'archived')),
      url text check (url is null or url ~ '^https?://'),
      file_key text,
      file_name text,
      file_mime text,
      file_bytes integer check (file_bytes is null or file_bytes > 0),
      extraction_status text not null default 'none' check (extraction_status in ('none', 'pending', 'done', 'failed')),
      extraction_error text,
      extracted_text text not null default '',
      search tsvector generated always as (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', description), 'B')
        || setweight(to_tsvector('english', resource_tags_text(industries || use_cases)), 'B')
        || setweight(to_tsvector('english', left(extracted_text, 200000)), 'C')
      ) stored,
      created_by_user_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      published_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, created_by_user_id) references users (tenant_id, id),
      check ((kind = 'file') = (file_key is not null and file_mime is not null and file_bytes is not null)),
      check ((kind = 'link') = (url is not null))
    );
    create index resources_search_idx on resources using gin (search);
    create index resources_listing_idx on resources (tenant_id, status, published_at desc);

    alter table resources enable row level security;
    alter table resources force row level security;
    -- Two permissive policies: staff (no partner in scope) do everything; a partner scope only reads.
    -- A single FOR ALL policy would let a partner DELETE rows it can see (WITH CHECK covers no deletes).
    create policy staff_all on resources
      using (tenant_id = app_tenant_id() and app_partner_id() is null)
      with check (tenant_id = app_tenant_id() and app_partner_id() is null);
    create policy partner_read on resources for select
      using (
        tenant_id = app_tenant_id()
        and status = 'published'
        and exists (
          select 1 from partner_organisations p
          where p.tenant_id = resources.tenant_id and p.id = app_partner_id()
            and (cardinality(resources.visible_tiers) = 0 or p.tier = any (resources.visible_tiers))
            and (cardinality(resources.visible_motions) = 0 or motion_of_partner_type(p.type) = any (resources.visible_motions))
        )
      );
    grant select, insert, update, delete on resources to accord_app;

    create table resource_events (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      resource_id uuid not null,
      partner_id uuid not null,
      user_id uuid not null,
      kind text not null check (kind in ('view', 'download', 'open_link')),
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      foreign key (tenant_id, resource_id) references resources (tenant_id, id) on delete cascade,
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade,
      foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
    );
    create index resource_events_resource_idx on resource_events (tenant_id, resource_id, created_at);
    create index resource_events_partner_idx on resource_events (tenant_id, partner_id, created_at);
    alter table resource_events enable row level security;
    alter table resource_events force row level security;
    create policy tenant_isolation on resource_events
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));
    grant select, insert on resource_events to accord_app;
    revoke update, delete on resource_events from accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists resource_events cascade;
    drop table if exists resources cascade;
    drop function if exists motion_of_partner_type(text);
    drop function if exists resource_tags_text(text[]);
  `.execute(db)
}

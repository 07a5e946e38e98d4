import { type Kysely, sql } from 'kysely'

/**
 * Registration without a login (issue 3): a revocable public link per
 * partner organisation (only a hash of its secret is stored), and a record of
 * every inbound registration e-mail, so a message delivered twice is
 * processed once and every reply can be traced.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table registration_links (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      partner_id uuid not null,
      token_hash text not null,
      created_by_user_id uuid,
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      last_used_at timestamptz,
      submissions integer not null default 0,
      primary key (tenant_id, id),
      unique (tenant_id, token_hash),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade,
      foreign key (tenant_id, created_by_user_id) references users (tenant_id, id)
    );
    create index registration_links_partner_idx on registration_links (tenant_id, partner_id) where revoked_at is null;

    create table inbound_emails (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      message_key text not null,
      from_email text,
      subject text not null,
      outcome text not null check (outcome in ('registered', 'missing_fields', 'invalid_fields', 'unknown_sender', 'not_allowed')),
      detail text,
      partner_id uuid,
      registration_id uuid,
      received_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, message_key),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id),
      foreign key (tenant_id, registration_id) references registrations (tenant_id, id)
    );
  `.execute(db)
  await sql`
    alter table registration_links enable row level security;
    alter table registration_links force row level security;
    create policy tenant_isolation on registration_links
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));
    alter table inbound_emails enable row level security;
    alter table inbound_emails force row level security;
    create policy tenant_isolation on inbound_emails
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));
    grant select, insert, update, delete on registration_links, inbound_emails to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists inbound_emails, registration_links cascade`.execute(db)
}

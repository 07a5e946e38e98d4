import { type Kysely, sql } from 'kysely'

/**
 * Foundation schema: tenants, users, sessions, partner organisations,
 * invitations, one-time auth tokens, audit log, e-mail outbox, job progress,
 * plus two global helper tables (rate limits, dev mailbox).
 *
 * Tenancy rules (docs/decisions/001-tenancy-and-rls.md):
 * - every tenant-owned table has tenant_id first in its primary key and in its
 *   foreign keys, RLS enabled and FORCEd, policy on app.tenant_id;
 * - tables with a partner column are also narrowed to app.partner_id when a
 *   partner user's transaction sets it;
 * - the runtime role accord_app owns nothing and has no BYPASSRLS.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'accord_app') then
        create role accord_app login nobypassrls;
      end if;
    end $$;
  `.execute(db)

  await sql`
    create extension if not exists pg_trgm;

    create function app_tenant_id() returns uuid
      language sql stable parallel safe
      as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

    create function app_partner_id() returns uuid
      language sql stable parallel safe
      as $$ select nullif(current_setting('app.partner_id', true), '')::uuid $$;

    create table tenants (
      id uuid primary key default gen_random_uuid(),
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'),
      name text not null check (length(name) between 1 and 120),
      status text not null default 'active' check (status in ('active', 'suspended')),
      portal_name text,
      logo_key text,
      primary_color text not null default '#2563eb' check (primary_color ~ '^#[0-9a-fA-F]{6}$'),
      support_email text,
      settings jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table partner_organisations (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      type text not null check (type in ('reseller', 'referral', 'distributor', 'services', 'technology', 'marketplace')),
      region text,
      website text,
      email_domains text[] not null default '{}',
      status text not null default 'active' check (status in ('active', 'archived')),
      archived_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id)
    );
    create index partner_organisations_name_idx on partner_organisations (tenant_id, lower(name));

    create table users (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      kind text not null check (kind in ('staff', 'partner')),
      email text not null check (email = lower(email) and length(email) between 3 and 254),
      name text not null check (length(name) between 1 and 200),
      staff_role text check (staff_role in ('owner', 'admin', 'partner_manager', 'finance', 'viewer')),
      partner_id uuid,
      partner_role text check (partner_role in ('partner_admin', 'sales', 'finance')),
      password_hash text,
      email_verified_at timestamptz,
      status text not null default 'active' check (status in ('active', 'disabled')),
      last_login_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id),
      check (
        (kind = 'staff' and staff_role is not null and partner_id is null and partner_role is null)
        or (kind = 'partner' and staff_role is null and partner_id is not null and partner_role is not null)
      )
    );
    create unique index users_email_uq on users (tenant_id, kind, email);
    create index users_partner_idx on users (tenant_id, partner_id);

    create table sessions (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id text not null,
      user_id uuid not null,
      expires_at timestamptz not null,
      ip text,
      user_agent text,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
    );
    create index sessions_user_idx on sessions (tenant_id, user_id);

    create table invitations (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      kind text not null check (kind in ('staff', 'partner')),
      email text not null check (email = lower(email)),
      name text,
      staff_role text check (staff_role in ('admin', 'partner_manager', 'finance', 'viewer', 'owner')),
      partner_id uuid,
      partner_role text check (partner_role in ('partner_admin', 'sales', 'finance')),
      token_hash text not null,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_user_id uuid,
      revoked_at timestamptz,
      invited_by_user_id uuid,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, token_hash),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id),
      foreign key (tenant_id, invited_by_user_id) references users (tenant_id, id),
      foreign key (tenant_id, accepted_user_id) references users (tenant_id, id),
      check (
        (kind = 'staff' and staff_role is not null and partner_id is null)
        or (kind = 'partner' and partner_id is not null and partner_role is not null)
      )
    );
    create index invitations_partner_idx on invitations (tenant_id, partner_id);

    create table auth_tokens (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      user_id uuid not null,
      purpose text not null check (purpose in ('verify_email', 'password_reset', 'magic_link')),
      token_hash text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, token_hash),
      foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
    );

    create table audit_log (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      actor_user_id uuid,
      action text not null,
      target_type text,
      target_id text,
      details jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id)
    );
    create index audit_log_recent_idx on audit_log (tenant_id, created_at desc);

    create table email_outbox (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      template text not null,
      to_email text not null,
      from_email text not null,
      reply_to text,
      subject text not null,
      html text not null,
      text text not null,
      status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
      transport text,
      provider_message_id text,
      attempts integer not null default 0,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id)
    );
    create index email_outbox_recent_idx on email_outbox (tenant_id, created_at desc);

    create table job_progress (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      kind text not null,
      status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
      total integer not null default 0,
      done integer not null default 0,
      message text,
      result jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id)
    );

    -- Global: keyed by IP or by tenant+account; no tenant data beyond a counter.
    create table rate_limit_buckets (
      key text primary key,
      hits integer not null,
      window_started_at timestamptz not null
    );

    -- Global dev-only sink standing in for an SMTP catcher; filled only when
    -- no e-mail provider is configured (docs/decisions/003-email-outbox.md).
    create table dev_mailbox_messages (
      id uuid primary key default gen_random_uuid(),
      outbox_id uuid not null unique,
      workspace_slug text not null,
      from_email text not null,
      to_email text not null,
      reply_to text,
      subject text not null,
      html text not null,
      text text not null,
      created_at timestamptz not null default now()
    );
  `.execute(db)

  // Tenant-owned tables: enable + force RLS; partner-scoped where a partner column exists.
  const tenantScoped = ['sessions', 'auth_tokens', 'audit_log', 'email_outbox', 'job_progress']
  const partnerScoped: Array<[table: string, partnerColumn: string]> = [
    ['partner_organisations', 'id'],
    ['users', 'partner_id'],
    ['invitations', 'partner_id'],
  ]
  for (const table of tenantScoped) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      alter table ${sql.table(table)} force row level security;
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_tenant_id())
        with check (tenant_id = app_tenant_id());
    `.execute(db)
  }
  for (const [table, partnerColumn] of partnerScoped) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      alter table ${sql.table(table)} force row level security;
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_tenant_id() and (app_partner_id() is null or ${sql.ref(partnerColumn)} = app_partner_id()))
        with check (tenant_id = app_tenant_id() and (app_partner_id() is null or ${sql.ref(partnerColumn)} = app_partner_id()));
    `.execute(db)
  }

  // tenants: each tenant reads and writes only its own row; it is not FORCEd so
  // the owner-defined lookup function below can resolve a slug before any
  // tenant is known (portal host, sign-up availability, login).
  await sql`
    alter table tenants enable row level security;
    create policy tenant_self on tenants
      using (id = app_tenant_id())
      with check (id = app_tenant_id());

    create function tenant_by_slug(p_slug text)
      returns table (id uuid, slug text, name text, status text, portal_name text, logo_key text, primary_color text, support_email text)
      language sql stable security definer set search_path = public
      as $$
        select t.id, t.slug, t.name, t.status, t.portal_name, t.logo_key, t.primary_color, t.support_email
        from tenants t where t.slug = lower(p_slug)
      $$;
    revoke all on function tenant_by_slug(text) from public;
  `.execute(db)

  await sql`
    grant usage on schema public to accord_app;
    grant select, insert, update, delete on all tables in schema public to accord_app;
    revoke update, delete on audit_log from accord_app;
    grant execute on function tenant_by_slug(text), app_tenant_id(), app_partner_id() to accord_app;
    alter default privileges in schema public grant select, insert, update, delete on tables to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists dev_mailbox_messages, rate_limit_buckets, job_progress, email_outbox, audit_log,
      auth_tokens, invitations, sessions, users, partner_organisations, tenants cascade;
    drop function if exists tenant_by_slug(text);
    drop function if exists app_tenant_id();
    drop function if exists app_partner_id();
  `.execute(db)
}

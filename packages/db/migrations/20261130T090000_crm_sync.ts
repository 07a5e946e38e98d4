import { type Kysely, sql } from 'kysely'

/**
 * CRM sync (issue 4): one connection per tenant (credentials encrypted by the
 * app before they get here), the external-id map with per-record sync state,
 * and the sync log.
 *
 * - crm_connections keeps its row on disconnect (status 'disconnected'), and
 *   crm_records is keyed by provider, so disconnecting and reconnecting never
 *   loses the map — every later write is still an upsert of the same record.
 * - Partner users never see any of it: the policies require an empty
 *   app.partner_id (staff and the worker only).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table crm_connections (
      tenant_id uuid not null references tenants (id) on delete cascade,
      provider text not null check (provider in ('hubspot', 'salesforce')),
      status text not null default 'connected' check (status in ('connected', 'disconnected', 'error')),
      credentials_ciphertext text not null,
      -- Secret in the optional webhook URL (encrypted like the credentials, so staff can copy the URL again).
      webhook_secret_ciphertext text,
      account_label text,
      attribution_mode text not null default 'deal_property'
        check (attribution_mode in ('deal_property', 'company_association', 'partner_object')),
      field_mapping jsonb not null default '{}'::jsonb,
      stage_mapping jsonb not null default '{}'::jsonb,
      schema_ready_at timestamptz,
      pull_cursor text,
      last_push_at timestamptz,
      last_pull_at timestamptz,
      last_error text,
      last_error_at timestamptz,
      rate_limited_until timestamptz,
      connected_at timestamptz not null default now(),
      connected_by_user_id uuid,
      disconnected_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id),
      foreign key (tenant_id, connected_by_user_id) references users (tenant_id, id)
    );

    -- The external-id map and per-record sync state. local_key is Accord's id
    -- (registration for deals, account for companies, partner organisation for
    -- partner records) or the e-mail for contacts.
    create table crm_records (
      tenant_id uuid not null references tenants (id) on delete cascade,
      provider text not null check (provider in ('hubspot', 'salesforce')),
      object_type text not null check (object_type in ('deal', 'company', 'contact', 'partner')),
      local_key text not null,
      external_id text,
      pushed_hash text,
      last_synced_at timestamptz,
      last_pulled_at timestamptz,
      last_error text,
      last_error_at timestamptz,
      failed_attempts integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, provider, object_type, local_key)
    );
    create unique index crm_records_external_key on crm_records (tenant_id, provider, object_type, external_id) where external_id is not null;
    create index crm_records_failed_idx on crm_records (tenant_id, provider, last_error_at) where last_error is not null;

    -- The sync log: one row per run, what it did, what it waited for, what failed.
    create table crm_sync_runs (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      provider text not null check (provider in ('hubspot', 'salesforce')),
      trigger text not null check (trigger in ('initial', 'scheduled', 'manual', 'change', 'webhook', 'retry')),
      status text not null default 'running' check (status in ('running', 'succeeded', 'partial', 'failed', 'rate_limited', 'skipped')),
      progress_id uuid,
      to_push integer not null default 0,
      pushed integer not null default 0,
      created integer not null default 0,
      failed integer not null default 0,
      pulled integer not null default 0,
      applied integer not null default 0,
      requests integer not null default 0,
      rate_limited integer not null default 0,
      rate_limit_wait_ms integer not null default 0,
      error text,
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, progress_id) references job_progress (tenant_id, id)
    );
    create index crm_sync_runs_recent_idx on crm_sync_runs (tenant_id, started_at desc);

    -- What the CRM says about a deal that Accord shows but does not own.
    alter table deals add column crm_stage text;
    alter table deals add column crm_synced_at timestamptz;
  `.execute(db)

  for (const table of ['crm_connections', 'crm_records', 'crm_sync_runs']) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      alter table ${sql.table(table)} force row level security;
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_tenant_id() and app_partner_id() is null)
        with check (tenant_id = app_tenant_id() and app_partner_id() is null);
    `.execute(db)
  }
  await sql`
    -- The sync sweep fans out per connected tenant; it learns tenant ids only.
    create function crm_connected_tenant_ids() returns setof uuid
      language sql stable security definer set search_path = public
      as $$ select tenant_id from crm_connections where status = 'connected' order by tenant_id $$;
    revoke all on function crm_connected_tenant_ids() from public;
    grant execute on function crm_connected_tenant_ids() to accord_app;

    grant select, insert, update, delete on crm_connections, crm_records, crm_sync_runs to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists crm_connected_tenant_ids();
    alter table deals drop column if exists crm_stage, drop column if exists crm_synced_at;
    drop table if exists crm_sync_runs, crm_records, crm_connections cascade;
  `.execute(db)
}

import { type Kysely, sql } from 'kysely'

/**
 * CSV bulk registration (issue 3): the uploaded file (kept in the database so
 * any worker can read it), the column mapping, the run's counts, and one
 * verdict per row. Partner-scoped like registrations: a partner sees only
 * their own organisation's imports.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table registration_imports (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      partner_id uuid not null,
      created_by_user_id uuid,
      created_by_kind text not null check (created_by_kind in ('staff', 'partner')),
      file_name text not null,
      file_bytes bytea not null,
      encoding text not null,
      delimiter text not null,
      headers text[] not null,
      row_count integer not null,
      mapping jsonb,
      consent_confirmed boolean not null default false,
      status text not null default 'draft' check (status in ('draft', 'queued', 'running', 'succeeded', 'failed')),
      progress_id uuid,
      accepted integer not null default 0,
      rejected integer not null default 0,
      conflicts integer not null default 0,
      error text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id),
      foreign key (tenant_id, created_by_user_id) references users (tenant_id, id),
      foreign key (tenant_id, progress_id) references job_progress (tenant_id, id)
    );
    -- A claim with a domain is fuzzy-matched only against live claims without one (conflict engine),
    -- so that lookup gets its own small trigram index instead of scanning every similar name.
    create index registrations_domainless_trgm_idx on registrations using gin (company_key gin_trgm_ops)
      where domain is null and status in ('submitted', 'under_review', 'info_requested', 'approved');

    create index registration_imports_partner_idx on registration_imports (tenant_id, partner_id, created_at desc);

    create table registration_import_rows (
      tenant_id uuid not null references tenants (id) on delete cascade,
      import_id uuid not null,
      line integer not null,
      partner_id uuid not null,
      verdict text not null check (verdict in ('accepted', 'rejected', 'conflict')),
      reason text not null,
      company_name text,
      registration_id uuid,
      primary key (tenant_id, import_id, line),
      foreign key (tenant_id, import_id) references registration_imports (tenant_id, id) on delete cascade,
      foreign key (tenant_id, registration_id) references registrations (tenant_id, id)
    );
  `.execute(db)
  for (const table of ['registration_imports', 'registration_import_rows']) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      alter table ${sql.table(table)} force row level security;
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
        with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));
    `.execute(db)
  }
  await sql`grant select, insert, update, delete on registration_imports, registration_import_rows to accord_app`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists registration_import_rows, registration_imports cascade;
    drop index if exists registrations_domainless_trgm_idx`.execute(db)
}

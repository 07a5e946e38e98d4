import { type Kysely, sql } from 'kysely'

/**
 * Lead and deal registration (issue 3): end-customer accounts, registrations
 * with their append-only event log, the built-in CRM's deals with partner
 * attribution, approval routes and territories, and per-tenant case numbers.
 *
 * Same tenancy rules as the foundation: tenant_id first in every key, RLS
 * enabled and FORCEd in this migration, partner-scoped where a partner column
 * exists. Deals have no partner column of their own: a partner sees a deal
 * through its attribution row (deal_partners).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table partner_organisations add column tier text not null default 'Registered' check (length(tier) between 1 and 40);

    create table accounts (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      name text not null,
      company_key text not null,
      domain text,
      region text,
      blocked boolean not null default false,
      blocked_reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id)
    );
    create unique index accounts_domain_key on accounts (tenant_id, domain) where domain is not null;
    create index accounts_company_key_idx on accounts (tenant_id, company_key);

    -- Case numbers people can quote ("R-1042"), counted per tenant without gaps from races.
    create table registration_counters (
      tenant_id uuid not null references tenants (id) on delete cascade,
      last_number integer not null default 0,
      primary key (tenant_id)
    );

    create table registrations (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      case_number integer not null,
      kind text not null check (kind in ('lead', 'deal')),
      source text not null check (source in ('portal', 'public_link', 'email', 'csv', 'admin')),
      partner_id uuid not null,
      submitted_by_user_id uuid,
      submitter_email text not null,
      account_id uuid not null,
      company_name text not null,
      company_key text not null,
      domain text,
      website text,
      contact_name text not null,
      contact_email text not null,
      contact_role text,
      problem text not null,
      stage_guess text not null,
      consent_at timestamptz not null,
      region text,
      target_revenue numeric(14, 2),
      product_interest text[] not null default '{}',
      competitors text,
      amount numeric(14, 2),
      currency text check (currency ~ '^[A-Z]{3}$'),
      expected_close date,
      deal_stage text,
      next_step text,
      co_sell_requested boolean not null default false,
      motion text not null check (motion in ('referral', 'reseller', 'marketplace', 'services', 'technology')),
      status text not null default 'submitted'
        check (status in ('submitted', 'under_review', 'info_requested', 'approved', 'rejected', 'won', 'lost', 'expired')),
      partner_verdict text not null check (partner_verdict in ('clear', 'possible_conflict', 'needs_review')),
      conflict_status text not null default 'none' check (conflict_status in ('none', 'at_risk', 'active')),
      conflict_notes text,
      deciding_rule text,
      approver_user_id uuid,
      sla_due_at timestamptz not null,
      sla_reminded_at timestamptz,
      sla_escalated_at timestamptz,
      decided_at timestamptz,
      decided_by_user_id uuid,
      rejection_reason text,
      info_request text,
      protection_starts_at timestamptz,
      protection_ends_at timestamptz,
      expiry_reminded_at timestamptz,
      extension_count integer not null default 0,
      extension_requested_at timestamptz,
      extension_request_note text,
      last_activity_at timestamptz not null default now(),
      idle_flagged_at timestamptz,
      appeal_evidence text,
      appealed_at timestamptz,
      deal_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, case_number),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id),
      foreign key (tenant_id, account_id) references accounts (tenant_id, id),
      foreign key (tenant_id, submitted_by_user_id) references users (tenant_id, id),
      foreign key (tenant_id, approver_user_id) references users (tenant_id, id),
      foreign key (tenant_id, decided_by_user_id) references users (tenant_id, id),
      check (status <> 'approved' or protection_ends_at is not null),
      check (kind = 'lead' or (amount is not null and currency is not null and expected_close is not null))
    );
    -- Conflict lookups: live claims by domain, and by company name (exact key or trigram).
    create index registrations_live_domain_idx on registrations (tenant_id, domain)
      where status in ('submitted', 'under_review', 'info_requested', 'approved');
    create index registrations_company_key_trgm_idx on registrations using gin (company_key gin_trgm_ops)
      where status in ('submitted', 'under_review', 'info_requested', 'approved');
    create index registrations_live_company_key_idx on registrations (tenant_id, company_key)
      where status in ('submitted', 'under_review', 'info_requested', 'approved');
    create index registrations_partner_idx on registrations (tenant_id, partner_id, created_at desc);
    create index registrations_queue_idx on registrations (tenant_id, sla_due_at)
      where status in ('submitted', 'under_review', 'info_requested');
    create index registrations_protection_idx on registrations (tenant_id, protection_ends_at) where status = 'approved';
    create index registrations_account_idx on registrations (tenant_id, account_id);

    -- Append-only history: who, when, what, which rule, why. partner_note is
    -- the only text a partner ever reads; staff_note may name other partners.
    create table registration_events (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      registration_id uuid not null,
      partner_id uuid not null,
      type text not null,
      from_status text,
      to_status text,
      actor_kind text not null check (actor_kind in ('staff', 'partner', 'system', 'public')),
      actor_user_id uuid,
      actor_label text not null,
      rule text,
      staff_note text,
      partner_note text,
      partner_visible boolean not null default true,
      details jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default clock_timestamp(),
      primary key (tenant_id, id),
      foreign key (tenant_id, registration_id) references registrations (tenant_id, id) on delete cascade
    );
    create index registration_events_timeline_idx on registration_events (tenant_id, registration_id, created_at);

    -- Approval routing: the first matching route (by position) picks the approver.
    create table approval_routes (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      position integer not null default 0,
      region text,
      min_amount numeric(14, 2),
      max_amount numeric(14, 2),
      approver_user_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      foreign key (tenant_id, approver_user_id) references users (tenant_id, id) on delete cascade
    );

    -- Territories: a region assigned to one partner organisation; other partners' claims there need review.
    create table territories (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      region text not null,
      partner_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, region),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade
    );

    -- The built-in CRM's deals (the vendor's CRM stays the source of truth when one is connected).
    create table deals (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      name text not null,
      account_id uuid not null,
      motion text not null check (motion in ('referral', 'reseller', 'marketplace', 'services', 'technology')),
      stage text not null,
      status text not null default 'open' check (status in ('open', 'won', 'lost')),
      amount numeric(14, 2),
      currency text check (currency ~ '^[A-Z]{3}$'),
      expected_close date,
      next_step text,
      owner_user_id uuid,
      discount_percent numeric(5, 2),
      internal_notes text,
      registration_id uuid,
      protection_ends_at timestamptz,
      last_activity_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      foreign key (tenant_id, account_id) references accounts (tenant_id, id),
      foreign key (tenant_id, owner_user_id) references users (tenant_id, id),
      foreign key (tenant_id, registration_id) references registrations (tenant_id, id)
    );
    create index deals_account_idx on deals (tenant_id, account_id) where status = 'open';

    -- Attribution: several partners per deal, each sourced or influenced with a percentage.
    create table deal_partners (
      tenant_id uuid not null references tenants (id) on delete cascade,
      deal_id uuid not null,
      partner_id uuid not null,
      attribution text not null check (attribution in ('sourced', 'influenced')),
      percent numeric(5, 2) not null check (percent >= 0 and percent <= 100),
      contact_role text check (contact_role in ('BDR', 'AE', 'SE', 'CS')),
      created_at timestamptz not null default now(),
      primary key (tenant_id, deal_id, partner_id),
      foreign key (tenant_id, deal_id) references deals (tenant_id, id) on delete cascade,
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id)
    );
    create index deal_partners_partner_idx on deal_partners (tenant_id, partner_id);

    alter table registrations add foreign key (tenant_id, deal_id) references deals (tenant_id, id);
  `.execute(db)

  for (const table of ['accounts', 'registration_counters', 'approval_routes']) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      alter table ${sql.table(table)} force row level security;
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_tenant_id())
        with check (tenant_id = app_tenant_id());
    `.execute(db)
  }
  for (const table of ['registrations', 'registration_events', 'territories', 'deal_partners']) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      alter table ${sql.table(table)} force row level security;
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
        with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));
    `.execute(db)
  }
  await sql`
    alter table deals enable row level security;
    alter table deals force row level security;
    create policy tenant_isolation on deals
      using (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or exists (
          select 1 from deal_partners dp
          where dp.tenant_id = deals.tenant_id and dp.deal_id = deals.id and dp.partner_id = app_partner_id()
        ))
      )
      with check (tenant_id = app_tenant_id() and app_partner_id() is null);

    -- Scheduled sweeps (SLA, protection expiry) fan out per tenant; the worker
    -- may learn which tenants exist, nothing more about them.
    create function active_tenant_ids() returns setof uuid
      language sql stable security definer set search_path = public
      as $$ select id from tenants where status = 'active' order by id $$;
    revoke all on function active_tenant_ids() from public;
    grant execute on function active_tenant_ids() to accord_app;

    grant select, insert, update, delete on accounts, registration_counters, registrations, approval_routes, territories, deals, deal_partners to accord_app;
    grant select, insert on registration_events to accord_app;
    revoke update, delete on registration_events from accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table registrations drop constraint if exists registrations_tenant_id_deal_id_fkey;
    drop table if exists deal_partners, deals, territories, approval_routes, registration_events, registrations, registration_counters, accounts cascade;
    alter table partner_organisations drop column if exists tier;
    drop function if exists active_tenant_ids();
  `.execute(db)
}

import { type Kysely, sql } from 'kysely'

/**
 * Row-level security only as broad as the code needs
 * (docs/decisions/017-partner-scope-policies.md).
 *
 * Until now most partner-visible tables had one FOR ALL policy "tenant, and
 * the partner's own rows when a partner is in scope". WITH CHECK does not
 * apply to DELETE, and nothing limited which columns a partner scope could
 * change, so Postgres itself allowed a partner scope to approve its own
 * registration, delete a deal shared with it, read the tenant's outbox
 * (staff password-reset mails) and rewrite the tenant's settings. Now:
 *
 * - every tenant table has `staff_all`: the tenant, and no partner in scope
 *   (staff and the worker's system scope), for all commands;
 * - tenant-only tables have nothing else: a partner scope sees and changes
 *   nothing there;
 * - partner-visible tables add one policy per command the portal really
 *   uses (`partner_select`, `partner_insert`, `partner_update`), with
 *   WITH CHECK limiting which rows; no partner policy allows DELETE;
 * - where a partner may update a row but not every column, a trigger
 *   refuses changes to the other columns (and, for registrations, any
 *   status change other than answering a question or appealing once).
 *
 * Vendor-side effects of a partner's action (e-mails to reviewers, a job's
 * progress row, the deal's next step, a protection extension) run in core
 * with the partner narrowing lifted for that one step (`withPartnerScopeLifted`).
 */

const STAFF = sql.raw('tenant_id = app_tenant_id() and app_partner_id() is null')
const OWN = sql.raw('tenant_id = app_tenant_id() and partner_id = app_partner_id()')

/** Tenant-only: staff and system scope, never a partner scope. */
const TENANT_ONLY = [
  'sessions',
  'auth_tokens',
  'invitations',
  'email_outbox',
  'email_batches',
  'registration_counters',
  'approval_routes',
  'territories',
  'inbound_emails',
  'reply_addresses',
  'crm_connections',
  'crm_records',
  'crm_sync_runs',
  'slack_connections',
  'partner_slack_channels',
  'slack_messages',
  'slack_command_receipts',
]

/** Every table whose policies this migration replaces, with the names it drops. */
const REPLACED: Record<string, string[]> = {
  ...Object.fromEntries(TENANT_ONLY.map((table) => [table, ['tenant_isolation']])),
  audit_log: ['tenant_isolation'],
  job_progress: ['tenant_isolation'],
  tenants: ['tenant_self'],
  partner_organisations: ['tenant_isolation'],
  users: ['tenant_isolation'],
  accounts: ['tenant_isolation'],
  registrations: ['tenant_isolation'],
  registration_events: ['tenant_isolation'],
  registration_imports: ['tenant_isolation'],
  registration_import_rows: ['tenant_isolation'],
  registration_links: ['tenant_isolation'],
  deals: ['tenant_isolation'],
  deal_partners: ['tenant_isolation'],
  announcement_receipts: ['tenant_isolation'],
  portal_sign_ins: ['tenant_isolation'],
  programme_pages: ['tenant_isolation', 'staff_writes'],
  programme_page_reads: ['tenant_isolation'],
  resource_events: ['tenant_isolation'],
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, policies] of Object.entries(REPLACED)) {
    for (const policy of policies) await sql`drop policy ${sql.id(policy)} on ${sql.table(table)}`.execute(db)
  }

  // Staff (and the worker) everywhere; the two engagement tables keep their consistency checks for every scope.
  for (const table of Object.keys(REPLACED)) {
    if (table === 'tenants' || table === 'programme_page_reads' || table === 'resource_events') continue
    await sql`create policy staff_all on ${sql.table(table)} using (${STAFF}) with check (${STAFF})`.execute(db)
  }

  await sql`
    -- The workspace row: partners read their vendor's branding and programme settings, never write.
    create policy staff_all on tenants
      using (id = app_tenant_id() and app_partner_id() is null)
      with check (id = app_tenant_id() and app_partner_id() is null);
    create policy partner_select on tenants for select using (id = app_tenant_id() and app_partner_id() is not null);

    create policy partner_select on partner_organisations for select using (tenant_id = app_tenant_id() and id = app_partner_id());
    create policy partner_select on users for select using (${OWN});
    -- A partner admin deactivates and reactivates colleagues (the portal's Team page); the trigger below limits it to that.
    create policy partner_update on users for update using (${OWN} and kind = 'partner') with check (${OWN} and kind = 'partner');

    -- Audit entries of a partner's own actions (its registration link); reading the log is staff-only.
    create policy partner_insert on audit_log for insert
      with check (
        tenant_id = app_tenant_id()
        and exists (select 1 from users u where u.tenant_id = audit_log.tenant_id and u.id = audit_log.actor_user_id and u.partner_id = app_partner_id())
      );

    -- Progress of the partner's own CSV imports (the row itself is created on the system side).
    create policy partner_select on job_progress for select
      using (
        tenant_id = app_tenant_id() and app_partner_id() is not null
        and exists (select 1 from registration_imports i where i.tenant_id = job_progress.tenant_id and i.progress_id = job_progress.id)
      );

    -- Registrations: read own; update own (answer, appeal, next step, extension request) within the
    -- columns and status changes the trigger below allows. Creating them runs in the tenant scope
    -- (the conflict check must see every partner's claims).
    create policy partner_select on registrations for select using (${OWN});
    create policy partner_update on registrations for update using (${OWN}) with check (${OWN});

    -- The history: partner-visible events of own registrations; a partner records only its own actions.
    create policy partner_select on registration_events for select using (${OWN} and partner_visible);
    create policy partner_insert on registration_events for insert
      with check (
        ${OWN}
        and actor_kind = 'partner'
        and partner_visible
        and exists (select 1 from registrations r where r.tenant_id = registration_events.tenant_id and r.id = registration_events.registration_id)
        and exists (select 1 from users u where u.tenant_id = registration_events.tenant_id and u.id = registration_events.actor_user_id)
      );

    create policy partner_select on registration_imports for select using (${OWN});
    create policy partner_insert on registration_imports for insert
      with check (
        ${OWN} and created_by_kind = 'partner' and status = 'draft'
        and exists (select 1 from users u where u.tenant_id = registration_imports.tenant_id and u.id = registration_imports.created_by_user_id)
      );
    create policy partner_update on registration_imports for update using (${OWN}) with check (${OWN});
    create policy partner_select on registration_import_rows for select using (${OWN});

    create policy partner_select on registration_links for select using (${OWN});
    create policy partner_insert on registration_links for insert
      with check (
        ${OWN} and revoked_at is null and submissions = 0
        and exists (select 1 from users u where u.tenant_id = registration_links.tenant_id and u.id = registration_links.created_by_user_id)
      );
    create policy partner_update on registration_links for update using (${OWN}) with check (${OWN});

    -- The shared pipeline: deals attributed to the partner, their attribution rows and customer names.
    create policy partner_select on deals for select
      using (
        tenant_id = app_tenant_id()
        and exists (select 1 from deal_partners dp where dp.tenant_id = deals.tenant_id and dp.deal_id = deals.id and dp.partner_id = app_partner_id())
      );
    create policy partner_select on deal_partners for select using (${OWN});
    create policy partner_select on accounts for select
      using (
        tenant_id = app_tenant_id() and app_partner_id() is not null
        and exists (select 1 from deals d where d.tenant_id = accounts.tenant_id and d.account_id = accounts.id)
      );

    create policy partner_select on announcement_receipts for select using (${OWN});
    create policy partner_update on announcement_receipts for update using (${OWN}) with check (${OWN});

    create policy partner_select on portal_sign_ins for select using (${OWN});

    create policy partner_select on programme_pages for select using (tenant_id = app_tenant_id() and app_partner_id() is not null and status = 'published');
  `.execute(db)

  // Engagement rows must name a readable page/resource and a person of the row's partner, in every scope.
  const pageRead = sql.raw(`
    exists (select 1 from programme_pages p where p.tenant_id = programme_page_reads.tenant_id and p.id = programme_page_reads.page_id)
    and exists (select 1 from users u where u.tenant_id = programme_page_reads.tenant_id and u.id = programme_page_reads.user_id and u.partner_id = programme_page_reads.partner_id)`)
  const resourceEvent = sql.raw(`
    exists (select 1 from resources r where r.tenant_id = resource_events.tenant_id and r.id = resource_events.resource_id)
    and exists (select 1 from users u where u.tenant_id = resource_events.tenant_id and u.id = resource_events.user_id and u.partner_id = resource_events.partner_id)`)
  await sql`
    create policy staff_all on programme_page_reads using (${STAFF}) with check (${STAFF} and ${pageRead});
    create policy partner_select on programme_page_reads for select using (${OWN});
    create policy partner_insert on programme_page_reads for insert with check (${OWN} and ${pageRead});
    create policy partner_update on programme_page_reads for update using (${OWN}) with check (${OWN} and ${pageRead});

    create policy staff_all on resource_events using (${STAFF}) with check (${STAFF} and ${resourceEvent});
    create policy partner_select on resource_events for select using (${OWN});
    create policy partner_insert on resource_events for insert with check (${OWN} and ${resourceEvent});
  `.execute(db)

  // Column rules for partner updates: policies pick rows, these triggers pick columns.
  await sql`
    create function refuse_partner_column_changes() returns trigger
      language plpgsql set search_path = public
      as $$
      begin
        -- TG_ARGV: the columns a partner scope may change; any other change is refused.
        if app_partner_id() is not null and (to_jsonb(new) - tg_argv) is distinct from (to_jsonb(old) - tg_argv) then
          raise exception 'A partner may not change these fields of %.', tg_table_name using errcode = 'insufficient_privilege';
        end if;
        return new;
      end
      $$;

    create function refuse_partner_registration_decisions() returns trigger
      language plpgsql set search_path = public
      as $$
      declare
        answering boolean := old.status = 'info_requested' and new.status = 'under_review';
        appealing boolean := old.status = 'rejected' and new.status = 'under_review' and old.appealed_at is null and new.appealed_at is not null;
      begin
        if app_partner_id() is null then return new; end if;
        -- A partner answers a question or appeals a rejection once; every other status change is the vendor's.
        if new.status is distinct from old.status and not (answering or appealing) then
          raise exception 'A partner may not change the status of a registration.' using errcode = 'insufficient_privilege';
        end if;
        if not (answering or appealing) and (
          new.sla_due_at is distinct from old.sla_due_at
          or new.sla_reminded_at is distinct from old.sla_reminded_at
          or new.sla_escalated_at is distinct from old.sla_escalated_at
        ) then
          raise exception 'A partner may not change the decision deadline.' using errcode = 'insufficient_privilege';
        end if;
        if not appealing and (new.appealed_at is distinct from old.appealed_at or new.appeal_evidence is distinct from old.appeal_evidence) then
          raise exception 'A partner may appeal only a rejected registration, once.' using errcode = 'insufficient_privilege';
        end if;
        -- Asking for an extension sets the request; only the partner team clears it.
        if old.extension_requested_at is not null and new.extension_requested_at is distinct from old.extension_requested_at then
          raise exception 'An extension request is already waiting.' using errcode = 'insufficient_privilege';
        end if;
        return new;
      end
      $$;

    create trigger partner_columns before update on registrations
      for each row execute function refuse_partner_column_changes(
        'status', 'next_step', 'last_activity_at', 'idle_flagged_at', 'updated_at',
        'extension_requested_at', 'extension_request_note', 'appeal_evidence', 'appealed_at',
        'sla_due_at', 'sla_reminded_at', 'sla_escalated_at');
    create trigger partner_decisions before update on registrations
      for each row execute function refuse_partner_registration_decisions();
    create trigger partner_columns before update on announcement_receipts
      for each row execute function refuse_partner_column_changes('opened_at', 'opened_via', 'acknowledged_at', 'acknowledged_via');
    create trigger partner_columns before update on programme_page_reads
      for each row execute function refuse_partner_column_changes('last_read_at', 'reads');
    create trigger partner_columns before update on registration_links
      for each row execute function refuse_partner_column_changes('revoked_at');
    create trigger partner_columns before update on registration_imports
      for each row execute function refuse_partner_column_changes('mapping', 'consent_confirmed', 'status', 'progress_id');

    create trigger partner_columns before update on users
      for each row execute function refuse_partner_column_changes('status', 'deactivated_at', 'deactivated_by_user_id', 'deactivated_by_kind', 'updated_at');

    create function refuse_partner_access_overrides() returns trigger
      language plpgsql set search_path = public
      as $$
      begin
        if app_partner_id() is null then return new; end if;
        if new.status is not distinct from old.status then
          -- Who deactivated an account changes only with the deactivation itself.
          if (new.deactivated_at, new.deactivated_by_user_id, new.deactivated_by_kind) is distinct from (old.deactivated_at, old.deactivated_by_user_id, old.deactivated_by_kind) then
            raise exception 'A partner may not rewrite who deactivated an account.' using errcode = 'insufficient_privilege';
          end if;
          return new;
        end if;
        -- The vendor's deactivation stands until the vendor reverses it; a partner's is recorded as the partner's.
        if new.status = 'active' and old.deactivated_by_kind is distinct from 'partner' then
          raise exception 'Only the vendor can reactivate this account.' using errcode = 'insufficient_privilege';
        end if;
        if new.status = 'disabled' and (new.deactivated_by_kind is distinct from 'partner' or not exists (
          select 1 from users u where u.tenant_id = new.tenant_id and u.id = new.deactivated_by_user_id and u.partner_id = app_partner_id()
        )) then
          raise exception 'A partner deactivation names a person of the organisation.' using errcode = 'insufficient_privilege';
        end if;
        return new;
      end
      $$;
    create trigger partner_access before update on users
      for each row execute function refuse_partner_access_overrides();

    create function refuse_partner_import_restarts() returns trigger
      language plpgsql set search_path = public
      as $$
      begin
        if app_partner_id() is not null and new.status is distinct from old.status and not (old.status = 'draft' and new.status = 'queued') then
          raise exception 'A partner may only queue a draft import.' using errcode = 'insufficient_privilege';
        end if;
        return new;
      end
      $$;
    create trigger partner_status before update on registration_imports
      for each row execute function refuse_partner_import_restarts();

    create function refuse_partner_link_reuse() returns trigger
      language plpgsql set search_path = public
      as $$
      begin
        if app_partner_id() is not null and old.revoked_at is not null and new.revoked_at is distinct from old.revoked_at then
          raise exception 'A revoked link stays revoked.' using errcode = 'insufficient_privilege';
        end if;
        return new;
      end
      $$;
    create trigger partner_revoke_once before update on registration_links
      for each row execute function refuse_partner_link_reuse();
  `.execute(db)
}

/** The single FOR ALL policies this migration replaced. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop trigger partner_columns on registrations;
    drop trigger partner_decisions on registrations;
    drop trigger partner_columns on announcement_receipts;
    drop trigger partner_columns on programme_page_reads;
    drop trigger partner_columns on registration_links;
    drop trigger partner_revoke_once on registration_links;
    drop trigger partner_columns on registration_imports;
    drop trigger partner_columns on users;
    drop trigger partner_access on users;
    drop function refuse_partner_access_overrides();
    drop trigger partner_status on registration_imports;
    drop function refuse_partner_column_changes();
    drop function refuse_partner_registration_decisions();
    drop function refuse_partner_import_restarts();
    drop function refuse_partner_link_reuse();
  `.execute(db)
  for (const table of Object.keys(REPLACED)) {
    await sql`
      drop policy if exists staff_all on ${sql.table(table)};
      drop policy if exists partner_select on ${sql.table(table)};
      drop policy if exists partner_insert on ${sql.table(table)};
      drop policy if exists partner_update on ${sql.table(table)};
    `.execute(db)
  }
  const tenantWide = ['sessions', 'auth_tokens', 'audit_log', 'email_outbox', 'email_batches', 'job_progress', 'accounts', 'registration_counters', 'approval_routes']
  const partnerNarrowed: Array<[string, string]> = [
    ['partner_organisations', 'id'],
    ['users', 'partner_id'],
    ['invitations', 'partner_id'],
    ['registrations', 'partner_id'],
    ['registration_events', 'partner_id'],
    ['territories', 'partner_id'],
    ['deal_partners', 'partner_id'],
    ['registration_imports', 'partner_id'],
    ['registration_import_rows', 'partner_id'],
    ['registration_links', 'partner_id'],
    ['inbound_emails', 'partner_id'],
    ['reply_addresses', 'partner_id'],
    ['announcement_receipts', 'partner_id'],
    ['portal_sign_ins', 'partner_id'],
  ]
  const staffOnly = ['crm_connections', 'crm_records', 'crm_sync_runs', 'slack_connections', 'partner_slack_channels', 'slack_messages', 'slack_command_receipts']
  for (const table of tenantWide) {
    await sql`create policy tenant_isolation on ${sql.table(table)} using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id())`.execute(db)
  }
  for (const [table, column] of partnerNarrowed) {
    const narrowed = sql`tenant_id = app_tenant_id() and (app_partner_id() is null or ${sql.ref(column)} = app_partner_id())`
    await sql`create policy tenant_isolation on ${sql.table(table)} using (${narrowed}) with check (${narrowed})`.execute(db)
  }
  for (const table of staffOnly) {
    await sql`create policy tenant_isolation on ${sql.table(table)} using (${STAFF}) with check (${STAFF})`.execute(db)
  }
  await sql`
    create policy tenant_self on tenants using (id = app_tenant_id()) with check (id = app_tenant_id());
    create policy tenant_isolation on deals
      using (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or exists (
          select 1 from deal_partners dp
          where dp.tenant_id = deals.tenant_id and dp.deal_id = deals.id and dp.partner_id = app_partner_id()
        ))
      )
      with check (tenant_id = app_tenant_id() and app_partner_id() is null);
    create policy tenant_isolation on programme_pages for select
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or status = 'published'));
    create policy staff_writes on programme_pages for all
      using (tenant_id = app_tenant_id() and app_partner_id() is null)
      with check (tenant_id = app_tenant_id() and app_partner_id() is null);
    create policy tenant_isolation on programme_page_reads
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or partner_id = app_partner_id())
        and exists (select 1 from programme_pages p where p.tenant_id = programme_page_reads.tenant_id and p.id = programme_page_reads.page_id)
        and exists (select 1 from users u where u.tenant_id = programme_page_reads.tenant_id and u.id = programme_page_reads.user_id and u.partner_id = programme_page_reads.partner_id)
      );
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

import { type Kysely, sql } from 'kysely'

/**
 * Reply by e-mail (issue 5): partner notifications about a registration carry
 * `Reply-To: reply+<token>@<INBOUND_EMAIL_DOMAIN>`. The token names a row
 * here (tenant + random key, signed with REPLY_TOKEN_SECRET); the row names
 * the registration and the person the mail went to. One row per
 * registration and recipient, reused by every later notification.
 *
 * - inbound_emails also logs replies (recorded / refused), so a reply
 *   delivered twice is handled once, like a registration mail.
 * - crm_records may hold 'note' rows: the CRM note/task written for a
 *   partner reply, keyed by the registration event id, so a retried job
 *   never writes a second note.
 * - A partial unique index makes "one partner_reply event per message" hold
 *   even if two deliveries race.
 * - RLS as for registrations: the tenant, narrowed to the partner's own rows
 *   in a partner scope.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table reply_addresses (
      tenant_id uuid not null references tenants (id) on delete cascade,
      key text not null,
      registration_id uuid not null,
      partner_id uuid not null,
      recipient_email text not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, key),
      unique (tenant_id, registration_id, recipient_email),
      foreign key (tenant_id, registration_id) references registrations (tenant_id, id) on delete cascade,
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade
    );
    alter table reply_addresses enable row level security;
    alter table reply_addresses force row level security;
    create policy tenant_isolation on reply_addresses
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));
    grant select, insert, update on reply_addresses to accord_app;

    alter table inbound_emails drop constraint inbound_emails_outcome_check;
    alter table inbound_emails add constraint inbound_emails_outcome_check
      check (outcome in ('registered', 'missing_fields', 'invalid_fields', 'unknown_sender', 'not_allowed', 'reply_recorded', 'reply_refused'));

    alter table crm_records drop constraint crm_records_object_type_check;
    alter table crm_records add constraint crm_records_object_type_check
      check (object_type in ('deal', 'company', 'contact', 'partner', 'note'));

    create unique index registration_events_partner_reply_once on registration_events (tenant_id, (details ->> 'messageKey'))
      where type = 'partner_reply';
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists registration_events_partner_reply_once;
    delete from crm_records where object_type = 'note';
    alter table crm_records drop constraint crm_records_object_type_check;
    alter table crm_records add constraint crm_records_object_type_check check (object_type in ('deal', 'company', 'contact', 'partner'));
    delete from inbound_emails where outcome in ('reply_recorded', 'reply_refused');
    alter table inbound_emails drop constraint inbound_emails_outcome_check;
    alter table inbound_emails add constraint inbound_emails_outcome_check
      check (outcome in ('registered', 'missing_fields', 'invalid_fields', 'unknown_sender', 'not_allowed'));
    drop table if exists reply_addresses cascade;
  `.execute(db)
}

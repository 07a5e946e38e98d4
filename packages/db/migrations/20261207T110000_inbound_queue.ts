import { type Kysely, sql } from 'kysely'

/**
 * Inbound e-mail off the request path, and registration by e-mail only for
 * authenticated senders (decision 014).
 *
 * - inbound_messages: what the inbound endpoint received, stored as sent (raw
 *   RFC 822 or Resend's JSON) in the workspace its recipient names, with the
 *   job that reads it queued in the same transaction. `dedupe_key` (the
 *   Message-ID, else a hash of the bytes) makes a redelivery a no-op;
 *   `status` makes a job that runs twice read it once. The raw message is
 *   cleared once it has been read.
 * - email_registration_holds: a registration mailed from an address whose
 *   domain did not pass DKIM/DMARC, held until the account holder confirms it
 *   through a one-click link (only the SHA-256 of the link's secret is kept).
 * - inbound_emails records the new outcomes: held for confirmation, rate
 *   limited, unreadable (charset, size).
 *
 * Both new tables are the vendor's side only: staff scope, never a partner's.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table inbound_messages (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      source text not null check (source in ('rfc822', 'resend', 'dev_mailbox')),
      dedupe_key text not null,
      raw bytea,
      sender_verified boolean not null default false,
      status text not null default 'queued' check (status in ('queued', 'processed', 'failed')),
      outcome text,
      detail text,
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      primary key (tenant_id, id),
      unique (tenant_id, dedupe_key)
    );

    create table email_registration_holds (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      partner_id uuid not null,
      user_id uuid not null,
      token_hash text not null,
      message_key text not null,
      subject text not null,
      company_name text not null,
      fields jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'confirmed')),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      confirmed_at timestamptz,
      registration_id uuid,
      primary key (tenant_id, id),
      unique (tenant_id, token_hash),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade,
      foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
      foreign key (tenant_id, registration_id) references registrations (tenant_id, id)
    );
  `.execute(db)
  for (const table of ['inbound_messages', 'email_registration_holds']) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      alter table ${sql.table(table)} force row level security;
      create policy staff_all on ${sql.table(table)}
        using (tenant_id = app_tenant_id() and app_partner_id() is null)
        with check (tenant_id = app_tenant_id() and app_partner_id() is null);
      grant select, insert, update, delete on ${sql.table(table)} to accord_app;
    `.execute(db)
  }
  await sql`
    alter table inbound_emails drop constraint inbound_emails_outcome_check;
    alter table inbound_emails add constraint inbound_emails_outcome_check
      check (outcome in ('registered', 'missing_fields', 'invalid_fields', 'unknown_sender', 'not_allowed', 'reply_recorded', 'reply_refused',
        'held_for_confirmation', 'rate_limited', 'unreadable'));
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    delete from inbound_emails where outcome in ('held_for_confirmation', 'rate_limited', 'unreadable');
    alter table inbound_emails drop constraint inbound_emails_outcome_check;
    alter table inbound_emails add constraint inbound_emails_outcome_check
      check (outcome in ('registered', 'missing_fields', 'invalid_fields', 'unknown_sender', 'not_allowed', 'reply_recorded', 'reply_refused'));
    drop table if exists email_registration_holds, inbound_messages cascade;
  `.execute(db)
}

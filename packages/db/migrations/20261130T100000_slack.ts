import { type Kysely, sql } from 'kysely'

/**
 * Slack (issue 5): one connection per tenant (an incoming webhook or a bot
 * token, encrypted by the app before it gets here), optional per-partner
 * shared-channel webhooks, an outbox of messages (one post per dedupe key,
 * delivered by the worker) and the receipts of `/register` slash commands
 * (one per signed request, so a replayed request is refused).
 *
 * - Partner users see none of it: every policy requires an empty
 *   app.partner_id (staff and the worker only), like the CRM tables, because
 *   webhook URLs and tokens are secrets.
 * - Registrations may now come from Slack (source 'slack').
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table slack_connections (
      tenant_id uuid not null references tenants (id) on delete cascade,
      mode text not null check (mode in ('webhook', 'bot')),
      status text not null default 'connected' check (status in ('connected', 'disconnected', 'error')),
      -- JSON {webhookUrl} or {botToken, apiUrl?}, AES-256-GCM (CRM_ENCRYPTION_KEY).
      credentials_ciphertext text not null,
      -- Bot mode: the channel posts go to (id or #name).
      default_channel text,
      -- The Slack app's signing secret, for /register slash commands (optional).
      signing_secret_ciphertext text,
      team_label text,
      channel_label text,
      last_error text,
      last_error_at timestamptz,
      connected_at timestamptz not null default now(),
      connected_by_user_id uuid,
      disconnected_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id),
      foreign key (tenant_id, connected_by_user_id) references users (tenant_id, id)
    );

    -- A partner's shared channel (Slack Connect) gets that partner's own notifications.
    create table partner_slack_channels (
      tenant_id uuid not null references tenants (id) on delete cascade,
      partner_id uuid not null,
      webhook_url_ciphertext text not null,
      label text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, partner_id),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade
    );

    -- The outbox. partner_id null = the tenant's channel. The dedupe key makes
    -- "the same notification" a single row however often it is enqueued.
    create table slack_messages (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      partner_id uuid,
      kind text not null,
      dedupe_key text not null,
      text text not null,
      blocks jsonb,
      status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
      attempts integer not null default 0,
      last_error text,
      next_attempt_at timestamptz,
      sent_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, dedupe_key),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade
    );
    create index slack_messages_recent_idx on slack_messages (tenant_id, created_at desc);

    -- One row per accepted slash-command request (hash of signature and
    -- timestamp): the same signed request is never processed twice.
    create table slack_command_receipts (
      tenant_id uuid not null references tenants (id) on delete cascade,
      request_hash text not null,
      slack_team_id text,
      slack_user_id text,
      outcome text,
      registration_id uuid,
      received_at timestamptz not null default now(),
      primary key (tenant_id, request_hash)
    );
    create index slack_command_receipts_received_idx on slack_command_receipts (tenant_id, received_at);

    alter table registrations drop constraint registrations_source_check;
    alter table registrations add constraint registrations_source_check
      check (source in ('portal', 'public_link', 'email', 'csv', 'admin', 'slack'));
  `.execute(db)

  for (const table of ['slack_connections', 'partner_slack_channels', 'slack_messages', 'slack_command_receipts']) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      alter table ${sql.table(table)} force row level security;
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_tenant_id() and app_partner_id() is null)
        with check (tenant_id = app_tenant_id() and app_partner_id() is null);
    `.execute(db)
  }
  await sql`
    grant select, insert, update, delete on slack_connections, partner_slack_channels, slack_messages, slack_command_receipts to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists slack_command_receipts, slack_messages, partner_slack_channels, slack_connections cascade;
    update registrations set source = 'admin' where source = 'slack';
    alter table registrations drop constraint registrations_source_check;
    alter table registrations add constraint registrations_source_check
      check (source in ('portal', 'public_link', 'email', 'csv', 'admin'));
  `.execute(db)
}

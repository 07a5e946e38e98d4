import { type Kysely, sql } from 'kysely'

/**
 * Mail that arrives when it matters, and stored mail without live secrets
 * (docs/decisions/016-mail-queues-and-secrets.md):
 *
 * - `email_outbox.stream`: transactional mail (sign-in, reset, invitation,
 *   verification) keeps one job per message on its own queue; bulk mail
 *   (notifications, announcements) is sent per workspace in batches of up to
 *   100 through Resend's batch endpoint. `batch_id` ties a bulk row to the
 *   batch it went out in, so a retried batch is the same request (same rows,
 *   same Idempotency-Key) and nobody gets it twice.
 * - `secrets`: the one-time secrets (links) in the body, only until the mail
 *   is handed over; then they are replaced by a placeholder and the column is
 *   cleared. The dev mailbox copy keeps them for a short while (local only).
 * - `email_send_pacer`: one row per provider API key (hashed), the next free
 *   request slot, so every worker process together stays within the
 *   provider's rate limit. Global, no tenant data.
 * - `all_tenant_ids()`: housekeeping over every workspace (ids only).
 * - Acknowledgement links of announcements expire (30 days after the due
 *   date, or 90 days after they were sent): the link function reports it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table email_outbox
      add column stream text not null default 'transactional' check (stream in ('transactional', 'bulk')),
      add column batch_id uuid,
      add column secrets text[];
    create index email_outbox_bulk_queue_idx on email_outbox (tenant_id, created_at, id) where stream = 'bulk' and status = 'queued';
    create index email_outbox_batch_idx on email_outbox (tenant_id, batch_id) where batch_id is not null;
    create index email_outbox_finished_idx on email_outbox (tenant_id, updated_at) where status in ('sent', 'failed');

    create table email_batches (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      status text not null default 'sending' check (status in ('sending', 'sent', 'failed')),
      size integer not null check (size between 1 and 100),
      attempts integer not null default 0,
      -- A batch the provider could not take (outage, 5xx) waits until then before it is tried again.
      next_attempt_at timestamptz not null default now(),
      last_error text,
      sent_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id)
    );
    create index email_batches_open_idx on email_batches (tenant_id, next_attempt_at) where status = 'sending';
    alter table email_batches enable row level security;
    alter table email_batches force row level security;
    create policy tenant_isolation on email_batches
      using (tenant_id = app_tenant_id())
      with check (tenant_id = app_tenant_id());

    alter table dev_mailbox_messages add column secrets text[];
    create index dev_mailbox_messages_secrets_idx on dev_mailbox_messages (created_at) where secrets is not null;
    create index dev_mailbox_messages_created_idx on dev_mailbox_messages (created_at);

    create table email_send_pacer (
      key text primary key,
      next_slot_at timestamptz not null
    );

    grant select, insert, update, delete on email_batches, email_send_pacer to accord_app;

    -- Announcement receipts learn about e-mail delivery when old outbox rows are purged.
    create index announcement_receipts_outbox_idx on announcement_receipts (tenant_id, email_outbox_id) where email_outbox_id is not null;

    -- Replace each one-time secret (as written, and HTML-escaped) in a stored body by the placeholder.
    -- Plain replace(), longest secret first; secrets shorter than 8 characters are ignored.
    create function email_redact(p_body text, p_secrets text[], p_placeholder text) returns text
      language plpgsql immutable parallel safe set search_path = public
      as $$
      declare
        s text;
        result text := p_body;
      begin
        if p_secrets is null or cardinality(p_secrets) = 0 then return p_body; end if;
        for s in select x from unnest(p_secrets) as x order by length(x) desc loop
          if length(s) >= 8 then
            result := replace(result, s, p_placeholder);
            result := replace(result, replace(replace(replace(replace(s, '&', '&amp;'), '"', '&quot;'), '<', '&lt;'), '>', '&gt;'), p_placeholder);
          end if;
        end loop;
        return result;
      end
      $$;
    grant execute on function email_redact(text, text[], text) to accord_app;

    -- Housekeeping that must reach every workspace, suspended ones included (purging old mail,
    -- re-encrypting secrets under a new key): ids only, each then worked in its own tenant scope.
    create function all_tenant_ids() returns setof uuid
      language sql stable security definer set search_path = public
      as $$ select id from tenants order by id $$;
    revoke all on function all_tenant_ids() from public;
    grant execute on function all_tenant_ids() to accord_app;
  `.execute(db)

  // The link function now answers "expired" instead of acknowledging (its result type changes, so drop and create).
  await sql`
    drop function acknowledge_announcement_by_link(uuid, text, timestamptz);
    create function acknowledge_announcement_by_link(p_tenant_id uuid, p_token_hash text, p_now timestamptz)
      returns table (title text, name text, ack_required boolean, acknowledged_at timestamptz, already boolean, expired boolean)
      language plpgsql volatile security invoker set search_path = public
      as $$
      begin
        perform set_config('app.tenant_id', p_tenant_id::text, true);
        perform set_config('app.partner_id', '', true);
        return query
          with target as (
            select r.announcement_id, r.user_id, r.acknowledged_at as before, a.title, a.ack_required, u.name,
              p_now >= coalesce(a.ack_due_at + interval '30 days', r.created_at + interval '90 days') as expired
            from announcement_receipts r
            join announcements a on a.tenant_id = r.tenant_id and a.id = r.announcement_id
            join users u on u.tenant_id = r.tenant_id and u.id = r.user_id
            where r.tenant_id = p_tenant_id and r.link_token_hash = p_token_hash and a.status = 'published'
            for update of r
          ), acknowledged as (
            update announcement_receipts r
              set acknowledged_at = p_now, acknowledged_via = 'email', opened_at = coalesce(r.opened_at, p_now), opened_via = coalesce(r.opened_via, 'link')
              from target t
              where r.tenant_id = p_tenant_id and r.announcement_id = t.announcement_id and r.user_id = t.user_id and t.before is null and t.ack_required and not t.expired
              returning r.user_id
          )
          select t.title, t.name, t.ack_required,
            coalesce(t.before, case when t.ack_required and not t.expired then p_now end),
            t.before is not null,
            t.expired and t.before is null
          from target t;
      end
      $$;
    revoke all on function acknowledge_announcement_by_link(uuid, text, timestamptz) from public;
    grant execute on function acknowledge_announcement_by_link(uuid, text, timestamptz) to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function acknowledge_announcement_by_link(uuid, text, timestamptz);
    create function acknowledge_announcement_by_link(p_tenant_id uuid, p_token_hash text, p_now timestamptz)
      returns table (title text, name text, ack_required boolean, acknowledged_at timestamptz, already boolean)
      language plpgsql volatile security invoker set search_path = public
      as $$
      begin
        perform set_config('app.tenant_id', p_tenant_id::text, true);
        perform set_config('app.partner_id', '', true);
        return query
          with target as (
            select r.announcement_id, r.user_id, r.acknowledged_at as before, a.title, a.ack_required, u.name
            from announcement_receipts r
            join announcements a on a.tenant_id = r.tenant_id and a.id = r.announcement_id
            join users u on u.tenant_id = r.tenant_id and u.id = r.user_id
            where r.tenant_id = p_tenant_id and r.link_token_hash = p_token_hash and a.status = 'published'
            for update of r
          ), acknowledged as (
            update announcement_receipts r
              set acknowledged_at = p_now, acknowledged_via = 'email', opened_at = coalesce(r.opened_at, p_now), opened_via = coalesce(r.opened_via, 'link')
              from target t
              where r.tenant_id = p_tenant_id and r.announcement_id = t.announcement_id and r.user_id = t.user_id and t.before is null and t.ack_required
              returning r.user_id
          )
          select t.title, t.name, t.ack_required, coalesce(t.before, case when t.ack_required then p_now end), t.before is not null
          from target t;
      end
      $$;
    revoke all on function acknowledge_announcement_by_link(uuid, text, timestamptz) from public;
    grant execute on function acknowledge_announcement_by_link(uuid, text, timestamptz) to accord_app;

    drop function if exists all_tenant_ids();
    drop function if exists email_redact(text, text[], text);
    drop index if exists announcement_receipts_outbox_idx;
    drop table if exists email_send_pacer, email_batches;
    drop index if exists dev_mailbox_messages_secrets_idx;
    drop index if exists dev_mailbox_messages_created_idx;
    alter table dev_mailbox_messages drop column if exists secrets;
    drop index if exists email_outbox_bulk_queue_idx;
    drop index if exists email_outbox_batch_idx;
    drop index if exists email_outbox_finished_idx;
    alter table email_outbox drop column if exists stream, drop column if exists batch_id, drop column if exists secrets;
  `.execute(db)
}

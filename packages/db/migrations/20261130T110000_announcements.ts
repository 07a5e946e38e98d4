import { type Kysely, sql } from 'kysely'

/**
 * Announcements (issue 5): authored by staff, targeted at partner users,
 * fanned out to the portal, e-mail and Slack, with one receipt per user and
 * announcement across every channel (delivered, opened, acknowledged).
 *
 * The receipt's primary key (announcement, user) is what makes fan-out
 * exactly-once: a retried batch inserts nothing new, so it queues no second
 * e-mail. Partners see an announcement only through their own receipt.
 * Acknowledgement links carry a random secret whose hash is stored here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table announcements (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      title text not null check (length(title) between 1 and 200),
      body_html text not null default '',
      body_text text not null default '',
      status text not null default 'draft' check (status in ('draft', 'scheduled', 'published', 'archived')),
      channels text[] not null default '{portal}' check (channels <@ array['portal', 'email', 'slack']::text[] and cardinality(channels) > 0),
      -- Empty lists mean "everyone"; each non-empty list narrows (tiers AND motions AND regions), named partners and users are added.
      audience jsonb not null default '{}'::jsonb,
      ack_required boolean not null default false,
      ack_due_at timestamptz,
      publish_at timestamptz,
      published_at timestamptz,
      progress_id uuid,
      recipients integer not null default 0,
      created_by_user_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      foreign key (tenant_id, created_by_user_id) references users (tenant_id, id),
      foreign key (tenant_id, progress_id) references job_progress (tenant_id, id),
      check (status <> 'scheduled' or publish_at is not null),
      check (ack_due_at is null or ack_required)
    );
    create index announcements_due_idx on announcements (tenant_id, publish_at) where status = 'scheduled';

    create table announcement_receipts (
      tenant_id uuid not null references tenants (id) on delete cascade,
      announcement_id uuid not null,
      user_id uuid not null,
      partner_id uuid not null,
      delivered_portal_at timestamptz,
      delivered_email_at timestamptz,
      email_outbox_id uuid,
      opened_at timestamptz,
      opened_via text check (opened_via in ('portal', 'email', 'link')),
      clicked_at timestamptz,
      acknowledged_at timestamptz,
      acknowledged_via text check (acknowledged_via in ('portal', 'email')),
      link_token_hash text not null,
      reminded_at timestamptz,
      reminders integer not null default 0,
      created_at timestamptz not null default now(),
      primary key (tenant_id, announcement_id, user_id),
      unique (tenant_id, link_token_hash),
      foreign key (tenant_id, announcement_id) references announcements (tenant_id, id) on delete cascade,
      foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id)
    );
    create index announcement_receipts_user_idx on announcement_receipts (tenant_id, user_id, created_at desc);
    create index announcement_receipts_open_ack_idx on announcement_receipts (tenant_id, announcement_id) where acknowledged_at is null;
  `.execute(db)
  await sql`
    alter table announcement_receipts enable row level security;
    alter table announcement_receipts force row level security;
    create policy tenant_isolation on announcement_receipts
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));

    alter table announcements enable row level security;
    alter table announcements force row level security;
    -- Partners read published announcements that reached someone of their organisation; they never write.
    create policy tenant_isolation on announcements
      using (
        tenant_id = app_tenant_id()
        and (app_partner_id() is null or (status = 'published' and exists (
          select 1 from announcement_receipts r
          where r.tenant_id = announcements.tenant_id and r.announcement_id = announcements.id and r.partner_id = app_partner_id()
        )))
      )
      with check (tenant_id = app_tenant_id() and app_partner_id() is null);

    grant select, insert, update, delete on announcements, announcement_receipts to accord_app;

    -- E-mail opens and link acknowledgements arrive by the thousand without a session: each is one
    -- statement (one round trip) instead of BEGIN + scope, query, COMMIT. SECURITY INVOKER, so RLS
    -- applies exactly as in withTenant; the scope is local to the statement's own transaction.
    create function record_announcement_open(p_tenant_id uuid, p_token_hash text, p_now timestamptz) returns boolean
      language plpgsql volatile security invoker set search_path = public
      as $$
      declare changed integer;
      begin
        perform set_config('app.tenant_id', p_tenant_id::text, true);
        perform set_config('app.partner_id', '', true);
        update announcement_receipts set opened_at = p_now, opened_via = 'email'
          where tenant_id = p_tenant_id and link_token_hash = p_token_hash and opened_at is null;
        get diagnostics changed = row_count;
        return changed > 0;
      end
      $$;

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
    revoke all on function record_announcement_open(uuid, text, timestamptz), acknowledge_announcement_by_link(uuid, text, timestamptz) from public;
    grant execute on function record_announcement_open(uuid, text, timestamptz), acknowledge_announcement_by_link(uuid, text, timestamptz) to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists record_announcement_open(uuid, text, timestamptz);
    drop function if exists acknowledge_announcement_by_link(uuid, text, timestamptz);
    drop table if exists announcement_receipts, announcements cascade;
  `.execute(db)
}

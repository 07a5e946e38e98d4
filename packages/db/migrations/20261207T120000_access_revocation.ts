import { type Kysely, sql } from 'kysely'

/**
 * Access can be revoked, and sign-in is harder to abuse.
 *
 * - users: who deactivated an account, from which side, and when (a partner
 *   admin may not undo what vendor staff did).
 * - A workspace never loses its last active owner: a trigger refuses the
 *   update that would leave none. It takes a per-tenant advisory lock first,
 *   so two concurrent demotions/deactivations are serialised and the second
 *   sees the first (READ COMMITTED takes a new snapshot per statement).
 * - session_with_user also returns the session's creation time, for the
 *   absolute session lifetime checked by @accord/auth.
 * - sign_in_lockouts: progressive lockout state per account (hashed key) and
 *   per client address. Global like rate_limit_buckets: an address is not a
 *   tenant's data, and account keys are SHA-256 hashes, not e-mail addresses.
 * - An index for the daily invitation quota.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table users
      add column deactivated_at timestamptz,
      add column deactivated_by_user_id uuid,
      add column deactivated_by_kind text check (deactivated_by_kind in ('staff', 'partner')),
      add constraint users_deactivated_by_fk foreign key (tenant_id, deactivated_by_user_id) references users (tenant_id, id);

    create function users_keep_an_active_owner() returns trigger
      language plpgsql volatile security invoker set search_path = public
      as $$
      begin
        perform pg_advisory_xact_lock(hashtextextended('accord.active-owners.' || old.tenant_id::text, 0));
        if not exists (
          select 1 from users u
          where u.tenant_id = old.tenant_id and u.kind = 'staff' and u.staff_role = 'owner' and u.status = 'active'
        ) then
          raise exception 'the workspace must keep at least one active owner'
            using errcode = 'check_violation', constraint = 'users_last_active_owner';
        end if;
        return null;
      end
      $$;

    create trigger users_keep_an_active_owner
      after update of staff_role, status on users
      for each row
      when (old.kind = 'staff' and old.staff_role = 'owner' and old.status = 'active'
            and (new.staff_role is distinct from 'owner' or new.status is distinct from 'active'))
      execute function users_keep_an_active_owner();

    create index invitations_recent_idx on invitations (tenant_id, created_at);

    create table sign_in_lockouts (
      key text primary key check (length(key) <= 200),
      failures integer not null,
      window_started_at timestamptz not null,
      last_failure_at timestamptz not null,
      lock_level integer not null default 0,
      locked_until timestamptz
    );

    drop function session_with_user(uuid, text);
    create function session_with_user(p_tenant_id uuid, p_session_id text)
      returns table (
        session_id text, expires_at timestamptz, created_at timestamptz, ip text, user_agent text,
        user_id uuid, tenant_id uuid, kind text, email text, name text,
        staff_role text, partner_id uuid, partner_role text, email_verified_at timestamptz
      )
      language plpgsql volatile security invoker set search_path = public
      as $$
      begin
        perform set_config('app.tenant_id', p_tenant_id::text, true);
        perform set_config('app.partner_id', '', true);
        return query
          select s.id, s.expires_at, s.created_at, s.ip, s.user_agent, u.id, u.tenant_id, u.kind, u.email, u.name,
                 u.staff_role, u.partner_id, u.partner_role, u.email_verified_at
          from sessions s
          join users u on u.tenant_id = s.tenant_id and u.id = s.user_id
          where s.tenant_id = p_tenant_id and s.id = p_session_id and u.status = 'active'
            -- A partner user's session ends the moment the organisation is archived.
            and (u.kind = 'staff' or exists (
              select 1 from partner_organisations p
              where p.tenant_id = u.tenant_id and p.id = u.partner_id and p.status = 'active'
            ));
      end
      $$;
    revoke all on function session_with_user(uuid, text) from public;
    grant execute on function session_with_user(uuid, text) to accord_app;
    grant select, insert, update, delete on sign_in_lockouts to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function session_with_user(uuid, text);
    create function session_with_user(p_tenant_id uuid, p_session_id text)
      returns table (
        session_id text, expires_at timestamptz, ip text, user_agent text,
        user_id uuid, tenant_id uuid, kind text, email text, name text,
        staff_role text, partner_id uuid, partner_role text, email_verified_at timestamptz
      )
      language plpgsql volatile security invoker set search_path = public
      as $$
      begin
        perform set_config('app.tenant_id', p_tenant_id::text, true);
        perform set_config('app.partner_id', '', true);
        return query
          select s.id, s.expires_at, s.ip, s.user_agent, u.id, u.tenant_id, u.kind, u.email, u.name,
                 u.staff_role, u.partner_id, u.partner_role, u.email_verified_at
          from sessions s
          join users u on u.tenant_id = s.tenant_id and u.id = s.user_id
          where s.tenant_id = p_tenant_id and s.id = p_session_id and u.status = 'active'
            and (u.kind = 'staff' or exists (
              select 1 from partner_organisations p
              where p.tenant_id = u.tenant_id and p.id = u.partner_id and p.status = 'active'
            ));
      end
      $$;
    revoke all on function session_with_user(uuid, text) from public;
    grant execute on function session_with_user(uuid, text) to accord_app;
    drop table if exists sign_in_lockouts;
    drop index if exists invitations_recent_idx;
    drop trigger if exists users_keep_an_active_owner on users;
    drop function if exists users_keep_an_active_owner();
    alter table users drop constraint if exists users_deactivated_by_fk, drop column if exists deactivated_by_user_id, drop column if exists deactivated_by_kind, drop column if exists deactivated_at;
  `.execute(db)
}

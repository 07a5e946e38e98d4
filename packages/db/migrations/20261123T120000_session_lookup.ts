import { type Kysely, sql } from 'kysely'

/**
 * Session check in one statement instead of three (BEGIN + scope, select,
 * COMMIT): every signed-in request makes it. SECURITY INVOKER, so RLS applies
 * exactly as in withTenant: the function scopes its own statement's
 * transaction to the tenant (set_config(…, true) ends with the statement).
 * Only for use outside an explicit transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
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
            -- A partner user's session ends the moment the organisation is archived.
            and (u.kind = 'staff' or exists (
              select 1 from partner_organisations p
              where p.tenant_id = u.tenant_id and p.id = u.partner_id and p.status = 'active'
            ));
      end
      $$;
    revoke all on function session_with_user(uuid, text) from public;
    grant execute on function session_with_user(uuid, text) to accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists session_with_user(uuid, text)`.execute(db)
}

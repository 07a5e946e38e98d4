import { type Kysely, sql } from 'kysely'

/**
 * Partner engagement (issue 5): one row per portal sign-in, append-only.
 * Sessions are deleted on sign-out, expiry and password reset, and
 * users.last_login_at keeps only the latest, so neither can answer "how
 * often did this partner sign in". Written by core in the sign-in flow
 * (password, magic link, accepting an invitation).
 *
 * RLS as for other partner tables: the tenant, narrowed to the partner's own
 * rows in a partner scope. The runtime role may only insert and read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table portal_sign_ins (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      partner_id uuid not null,
      user_id uuid not null,
      method text not null check (method in ('password', 'magic_link', 'invitation')),
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      foreign key (tenant_id, partner_id) references partner_organisations (tenant_id, id) on delete cascade,
      foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
    );
    create index portal_sign_ins_partner_idx on portal_sign_ins (tenant_id, partner_id, created_at);
    alter table portal_sign_ins enable row level security;
    alter table portal_sign_ins force row level security;
    create policy tenant_isolation on portal_sign_ins
      using (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()))
      with check (tenant_id = app_tenant_id() and (app_partner_id() is null or partner_id = app_partner_id()));
    grant select, insert on portal_sign_ins to accord_app;
    revoke update, delete on portal_sign_ins from accord_app;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists portal_sign_ins cascade`.execute(db)
}

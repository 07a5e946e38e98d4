import { type Kysely, sql } from 'kysely'

/**
 * Fuzzy company-name lookups that work under row-level security.
 *
 * 1. RLS only lets the planner use an index condition from a query when its
 *    operator is LEAKPROOF (otherwise it must filter after the policy). pg_trgm's
 *    `%` (similarity_op) is not marked so, which made every fuzzy lookup scan
 *    all of a tenant's live registrations (18 ms at 5,000 per tenant). It raises
 *    no errors on any text input, so marking it LEAKPROOF reveals nothing;
 *    only a superuser may do this, so the step is skipped with a notice
 *    otherwise (docs/decisions/007-one-registration-path.md).
 * 2. A GiST index led by tenant_id (btree_gist) narrows to the tenant's part
 *    of the tree before comparing trigrams; the btree_gin version still merged
 *    every tenant's posting lists (16 ms).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$ begin
      if (select rolsuper from pg_roles where rolname = current_user) then
        alter function similarity_op(text, text) leakproof;
      else
        raise notice 'Not a superuser: similarity_op stays non-leakproof, so fuzzy name lookups under RLS scan each tenant''s claims. A superuser can run: ALTER FUNCTION similarity_op(text, text) LEAKPROOF;';
      end if;
    end $$;
    create extension if not exists btree_gist;
    drop index if exists registrations_tenant_company_trgm_idx;
    drop index if exists registrations_tenant_domainless_trgm_idx;
    create index registrations_tenant_company_gist_idx on registrations using gist (tenant_id, company_key gist_trgm_ops)
      where status in ('submitted', 'under_review', 'info_requested', 'approved');
    create index registrations_tenant_domainless_gist_idx on registrations using gist (tenant_id, company_key gist_trgm_ops)
      where domain is null and status in ('submitted', 'under_review', 'info_requested', 'approved');
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists registrations_tenant_company_gist_idx;
    drop index if exists registrations_tenant_domainless_gist_idx;
    create index registrations_tenant_company_trgm_idx on registrations using gin (tenant_id, company_key gin_trgm_ops)
      where status in ('submitted', 'under_review', 'info_requested', 'approved');
    create index registrations_tenant_domainless_trgm_idx on registrations using gin (tenant_id, company_key gin_trgm_ops)
      where domain is null and status in ('submitted', 'under_review', 'info_requested', 'approved');
  `.execute(db)
}

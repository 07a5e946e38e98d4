import { type Kysely, sql } from 'kysely'

/**
 * Fuzzy company-name lookups per tenant. The first trigram indexes covered
 * every tenant's names at once, so a common name ("Acme Logistics") matched
 * candidates across all tenants before the tenant filter applied; with
 * btree_gin the tenant is part of the GIN index and both narrow together
 * (docs/benchmarks.md, registrations).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create extension if not exists btree_gin;
    drop index if exists registrations_company_key_trgm_idx;
    drop index if exists registrations_domainless_trgm_idx;
    create index registrations_tenant_company_trgm_idx on registrations using gin (tenant_id, company_key gin_trgm_ops)
      where status in ('submitted', 'under_review', 'info_requested', 'approved');
    create index registrations_tenant_domainless_trgm_idx on registrations using gin (tenant_id, company_key gin_trgm_ops)
      where domain is null and status in ('submitted', 'under_review', 'info_requested', 'approved');
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists registrations_tenant_company_trgm_idx;
    drop index if exists registrations_tenant_domainless_trgm_idx;
    create index registrations_company_key_trgm_idx on registrations using gin (company_key gin_trgm_ops)
      where status in ('submitted', 'under_review', 'info_requested', 'approved');
    create index registrations_domainless_trgm_idx on registrations using gin (company_key gin_trgm_ops)
      where domain is null and status in ('submitted', 'under_review', 'info_requested', 'approved');
  `.execute(db)
}

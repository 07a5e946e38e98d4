import { type Database, sql } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { AppError } from '../errors.js'
import { workspaceSlug } from './slug.js'

export interface PublicTenant {
  id: string
  slug: string
  name: string
  status: string
  portalName: string
  logoUrl: string | null
  primaryColor: string
  supportEmail: string | null
}

/** Path of a tenant's logo, served by both apps; the version busts caches when it changes. */
export function logoPath(slug: string, logoKey: string | null): string | null {
  return logoKey ? `/brand/${slug}/logo?v=${encodeURIComponent(logoKey.split('/').pop() ?? '')}` : null
}

interface TenantBySlugRow {
  id: string
  slug: string
  name: string
  status: string
  portal_name: string | null
  logo_key: string | null
  primary_color: string
  support_email: string | null
}

/**
 * Resolve a workspace by slug before any tenant scope exists (portal host,
 * login form, sign-up availability). Goes through the owner's narrow
 * `tenant_by_slug` function; returns public branding only.
 */
export async function findTenantBySlug(db: Database, slug: string): Promise<(PublicTenant & { logoKey: string | null }) | null> {
  const normalised = slug.trim().toLowerCase()
  if (!/^[a-z0-9-]{1,63}$/.test(normalised)) return null
  const { rows } = await sql<TenantBySlugRow>`select * from tenant_by_slug(${normalised})`.execute(db)
  const row = rows[0]
  if (!row) return null
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    portalName: row.portal_name ?? `${row.name} Partner Portal`,
    logoUrl: logoPath(row.slug, row.logo_key),
    logoKey: row.logo_key,
    primaryColor: row.primary_color,
    supportEmail: row.support_email,
  }
}

export async function getPublicTenant(deps: Pick<CoreDeps, 'db'>, input: { slug: string }): Promise<PublicTenant> {
  const tenant = await findTenantBySlug(deps.db, input.slug)
  if (!tenant || tenant.status !== 'active') throw AppError.notFound('This workspace')
  const { logoKey: _logoKey, ...publicTenant } = tenant
  return publicTenant
}

export async function checkSlugAvailability(deps: Pick<CoreDeps, 'db'>, input: { slug: string }): Promise<{ available: boolean; slug: string; reason: string | null }> {
  const parsed = workspaceSlug.safeParse(input.slug)
  if (!parsed.success) return { available: false, slug: input.slug, reason: parsed.error.issues[0]?.message ?? 'Not a valid address.' }
  const existing = await findTenantBySlug(deps.db, parsed.data)
  return existing ? { available: false, slug: parsed.data, reason: 'This address is already taken.' } : { available: true, slug: parsed.data, reason: null }
}

/** A tenant's logo bytes, for the /brand/<slug>/logo route. */
export async function getTenantLogo(deps: Pick<CoreDeps, 'db' | 'storage'>, input: { slug: string }) {
  const tenant = await findTenantBySlug(deps.db, input.slug)
  if (!tenant?.logoKey) return null
  return deps.storage.get(tenant.logoKey)
}

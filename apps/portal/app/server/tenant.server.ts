import { findTenantBySlug, type PublicTenant } from '@accord/core'
import { type AppLoadContext, json, type LoaderFunctionArgs } from '@remix-run/node'
import { type PortalAddress, portalBasePath, type PortalMode, sessionCookiePath, tenantSlugFromRequest } from '~/lib/portal-address'
import { oncePerRequest } from './request-cache.server'
import { runtimeDeps } from './runtime.server'

/** The vendor whose portal a request addresses, with how the address names it. */
export interface PortalTenant extends PublicTenant {
  mode: PortalMode
  /** `/t/<slug>` in path mode, `''` in host mode. */
  basePath: string
  cookiePath: string
}

export const NO_PORTAL_MESSAGE = 'There is no partner portal at this address'

interface Resolution {
  address: PortalAddress | null
  tenant: PortalTenant | null
}

// Root, layout and page loaders of one request share the lookup.
function resolve(request: Request, context?: AppLoadContext): Promise<Resolution> {
  return oncePerRequest(context, 'portal-tenant', () => lookUp(request))
}

async function lookUp(request: Request): Promise<Resolution> {
  const deps = await runtimeDeps()
  const url = new URL(request.url)
  const address = tenantSlugFromRequest(url, url.host, deps.portal.baseDomain)
  if (!address) return { address, tenant: null }
  const tenant = await findTenantBySlug(deps.db, address.slug)
  // A suspended or closed workspace has no portal, as far as visitors can tell.
  if (!tenant || tenant.status !== 'active') return { address, tenant: null }
  const { logoKey: _logoKey, ...branding } = tenant
  return { address, tenant: { ...branding, mode: address.mode, basePath: portalBasePath(address), cookiePath: sessionCookiePath(address) } }
}

/** The addressed tenant, or null (no tenant in the address, unknown slug, inactive workspace). */
export async function resolvePortalTenant(request: Request, context?: AppLoadContext): Promise<PortalTenant | null> {
  return (await resolve(request, context)).tenant
}

/**
 * For page loaders: the tenant, or a plain (unbranded) 404. The tenant comes
 * from the URL itself (prefix or host), which also covers unmatched paths;
 * `params.tenantSlug` always agrees with it on path-mode routes.
 */
export async function requirePortalTenant(request: Request, _params?: LoaderFunctionArgs['params'], context?: AppLoadContext): Promise<PortalTenant> {
  const tenant = await resolvePortalTenant(request, context)
  if (!tenant) throw json({ message: NO_PORTAL_MESSAGE }, { status: 404 })
  return tenant
}

/** A bare `/` that names no tenant at all (path mode): the "where is my portal?" page, not a 404. */
export async function isPortalLanding(request: Request, context?: AppLoadContext): Promise<boolean> {
  return new URL(request.url).pathname === '/' && (await resolve(request, context)).address === null
}

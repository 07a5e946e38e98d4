import { type ApiContext, createCaller } from '@accord/api'
import type { CoreContext, CoreDeps, PartnerContext } from '@accord/core'
import { type AppLoadContext, type LoaderFunctionArgs, redirect } from '@remix-run/node'
import { joinPortalPath } from '~/lib/portal-address'
import { runtimeDeps } from './runtime.server'
import { getPartnerSession, type PartnerSession } from './session.server'
import { type PortalTenant, requirePortalTenant } from './tenant.server'

export type PortalCaller = ReturnType<typeof createCaller>

export interface SignedInPartner {
  ctx: PartnerContext
  caller: PortalCaller
  tenant: PortalTenant
  session: PartnerSession
  /** Pass on in the loader's response (session refresh). */
  headers: Headers
}

/** Only the infrastructure part of the runtime deps (not pg-boss itself or close()). */
export function coreDeps(deps: CoreDeps): CoreDeps {
  return { db: deps.db, jobs: deps.jobs, storage: deps.storage, now: deps.now, adminUrl: deps.adminUrl, portal: deps.portal, emailFrom: deps.emailFrom }
}

export function portalCaller(core: CoreContext, tenant: PortalTenant): PortalCaller {
  const context: ApiContext = { core, app: 'portal', portalTenantId: tenant.id }
  return createCaller(context)
}

export const OTHER_PORTAL_NOTICE = 'other-portal'

/** The sign-in page of this portal, coming back to `returnTo` afterwards. */
export function loginPath(tenant: PortalTenant, options: { returnTo?: string; notice?: string } = {}): string {
  const search = new URLSearchParams()
  // Home is where sign-in lands anyway; only other destinations are worth carrying.
  const returnsHome = options.returnTo !== undefined && (options.returnTo.replace(/\/$/, '') || '/') === joinPortalPath(tenant.basePath, '/')
  if (options.returnTo && !returnsHome) search.set('redirectTo', options.returnTo)
  if (options.notice) search.set('notice', options.notice)
  const query = search.toString()
  return `${joinPortalPath(tenant.basePath, '/login')}${query ? `?${query}` : ''}`
}

/**
 * Loader/action guard for partner pages: the signed-in partner user of this
 * portal, or a redirect to its sign-in page. A session for another vendor's
 * portal counts as signed out (and the sign-in page says so).
 */
export async function requirePartner(request: Request, context: AppLoadContext, params?: LoaderFunctionArgs['params']): Promise<SignedInPartner> {
  const tenant = await requirePortalTenant(request, params, context)
  const { session, otherPortal, headers } = await getPartnerSession(request, tenant, context)
  if (!session) {
    const url = new URL(request.url)
    const returnTo = request.method === 'GET' ? `${url.pathname}${url.search}` : undefined
    throw redirect(loginPath(tenant, { returnTo, notice: otherPortal ? OTHER_PORTAL_NOTICE : undefined }), { headers })
  }
  const ctx = partnerContext(coreDeps(await runtimeDeps()), tenant, session)
  return { ctx, caller: portalCaller(ctx, tenant), tenant, session, headers }
}

/** Core context for someone not signed in (public pages, tRPC without a session). */
export async function anonymousContext(): Promise<CoreContext> {
  return { ...coreDeps(await runtimeDeps()), actor: { kind: 'anonymous' } }
}

/** The partner's core context when signed in to this tenant's portal, else null (tRPC: anonymous then). */
export async function partnerContextFor(request: Request, tenant: PortalTenant): Promise<PartnerContext | null> {
  const { session } = await getPartnerSession(request, tenant)
  if (!session) return null
  return partnerContext(coreDeps(await runtimeDeps()), tenant, session)
}

function partnerContext(deps: CoreDeps, tenant: PortalTenant, session: PartnerSession): PartnerContext {
  return { ...deps, actor: { kind: 'partner', tenantId: tenant.id, userId: session.user.id, partnerId: session.user.partnerId, role: session.user.partnerRole } }
}

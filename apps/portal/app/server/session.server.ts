import { createSessionManager, type SessionManager, type SessionUser } from '@accord/auth'
import type { AppLoadContext } from '@remix-run/node'
import { PARTNER_ROLES, type PartnerRole } from '@accord/core'
import { partitionSessionIds, readCookieValues } from '~/lib/portal-address'
import { portalEnv } from '../../env'
import { oncePerRequest } from './request-cache.server'
import { runtimeDeps } from './runtime.server'
import type { PortalTenant } from './tenant.server'

export const PORTAL_SESSION_COOKIE = 'accord_portal_session'

const holder = globalThis as typeof globalThis & { __accordPortalSessions?: SessionManager }

export async function sessionManager(): Promise<SessionManager> {
  if (!holder.__accordPortalSessions) {
    const deps = await runtimeDeps()
    holder.__accordPortalSessions = createSessionManager({ db: deps.db, cookieName: PORTAL_SESSION_COOKIE, secureCookies: portalEnv().COOKIE_SECURE })
  }
  return holder.__accordPortalSessions
}

export interface PartnerSession {
  sessionId: string
  user: SessionUser & { kind: 'partner'; partnerId: string; partnerRole: PartnerRole }
}

export interface PartnerSessionLookup {
  session: PartnerSession | null
  /** A session of another vendor's portal was presented (and ignored). */
  otherPortal: boolean
  /** Set-Cookie headers to pass on: a refreshed session, or clearing a dead one. */
  headers: Headers
}

const isPartnerRole = (role: string | null): role is PartnerRole => (PARTNER_ROLES as readonly string[]).includes(role ?? '')

/**
 * The signed-in partner user of THIS portal, if any. A session of another
 * tenant is never validated or accepted, whatever its cookie path. Pass the
 * load context to share the result between the loaders of one request.
 */
export function getPartnerSession(request: Request, tenant: PortalTenant, context?: AppLoadContext): Promise<PartnerSessionLookup> {
  return oncePerRequest(context, `session:${tenant.id}`, () => lookUpSession(request, tenant))
}

async function lookUpSession(request: Request, tenant: PortalTenant): Promise<PartnerSessionLookup> {
  const sessions = await sessionManager()
  const headers = new Headers()
  const { own, foreign } = partitionSessionIds(readCookieValues(request.headers.get('cookie'), PORTAL_SESSION_COOKIE), tenant.id)
  for (const sessionId of own) {
    const validated = await sessions.validate(sessionId, { cookiePath: tenant.cookiePath })
    const user = validated?.user
    if (!validated || !user || user.kind !== 'partner' || user.tenantId !== tenant.id || !user.partnerId || !isPartnerRole(user.partnerRole)) continue
    if (validated.refreshedCookie) headers.append('Set-Cookie', validated.refreshedCookie)
    return { session: { sessionId: validated.sessionId, user: { ...user, kind: 'partner', partnerId: user.partnerId, partnerRole: user.partnerRole } }, otherPortal: false, headers }
  }
  // Expired or revoked: clear our cookie so the browser stops sending it.
  if (own.length > 0) headers.append('Set-Cookie', sessions.blankCookie(tenant.cookiePath))
  // Only worth a notice when nothing of this portal was presented (not merely an expired session).
  return { session: null, otherPortal: own.length === 0 && foreign.length > 0, headers }
}

/**
 * Sign a partner user in to this portal. Any session of this tenant the
 * browser presented is ended first (rotation: no session fixation).
 */
export async function startPartnerSession(request: Request, input: { tenant: PortalTenant; userId: string; clientIp: string | null }): Promise<Headers> {
  const sessions = await sessionManager()
  await endPresentedSessions(request, input.tenant)
  const created = await sessions.create({
    tenantId: input.tenant.id,
    userId: input.userId,
    ip: input.clientIp,
    userAgent: request.headers.get('user-agent'),
    cookiePath: input.tenant.cookiePath,
  })
  return new Headers({ 'Set-Cookie': created.cookie })
}

/** Sign out of this portal only; sessions for other vendors' portals stay. */
export async function endPartnerSession(request: Request, tenant: PortalTenant): Promise<Headers> {
  const sessions = await sessionManager()
  await endPresentedSessions(request, tenant)
  return new Headers({ 'Set-Cookie': sessions.blankCookie(tenant.cookiePath) })
}

async function endPresentedSessions(request: Request, tenant: PortalTenant): Promise<void> {
  const sessions = await sessionManager()
  const { own } = partitionSessionIds(readCookieValues(request.headers.get('cookie'), PORTAL_SESSION_COOKIE), tenant.id)
  for (const sessionId of own) await sessions.invalidate(sessionId)
}

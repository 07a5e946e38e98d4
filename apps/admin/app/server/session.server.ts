import { type SessionManager, type SessionUser, createSessionManager } from '@accord/auth'
import { STAFF_ROLES, type StaffRole } from '@accord/core'
import { readCookie } from '@accord/web/http'
import { adminEnv } from '../../env'
import { runtimeDeps } from './runtime.server'

export const SESSION_COOKIE = 'accord_admin_session'
export const LAST_WORKSPACE_COOKIE = 'last_workspace'

export type StaffUser = SessionUser & { kind: 'staff'; staffRole: StaffRole }

export interface StaffSession {
  sessionId: string
  user: StaffUser
  /** Set-Cookie to send when Lucia extended the session. */
  refreshedCookie: string | null
}

let manager: SessionManager | undefined
export async function sessionManager(): Promise<SessionManager> {
  if (!manager) {
    const deps = await runtimeDeps()
    manager = createSessionManager({ db: deps.db, cookieName: SESSION_COOKIE, secureCookies: adminEnv().COOKIE_SECURE })
  }
  return manager
}

function isStaffUser(user: SessionUser): user is StaffUser {
  return user.kind === 'staff' && (STAFF_ROLES as readonly string[]).includes(user.staffRole ?? '')
}

// Layout and page loaders of one request both ask; validate the cookie once.
// Remix hands each loader its own copy of the Request but the same load
// context, so the context is the per-request key when there is one.
const perRequest = new WeakMap<object, Promise<StaffSession | null>>()

/** The signed-in staff member, or null. Partner sessions never count here. */
export function getStaffSession(request: Request, context?: object): Promise<StaffSession | null> {
  const key = context ?? request
  let pending = perRequest.get(key)
  if (!pending) {
    pending = (async () => {
      const sessions = await sessionManager()
      const sessionId = sessions.readSessionId(request.headers.get('cookie'))
      if (!sessionId) return null
      const validated = await sessions.validate(sessionId)
      if (!validated || !isStaffUser(validated.user)) return null
      return { sessionId: validated.sessionId, user: validated.user, refreshedCookie: validated.refreshedCookie }
    })()
    perRequest.set(key, pending)
  }
  return pending
}

/** True when the request carries a session cookie at all (to clear a stale one). */
export function hasSessionCookie(request: Request): boolean {
  return readCookie(request, SESSION_COOKIE) !== null
}

function lastWorkspaceCookie(slug: string): string {
  const secure = adminEnv().COOKIE_SECURE ? '; Secure' : ''
  return `${LAST_WORKSPACE_COOKIE}=${encodeURIComponent(slug)}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly${secure}`
}

/** The workspace this browser last signed in to, to prefill the login form. */
export function lastWorkspace(request: Request): string | null {
  const value = readCookie(request, LAST_WORKSPACE_COOKIE)
  return value && /^[a-z0-9-]{1,63}$/.test(value) ? value : null
}

/**
 * Sign a staff member in: the session presented with the request (if any) is
 * ended and a new one issued, so a planted session id never becomes a login.
 */
export async function startStaffSession(
  request: Request,
  input: { tenantId: string; userId: string; workspaceSlug?: string | null; ip: string | null },
): Promise<Headers> {
  const sessions = await sessionManager()
  const presented = sessions.readSessionId(request.headers.get('cookie'))
  if (presented) await sessions.invalidate(presented).catch(() => undefined)
  const { cookie } = await sessions.create({ tenantId: input.tenantId, userId: input.userId, ip: input.ip, userAgent: request.headers.get('user-agent') })
  const headers = new Headers()
  headers.append('Set-Cookie', cookie)
  if (input.workspaceSlug) headers.append('Set-Cookie', lastWorkspaceCookie(input.workspaceSlug))
  return headers
}

/** End the presented session and clear the cookie. */
export async function endStaffSession(request: Request): Promise<Headers> {
  const sessions = await sessionManager()
  const presented = sessions.readSessionId(request.headers.get('cookie'))
  if (presented) await sessions.invalidate(presented).catch(() => undefined)
  return new Headers({ 'Set-Cookie': sessions.blankCookie() })
}

import { appErrorOf } from '@accord/api'
import { type AppRouter, createCaller } from '@accord/api'
import type { CoreContext, StaffPermission, StaffRole } from '@accord/core'
import { staffCan } from '@accord/core'
import type { RuntimeDeps } from '@accord/core/runtime'
import { type AppLoadContext, redirect } from '@remix-run/node'
import { loginPath, pagePath } from '~/lib/paths'
import { runtimeDeps } from './runtime.server'
import { type StaffUser, getStaffSession, hasSessionCookie, sessionManager } from './session.server'

export type AdminCaller = ReturnType<typeof createCaller>
export type { AppRouter }

export interface StaffRequest {
  /** Core context acting as the signed-in staff member. */
  ctx: CoreContext & { actor: { kind: 'staff'; tenantId: string; userId: string; role: StaffRole } }
  /** tRPC caller with the same context: procedures check roles, core re-checks. */
  caller: AdminCaller
  user: StaffUser
  deps: RuntimeDeps
  /** Set-Cookie of a refreshed session; pass on in the loader's response. */
  headers: Headers
}

export function staffContext(deps: RuntimeDeps, user: StaffUser): StaffRequest['ctx'] {
  return { ...deps, actor: { kind: 'staff', tenantId: user.tenantId, userId: user.id, role: user.staffRole } }
}

export function adminCaller(ctx: CoreContext): AdminCaller {
  return createCaller({ core: ctx, app: 'admin', portalTenantId: null })
}

/**
 * Loader/action guard: the signed-in staff member with a core context and a
 * tRPC caller. Signed out → redirect to the login page (and back afterwards);
 * a role without `permission` → a 403 page.
 */
export async function requireStaff(request: Request, context: AppLoadContext, permission?: StaffPermission): Promise<StaffRequest> {
  const session = await getStaffSession(request, context)
  if (!session) {
    const headers = new Headers()
    // A stale or foreign (partner) session cookie is cleared on the way out.
    if (hasSessionCookie(request)) headers.append('Set-Cookie', (await sessionManager()).blankCookie())
    throw redirect(loginPath(pagePath(request.url)), { headers })
  }
  if (permission && !staffCan(session.user.staffRole, permission)) {
    throw new Response('Your role does not allow this page.', { status: 403, statusText: 'Forbidden' })
  }
  const deps = await runtimeDeps()
  const ctx = staffContext(deps, session.user)
  const headers = new Headers()
  if (session.refreshedCookie) headers.append('Set-Cookie', session.refreshedCookie)
  return { ctx, caller: adminCaller(ctx), user: session.user, deps, headers }
}

/** Core context for the signed-in staff member, or an anonymous one (tRPC endpoint, public pages). */
export async function optionalStaffContext(request: Request): Promise<CoreContext> {
  const deps = await runtimeDeps()
  const session = await getStaffSession(request)
  return session ? staffContext(deps, session.user) : { ...deps, actor: { kind: 'anonymous' } }
}

/** 404 for loaders: rendered by the nearest error boundary as a friendly page. */
export function notFound(message = 'We could not find that page.'): Response {
  return new Response(message, { status: 404, statusText: 'Not Found' })
}

/**
 * For `.catch()` on a lookup by id: unknown, malformed and other workspaces'
 * ids all look the same (a 404 page with `message`); anything else is rethrown.
 */
export function rethrowAsNotFound(message: string): (error: unknown) => never {
  return (error) => {
    const code = appErrorOf(error)?.code
    if (code === 'NOT_FOUND' || code === 'VALIDATION' || code === 'BAD_REQUEST') throw notFound(message)
    throw error
  }
}

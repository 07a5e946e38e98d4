import { createSessionManager } from '@accord/auth'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor, type VendorFixture } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireStaff } from './guard.server'
import { SESSION_COOKIE } from './session.server'

/**
 * The admin loader guard against a real database: signed out → login,
 * role without permission → 403, partner sessions never count as staff.
 */
let deps: TestDeps
let vendor: VendorFixture
// A fresh load context per request, as Remix creates one per request.
const context = () => ({ clientIp: '127.0.0.1' })

beforeAll(async () => {
  deps = await createTestDeps()
  // The guard reads the process-wide runtime deps; hand it the test database's.
  ;(globalThis as Record<symbol, unknown>)[Symbol.for('accord.admin.runtimeDeps')] = Promise.resolve({ ...deps, close: deps.close })
  vendor = await createVendor(deps)
})
afterAll(async () => {
  await deps?.close()
})

async function cookieFor(tenantId: string, userId: string) {
  const sessions = createSessionManager({ db: deps.db, cookieName: SESSION_COOKIE, secureCookies: false })
  const { cookie } = await sessions.create({ tenantId, userId })
  return cookie.split(';')[0] ?? ''
}

async function thrown(promise: Promise<unknown>): Promise<Response> {
  try {
    await promise
  } catch (error) {
    if (error instanceof Response) return error
    throw error
  }
  throw new Error('expected the guard to throw a Response')
}

const request = (path: string, cookie?: string) => new Request(`http://admin.test${path}`, { headers: cookie ? { cookie } : {} })

describe('requireStaff (loader guard)', () => {
  it('sends signed-out visitors to the login page and back', async () => {
    const response = await thrown(requireStaff(request('/partners?status=all'), context(), 'partners.view'))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`/login?redirectTo=${encodeURIComponent('/partners?status=all')}`)
  })

  it('answers 403 when the role lacks the permission, and lets it through otherwise', async () => {
    const viewer = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })
    const cookie = await cookieFor(vendor.tenantId, viewer.userId)
    expect((await thrown(requireStaff(request('/settings/branding', cookie), context(), 'settings.manage'))).status).toBe(403)
    expect((await thrown(requireStaff(request('/audit', cookie), context(), 'audit.view'))).status).toBe(403)
    const allowed = await requireStaff(request('/partners', cookie), context(), 'partners.view')
    expect(allowed.ctx.actor).toEqual({ kind: 'staff', tenantId: vendor.tenantId, userId: viewer.userId, role: 'viewer' })
  })

  it('gives the owner a context scoped to their own workspace', async () => {
    const cookie = await cookieFor(vendor.tenantId, vendor.ownerId)
    const owner = await requireStaff(request('/settings/team', cookie), context(), 'staff.manage')
    expect(owner.ctx.actor).toMatchObject({ tenantId: vendor.tenantId, role: 'owner' })
  })

  it('never accepts a partner session, and clears the cookie', async () => {
    const partner = await createPartnerOrganisation(vendor.owner)
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const response = await thrown(requireStaff(request('/', await cookieFor(vendor.tenantId, rep.userId)), context()))
    expect(response.status).toBe(302)
    expect(response.headers.get('set-cookie')).toContain(`${SESSION_COOKIE}=;`)
  })

  it('a session cookie captured before deactivation gets the sign-in page afterwards', async () => {
    const { deactivateStaffMember } = await import('@accord/core')
    const leaver = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'admin' })
    const cookie = await cookieFor(vendor.tenantId, leaver.userId)
    expect((await requireStaff(request('/partners', cookie), context(), 'partners.view')).user.id).toBe(leaver.userId)
    await deactivateStaffMember(vendor.owner, { userId: leaver.userId })
    const response = await thrown(requireStaff(request('/partners', cookie), context(), 'partners.view'))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`/login?redirectTo=${encodeURIComponent('/partners')}`)
    expect(response.headers.get('set-cookie')).toContain(`${SESSION_COOKIE}=;`)
  })

  it('treats a forged or garbage cookie as signed out', async () => {
    const forged = `${SESSION_COOKIE}=${vendor.tenantId}.forgedsecretforgedsecretforgedsecret`
    expect((await thrown(requireStaff(request('/', forged), context()))).status).toBe(302)
    expect((await thrown(requireStaff(request('/', `${SESSION_COOKIE}=not-even-close`), context()))).status).toBe(302)
  })
})

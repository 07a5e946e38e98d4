import { createPartnerOrganisation, createPartnerUser, createVendor } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requirePartner } from './guard.server'
import { provideRuntimeDeps } from './runtime.server'
import { getPartnerSession, PORTAL_SESSION_COOKIE, startPartnerSession } from './session.server'
import { requirePortalTenant } from './tenant.server'

/**
 * The portal's session rules against a real database: a session only counts
 * on its own tenant's portal, and signing in rotates the presented session.
 */
let deps: TestDeps
let northwind: { slug: string; userId: string }
let fabrikam: { slug: string; userId: string }

const context = () => ({ clientIp: '127.0.0.1' })
const cookieOf = (setCookie: string | null) => (setCookie ?? '').split(';')[0] ?? ''

async function signIn(slug: string, userId: string, cookie?: string) {
  const request = new Request(`http://portal.test/t/${slug}/login`, { headers: cookie ? { cookie } : {} })
  const tenant = await requirePortalTenant(request)
  const headers = await startPartnerSession(request, { tenant, userId, clientIp: null })
  return headers.get('set-cookie')
}

async function thrownResponse(promise: Promise<unknown>): Promise<Response> {
  try {
    await promise
  } catch (error) {
    if (error instanceof Response) return error
    throw error
  }
  throw new Error('expected a redirect')
}

beforeAll(async () => {
  deps = await createTestDeps()
  provideRuntimeDeps({ ...deps, close: deps.close })
  for (const slug of ['northwind', 'fabrikam'] as const) {
    const vendor = await createVendor(deps, { slug: `${slug}-${Math.random().toString(36).slice(2, 8)}` })
    const partner = await createPartnerOrganisation(vendor.owner)
    const user = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const fixture = { slug: vendor.slug, userId: user.userId }
    if (slug === 'northwind') northwind = fixture
    else fabrikam = fixture
  }
})

afterAll(async () => {
  await deps?.close()
})

describe('portal sessions', () => {
  it('scopes the cookie to the tenant path and accepts it on that portal', async () => {
    const setCookie = await signIn(northwind.slug, northwind.userId)
    expect(setCookie).toContain(`Path=/t/${northwind.slug}`)
    expect(setCookie).toContain('HttpOnly')
    const request = new Request(`http://portal.test/t/${northwind.slug}/`, { headers: { cookie: cookieOf(setCookie) } })
    const signedIn = await requirePartner(request, context())
    expect(signedIn.ctx.actor).toMatchObject({ kind: 'partner', userId: northwind.userId })
    expect(signedIn.tenant.slug).toBe(northwind.slug)
    const home = await signedIn.caller.portal.home()
    expect(home.user.id).toBe(northwind.userId)
  })

  it("treats another vendor's session as signed out, with a notice", async () => {
    const fabrikamCookie = cookieOf(await signIn(fabrikam.slug, fabrikam.userId))
    expect(fabrikamCookie.startsWith(`${PORTAL_SESSION_COOKIE}=`)).toBe(true)
    const request = new Request(`http://portal.test/t/${northwind.slug}/?tab=1`, { headers: { cookie: fabrikamCookie } })
    const response = await thrownResponse(requirePartner(request, context()))
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location') ?? '', 'http://portal.test')
    expect(location.pathname).toBe(`/t/${northwind.slug}/login`)
    expect(location.searchParams.get('notice')).toBe('other-portal')
    expect(location.searchParams.get('redirectTo')).toBe(`/t/${northwind.slug}/?tab=1`)
  })

  it('keeps both vendors signed in when the browser sends both cookies', async () => {
    const northwindCookie = cookieOf(await signIn(northwind.slug, northwind.userId))
    const fabrikamCookie = cookieOf(await signIn(fabrikam.slug, fabrikam.userId))
    const both = `${fabrikamCookie}; ${northwindCookie}`
    const atNorthwind = await requirePartner(new Request(`http://portal.test/t/${northwind.slug}/`, { headers: { cookie: both } }), context())
    const atFabrikam = await requirePartner(new Request(`http://portal.test/t/${fabrikam.slug}/`, { headers: { cookie: both } }), context())
    expect(atNorthwind.ctx.actor.userId).toBe(northwind.userId)
    expect(atFabrikam.ctx.actor.userId).toBe(fabrikam.userId)
  })

  it('redirects to sign-in without a notice when there is no session', async () => {
    const response = await thrownResponse(requirePartner(new Request(`http://portal.test/t/${northwind.slug}/`), context()))
    expect(response.headers.get('location')).toBe(`/t/${northwind.slug}/login`)
  })

  it('ends the presented session when signing in again (rotation)', async () => {
    const first = cookieOf(await signIn(northwind.slug, northwind.userId))
    const second = cookieOf(await signIn(northwind.slug, northwind.userId, first))
    expect(second).not.toBe(first)
    const tenant = await requirePortalTenant(new Request(`http://portal.test/t/${northwind.slug}/`))
    const old = await getPartnerSession(new Request(`http://portal.test/t/${northwind.slug}/`, { headers: { cookie: first } }), tenant)
    expect(old.session).toBeNull()
    // The dead cookie is cleared.
    expect(old.headers.get('set-cookie')).toContain('Max-Age=0')
    const current = await getPartnerSession(new Request(`http://portal.test/t/${northwind.slug}/`, { headers: { cookie: second } }), tenant)
    expect(current.session?.user.id).toBe(northwind.userId)
  })

  it('answers 404 for an address that names no portal', async () => {
    const response = await thrownResponse(requirePortalTenant(new Request('http://portal.test/t/no-such-vendor/login')))
    expect(response.status).toBe(404)
  })
})

describe('host mode (<slug>.<PORTAL_BASE_DOMAIN>)', () => {
  beforeAll(() => provideRuntimeDeps({ ...deps, portal: { portalUrl: 'http://portal.test', baseDomain: 'portal.test' }, close: deps.close }))
  afterAll(() => provideRuntimeDeps({ ...deps, close: deps.close }))

  it('resolves the tenant from the host and scopes the cookie to /', async () => {
    const request = new Request(`http://${northwind.slug}.portal.test/login`)
    const tenant = await requirePortalTenant(request)
    expect(tenant).toMatchObject({ slug: northwind.slug, mode: 'host', basePath: '', cookiePath: '/' })
    const setCookie = (await startPartnerSession(request, { tenant, userId: northwind.userId, clientIp: null })).get('set-cookie')
    expect(setCookie).toContain('Path=/;')
    const signedIn = await requirePartner(new Request(`http://${northwind.slug}.portal.test/`, { headers: { cookie: cookieOf(setCookie) } }), context())
    expect(signedIn.ctx.actor.userId).toBe(northwind.userId)
    // The same cookie on the other vendor's host is not a session there.
    const response = await thrownResponse(requirePartner(new Request(`http://${fabrikam.slug}.portal.test/`, { headers: { cookie: cookieOf(setCookie) } }), context()))
    expect(response.headers.get('location')).toBe('/login?notice=other-portal')
  })
})

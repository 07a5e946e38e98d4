import { describe, expect, it } from 'vitest'
import {
  joinPortalPath,
  partitionSessionIds,
  portalBasePath,
  portalPath,
  readCookieValues,
  safeRedirectPath,
  sessionCookiePath,
  tenantSlugFromRequest,
} from './portal-address'

const TENANT_A = '11111111-1111-4111-8111-111111111111'
const TENANT_B = '22222222-2222-4222-8222-222222222222'

describe('tenantSlugFromRequest', () => {
  it('reads the slug from the /t/<slug> prefix', () => {
    expect(tenantSlugFromRequest('http://localhost:3001/t/northwind/login', 'localhost:3001', undefined)).toEqual({ slug: 'northwind', mode: 'path' })
    expect(tenantSlugFromRequest('http://localhost:3001/t/northwind', 'localhost:3001', undefined)).toEqual({ slug: 'northwind', mode: 'path' })
    expect(tenantSlugFromRequest('http://localhost:3001/t/NorthWind/', 'localhost:3001', undefined)).toEqual({ slug: 'northwind', mode: 'path' })
  })

  it('ignores look-alike prefixes and malformed slugs', () => {
    expect(tenantSlugFromRequest('http://localhost:3001/tx/northwind', null, undefined)).toBeNull()
    expect(tenantSlugFromRequest('http://localhost:3001/t/', null, undefined)).toBeNull()
    expect(tenantSlugFromRequest('http://localhost:3001/t/north%2Fwind/login', null, undefined)).toBeNull()
    expect(tenantSlugFromRequest('http://localhost:3001/t/-bad-/login', null, undefined)).toBeNull()
    expect(tenantSlugFromRequest('http://localhost:3001/t/%E0%A4%A/login', null, undefined)).toBeNull()
  })

  it('has no tenant at the bare root in path mode', () => {
    expect(tenantSlugFromRequest('http://localhost:3001/', 'localhost:3001', undefined)).toBeNull()
    expect(tenantSlugFromRequest('http://localhost:3001/login', 'localhost:3001', undefined)).toBeNull()
  })

  it('reads the slug from the host when a base domain is configured', () => {
    expect(tenantSlugFromRequest('http://northwind.localhost:3001/', 'northwind.localhost:3001', 'localhost')).toEqual({ slug: 'northwind', mode: 'host' })
    expect(tenantSlugFromRequest('https://acme.partners.example.com/login', 'ACME.partners.example.com', 'partners.example.com')).toEqual({ slug: 'acme', mode: 'host' })
    // The host defaults to the URL's own host.
    expect(tenantSlugFromRequest('http://northwind.localhost:3001/', null, 'localhost')).toEqual({ slug: 'northwind', mode: 'host' })
  })

  it('ignores the host without a base domain, the bare base domain, and deeper sub-domains', () => {
    expect(tenantSlugFromRequest('http://northwind.localhost:3001/', 'northwind.localhost:3001', undefined)).toBeNull()
    expect(tenantSlugFromRequest('http://localhost:3001/', 'localhost:3001', 'localhost')).toBeNull()
    expect(tenantSlugFromRequest('http://a.b.localhost:3001/', 'a.b.localhost:3001', 'localhost')).toBeNull()
    expect(tenantSlugFromRequest('http://evil-localhost:3001/', 'evil-localhost:3001', 'localhost')).toBeNull()
    expect(tenantSlugFromRequest('http://[::1]:3001/', '[::1]:3001', 'localhost')).toBeNull()
  })

  it('lets the path prefix win over the host', () => {
    expect(tenantSlugFromRequest('http://northwind.localhost:3001/t/contoso/login', 'northwind.localhost:3001', 'localhost')).toEqual({ slug: 'contoso', mode: 'path' })
  })
})

describe('cookie path and links', () => {
  it('scopes the session cookie to /t/<slug> in path mode and / in host mode', () => {
    expect(sessionCookiePath({ slug: 'northwind', mode: 'path' })).toBe('/t/northwind')
    expect(sessionCookiePath({ slug: 'northwind', mode: 'host' })).toBe('/')
  })

  it('builds portal links with the right prefix', () => {
    expect(portalBasePath({ slug: 'northwind', mode: 'path' })).toBe('/t/northwind')
    expect(portalBasePath({ slug: 'northwind', mode: 'host' })).toBe('')
    expect(joinPortalPath('/t/northwind', '/login')).toBe('/t/northwind/login')
    expect(joinPortalPath('/t/northwind', '/')).toBe('/t/northwind')
    expect(joinPortalPath('', '/')).toBe('/')
    expect(joinPortalPath('', 'login')).toBe('/login')
    expect(portalPath({ tenantSlug: 'northwind' }, '/login')).toBe('/t/northwind/login')
    expect(portalPath({}, '/login')).toBe('/login')
  })
})

describe('safeRedirectPath', () => {
  it('keeps paths inside this portal', () => {
    expect(safeRedirectPath('/t/northwind/deals?x=1', '/t/northwind')).toBe('/t/northwind/deals?x=1')
    expect(safeRedirectPath('/deals', '')).toBe('/deals')
  })

  it('falls back to home for anything else', () => {
    expect(safeRedirectPath(null, '/t/northwind')).toBe('/t/northwind')
    expect(safeRedirectPath('https://evil.example/', '/t/northwind')).toBe('/t/northwind')
    expect(safeRedirectPath('//evil.example/', '')).toBe('/')
    expect(safeRedirectPath('/\\evil.example', '')).toBe('/')
    expect(safeRedirectPath('/t/contoso/', '/t/northwind')).toBe('/t/northwind')
    expect(safeRedirectPath('/t/northwindx', '/t/northwind')).toBe('/t/northwind')
    expect(safeRedirectPath('/t/contoso/', '')).toBe('/')
    expect(safeRedirectPath('/t/northwind/login', '/t/northwind')).toBe('/t/northwind')
    expect(safeRedirectPath('/logout', '')).toBe('/')
  })

  it.each(['/.//evil.example', '/%2e//x', '/%2E//x', '/..//x', '/\\evil', '//evil', '/%5Cevil', '/%5cevil', '/%2F%2Fevil', 'https://evil', 'javascript:', 'javascript:alert(1)', '/\t/evil', '/%2e%2e//x'])(
    'host mode: refuses %s (another host once resolved)',
    (candidate) => {
      expect(safeRedirectPath(candidate, '')).toBe('/')
    },
  )

  it.each(['/t/northwind/../..//evil', '/t/northwind/%2e%2e/%2e%2e//evil', '/t/northwind/..', '/t/northwind/../contoso/deals'])('path mode: refuses %s', (candidate) => {
    expect(safeRedirectPath(candidate, '/t/northwind')).toBe('/t/northwind')
  })

  it('keeps good paths, normalised', () => {
    expect(safeRedirectPath('/deals/./1?x=2', '')).toBe('/deals/1?x=2')
    expect(safeRedirectPath('/t/northwind/team', '/t/northwind')).toBe('/t/northwind/team')
    expect(safeRedirectPath('/t/northwind/announcements/a/../b', '/t/northwind')).toBe('/t/northwind/announcements/b')
  })
})

describe('session cookies', () => {
  it('reads every value of the session cookie', () => {
    expect(readCookieValues(`accord_portal_session=${TENANT_A}.abc; other=1; accord_portal_session=${TENANT_B}.def`, 'accord_portal_session')).toEqual([`${TENANT_A}.abc`, `${TENANT_B}.def`])
    expect(readCookieValues(null, 'accord_portal_session')).toEqual([])
    expect(readCookieValues('accord_portal_session=', 'accord_portal_session')).toEqual([])
  })

  it('accepts only sessions of the portal tenant; another tenant’s session is foreign', () => {
    expect(partitionSessionIds([`${TENANT_B}.def`, `${TENANT_A}.abc`, 'garbage'], TENANT_A)).toEqual({ own: [`${TENANT_A}.abc`], foreign: [`${TENANT_B}.def`] })
    expect(partitionSessionIds([`${TENANT_B}.def`], TENANT_A)).toEqual({ own: [], foreign: [`${TENANT_B}.def`] })
  })
})

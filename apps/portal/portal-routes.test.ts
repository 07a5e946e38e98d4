// The implementation behind the Remix plugin's `routes` option (internal module of @remix-run/dev).
import { defineRoutes } from '@remix-run/dev/dist/config/routes.js'
import { describe, expect, it } from 'vitest'
import { definePortalRoutes } from './portal-routes'

interface RouteEntry {
  id: string
  path?: string
  index?: boolean
  parentId: string
  file: string
}

const routes = Object.values(definePortalRoutes(defineRoutes) as Record<string, RouteEntry>)
const byId = (id: string) => routes.find((route) => route.id === id)

describe('portal route table', () => {
  it('mounts every page under /t/:tenantSlug and at the root, with distinct ids', () => {
    for (const page of ['login', 'logout', 'magic', 'invite', 'forgot-password', 'reset-password', 'trpc', 'registration-precheck', 'not-found']) {
      const pathMode = byId(`path/${page}`)
      const hostMode = byId(`host/${page}`)
      expect(pathMode?.file).toBe(hostMode?.file)
      expect(pathMode?.path?.startsWith('t/:tenantSlug/')).toBe(true)
      expect(hostMode?.path?.startsWith('t/')).toBe(false)
    }
  })

  it('nests the home page in the signed-in layout in both modes', () => {
    expect(byId('path/app')?.path).toBe('t/:tenantSlug')
    expect(byId('host/app')?.path).toBeUndefined()
    expect(byId('path/home')).toMatchObject({ index: true, parentId: 'path/app', file: 'pages/home.tsx' })
    expect(byId('host/home')).toMatchObject({ index: true, parentId: 'host/app', file: 'pages/home.tsx' })
  })

  it('nests the registration pages in the signed-in layout in both modes', () => {
    const pages = { registrations: 'registrations', 'registration-new': 'registrations/new', registration: 'registrations/:registrationId' }
    for (const [name, path] of Object.entries(pages)) {
      expect(byId(`path/${name}`)).toMatchObject({ path, parentId: 'path/app' })
      expect(byId(`host/${name}`)).toMatchObject({ path, parentId: 'host/app' })
      expect(byId(`path/${name}`)?.file).toBe(byId(`host/${name}`)?.file)
    }
    // The pre-check is JSON only: outside the layout, at the same address as the pages it serves.
    expect(byId('path/registration-precheck')?.path).toBe('t/:tenantSlug/registrations/precheck')
    expect(byId('host/registration-precheck')?.path).toBe('registrations/precheck')
    expect(byId('host/registration-precheck')?.parentId).toBe('root')
  })

  it('serves tRPC at /api/trpc/* and /t/:tenantSlug/api/trpc/*, and logos once at the root', () => {
    expect(byId('host/trpc')?.path).toBe('api/trpc/*')
    expect(byId('path/trpc')?.path).toBe('t/:tenantSlug/api/trpc/*')
    expect(routes.filter((route) => route.file === 'pages/brand-logo.ts').map((route) => route.path)).toEqual(['brand/:slug/logo'])
  })
})

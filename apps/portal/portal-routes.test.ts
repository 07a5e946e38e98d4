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
    for (const page of ['login', 'logout', 'magic', 'invite', 'forgot-password', 'reset-password', 'trpc', 'not-found']) {
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

  it('serves tRPC at /api/trpc/* and /t/:tenantSlug/api/trpc/*, and logos once at the root', () => {
    expect(byId('host/trpc')?.path).toBe('api/trpc/*')
    expect(byId('path/trpc')?.path).toBe('t/:tenantSlug/api/trpc/*')
    expect(routes.filter((route) => route.file === 'pages/brand-logo.ts').map((route) => route.path)).toEqual(['brand/:slug/logo'])
  })
})

// The implementation behind the Remix plugin's `routes` option (internal module of @remix-run/dev).
import { defineRoutes } from '@remix-run/dev/dist/config/routes.js'
import { matchRoutes } from '@remix-run/react'
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

type RouteObject = NonNullable<Parameters<typeof matchRoutes>[0]>[number]

/** The table as the router nests it, to ask which route an address reaches (same ranking as Remix). */
function tree(parentId: string): RouteObject[] {
  return routes
    .filter((route) => route.parentId === parentId)
    .map((route) => (route.index ? { id: route.id, index: true } : { id: route.id, path: route.path, children: tree(route.id) }))
}
const routeTree: RouteObject[] = [{ id: 'root', path: '', children: tree('root') }]
const routeFor = (pathname: string) => matchRoutes(routeTree, pathname)?.at(-1)?.route.id

describe('portal route table', () => {
  it('mounts every page under /t/:tenantSlug and at the root, with distinct ids', () => {
    for (const page of ['login', 'logout', 'magic', 'invite', 'forgot-password', 'reset-password', 'trpc', 'registration-precheck', 'registration-import-results', 'not-found']) {
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
    const pages = {
      registrations: 'registrations',
      'registration-new': 'registrations/new',
      'registration-imports': 'registrations/imports',
      'registration-import': 'registrations/imports/:importId',
      registration: 'registrations/:registrationId',
      pipeline: 'pipeline',
    }
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

  it('reaches the import pages, not the registration page, and serves the verdicts CSV outside the layout', () => {
    for (const [prefix, mode] of [
      ['/t/northwind', 'path'],
      ['', 'host'],
    ] as const) {
      expect(routeFor(`${prefix}/registrations`)).toBe(`${mode}/registrations`)
      expect(routeFor(`${prefix}/registrations/new`)).toBe(`${mode}/registration-new`)
      expect(routeFor(`${prefix}/registrations/imports`)).toBe(`${mode}/registration-imports`)
      expect(routeFor(`${prefix}/registrations/imports/`)).toBe(`${mode}/registration-imports`)
      expect(routeFor(`${prefix}/registrations/imports/0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a`)).toBe(`${mode}/registration-import`)
      expect(routeFor(`${prefix}/registrations/imports/0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a/results.csv`)).toBe(`${mode}/registration-import-results`)
      expect(routeFor(`${prefix}/registrations/0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a`)).toBe(`${mode}/registration`)
      expect(routeFor(`${prefix}/registrations/precheck`)).toBe(`${mode}/registration-precheck`)
      expect(routeFor(`${prefix}/pipeline`)).toBe(`${mode}/pipeline`)
      expect(routeFor(`${prefix}/registrations/imports/x/other`)).toBe(`${mode}/not-found`)
    }
    expect(byId('path/registration-import-results')?.path).toBe('t/:tenantSlug/registrations/imports/:importId/results.csv')
    expect(byId('host/registration-import-results')).toMatchObject({ path: 'registrations/imports/:importId/results.csv', parentId: 'root' })
  })

  it('nests the announcement pages in the layout; the e-mail links (acknowledge, open pixel) sit outside it, public', () => {
    for (const [prefix, mode] of [
      ['/t/northwind', 'path'],
      ['', 'host'],
    ] as const) {
      expect(routeFor(`${prefix}/announcements`)).toBe(`${mode}/announcements`)
      expect(routeFor(`${prefix}/announcements/0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a`)).toBe(`${mode}/announcement`)
      expect(routeFor(`${prefix}/announcements/acknowledge/0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a.secret`)).toBe(`${mode}/announcement-acknowledge`)
      expect(routeFor(`${prefix}/announcements/open/0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a.secret`)).toBe(`${mode}/announcement-open`)
      expect(byId(`${mode}/announcements`)?.parentId).toBe(`${mode}/app`)
      expect(byId(`${mode}/announcement-acknowledge`)?.parentId).toBe('root')
      expect(byId(`${mode}/announcement-open`)?.parentId).toBe('root')
      expect(byId(`${mode}/announcement-acknowledge`)?.file).toBe('pages/announcement-acknowledge.tsx')
    }
  })

  it('serves the e-mail registration confirmation link outside the signed-in layout, beside the registration pages', () => {
    for (const [prefix, mode] of [
      ['/t/northwind', 'path'],
      ['', 'host'],
    ] as const) {
      expect(routeFor(`${prefix}/registrations/confirm/0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a.secret`)).toBe(`${mode}/registration-confirm`)
      expect(byId(`${mode}/registration-confirm`)?.parentId).toBe('root')
      expect(routeFor(`${prefix}/registrations/0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a`)).toBe(`${mode}/registration`)
    }
  })

  it('serves tRPC at /api/trpc/* and /t/:tenantSlug/api/trpc/*, and logos once at the root', () => {
    expect(byId('host/trpc')?.path).toBe('api/trpc/*')
    expect(byId('path/trpc')?.path).toBe('t/:tenantSlug/api/trpc/*')
    expect(routes.filter((route) => route.file === 'pages/brand-logo.ts').map((route) => route.path)).toEqual(['brand/:slug/logo'])
  })
})

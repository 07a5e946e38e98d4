import { useRouteLoaderData } from '@remix-run/react'
import { joinPortalPath } from './portal-address'

/** The vendor branding every page paints with (root loader data; never secrets). */
export interface PortalBrand {
  slug: string
  name: string
  portalName: string
  logoUrl: string | null
  primaryColor: string
  supportEmail: string | null
  /** `/t/<slug>` in path mode, `''` in host mode. */
  basePath: string
}

export interface RootData {
  brand: PortalBrand | null
}

/** The current portal's branding, or null outside any portal (landing page, unknown address). */
export function usePortalBrand(): PortalBrand | null {
  return useRouteLoaderData<RootData>('root')?.brand ?? null
}

/** Builds in-portal links with the right prefix for path or host mode: `href('/login')`. */
export function usePortalHref(): (to: string) => string {
  const basePath = usePortalBrand()?.basePath ?? ''
  return (to: string) => joinPortalPath(basePath, to)
}

/** "Sign in · Northwind Partner Portal" */
export function portalTitle(matches: ReadonlyArray<{ id: string; data?: unknown }>, page?: string): string {
  const root = matches.find((match) => match.id === 'root')?.data as RootData | undefined
  const site = root?.brand?.portalName ?? 'Accord partner portal'
  return page ? `${page} · ${site}` : site
}

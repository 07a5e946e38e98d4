import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { logoPath } from './lookup.js'

export interface Brand {
  name: string
  logoUrl: string | null
  primaryColor: string
  supportEmail: string | null
}

interface BrandSource {
  slug: string
  name: string
  portal_name: string | null
  logo_key: string | null
  primary_color: string
  support_email: string | null
}

/** Branding for e-mails: absolute logo URL on the portal's origin. */
export function brandOf(deps: Pick<CoreDeps, 'portal'>, tenant: BrandSource): Brand {
  const path = logoPath(tenant.slug, tenant.logo_key)
  const origin = new URL(portalBaseUrl(deps.portal, tenant.slug)).origin
  return {
    name: tenant.portal_name ?? tenant.name,
    logoUrl: path ? `${origin}${path}` : null,
    primaryColor: tenant.primary_color,
    supportEmail: tenant.support_email,
  }
}

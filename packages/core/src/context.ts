import type { Database } from '@accord/db'
import type { JobSender } from '@accord/jobs'
import type { FileStorage } from './storage/storage.js'

export const STAFF_ROLES = ['owner', 'admin', 'partner_manager', 'finance', 'viewer'] as const
export type StaffRole = (typeof STAFF_ROLES)[number]
export const PARTNER_ROLES = ['partner_admin', 'sales', 'finance'] as const
export type PartnerRole = (typeof PARTNER_ROLES)[number]

export type Actor =
  | { kind: 'anonymous' }
  | { kind: 'staff'; tenantId: string; userId: string; role: StaffRole }
  | { kind: 'partner'; tenantId: string; userId: string; partnerId: string; role: PartnerRole }
  /** The worker and seed scripts acting for the system within one tenant. */
  | { kind: 'system'; tenantId: string }

export interface PortalRouting {
  /** Base URL of the portal app, e.g. http://localhost:3001 */
  portalUrl: string
  /** When set, tenants are served at <slug>.<baseDomain>; otherwise under /t/<slug>. */
  baseDomain?: string
}

/** What every core function gets: infrastructure plus who is acting. */
export interface CoreDeps {
  db: Database
  jobs: JobSender
  storage: FileStorage
  now: () => Date
  adminUrl: string
  portal: PortalRouting
  emailFrom: string
}

export interface CoreContext extends CoreDeps {
  actor: Actor
}

export type StaffContext = CoreContext & { actor: Extract<Actor, { kind: 'staff' }> }
export type PartnerContext = CoreContext & { actor: Extract<Actor, { kind: 'partner' }> }

/** The portal's public base for one tenant (links in e-mails, redirects). */
export function portalBaseUrl(routing: PortalRouting, slug: string): string {
  if (routing.baseDomain) {
    const url = new URL(routing.portalUrl)
    return `${url.protocol}//${slug}.${routing.baseDomain}${url.port ? `:${url.port}` : ''}`
  }
  return `${routing.portalUrl.replace(/\/$/, '')}/t/${slug}`
}

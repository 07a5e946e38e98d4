import type { StaffRole } from './context.js'

/**
 * The one table of what each staff role may do. tRPC middleware, Remix loader
 * guards and core functions all ask `staffCan`.
 */
const ALL: readonly StaffRole[] = ['owner', 'admin', 'partner_manager', 'finance', 'viewer']

export const staffPermissions = {
  'workspace.view': ALL,
  'settings.manage': ['owner', 'admin'],
  'staff.view': ALL,
  'staff.manage': ['owner'],
  /** Deactivate and reactivate team members (only owners may do it to an owner). */
  'staff.deactivate': ['owner', 'admin'],
  'partners.view': ALL,
  'partners.manage': ['owner', 'admin', 'partner_manager'],
  'audit.view': ['owner', 'admin'],
  'registrations.view': ALL,
  'registrations.decide': ['owner', 'admin', 'partner_manager'],
  'programme.manage': ['owner', 'admin'],
  'crm.view': ['owner', 'admin', 'partner_manager'],
  'announcements.view': ALL,
  'announcements.manage': ['owner', 'admin', 'partner_manager'],
  'resources.view': ALL,
  'resources.manage': ['owner', 'admin', 'partner_manager'],
  'crm.manage': ['owner', 'admin'],
  'slack.manage': ['owner', 'admin'],
} as const satisfies Record<string, readonly StaffRole[]>

export type StaffPermission = keyof typeof staffPermissions

export function staffCan(role: StaffRole, permission: StaffPermission): boolean {
  return (staffPermissions[permission] as readonly StaffRole[]).includes(role)
}

export const staffRoleLabels: Record<StaffRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  partner_manager: 'Partner manager',
  finance: 'Finance',
  viewer: 'Viewer (read-only)',
}

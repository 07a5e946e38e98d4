import type { UNSAFE_DefineRoutesFunction as DefineRoutesFunction } from '@remix-run/dev'

/**
 * Every portal page exists twice: under `t/:tenantSlug` (path mode, always
 * accepted) and at the root (host mode, `<slug>.<PORTAL_BASE_DOMAIN>`). Same
 * module, distinct route ids (`path/…`, `host/…`). Modules live in app/pages,
 * not app/routes, so file-based discovery never adds a third copy.
 */
export const portalPages = [
  { name: 'login', path: 'login', file: 'pages/login.tsx' },
  { name: 'logout', path: 'logout', file: 'pages/logout.ts' },
  { name: 'magic', path: 'magic/:token', file: 'pages/magic.tsx' },
  { name: 'invite', path: 'invite/:token', file: 'pages/invite.tsx' },
  { name: 'forgot-password', path: 'forgot-password', file: 'pages/forgot-password.tsx' },
  { name: 'reset-password', path: 'reset-password/:token', file: 'pages/reset-password.tsx' },
  { name: 'trpc', path: 'api/trpc/*', file: 'pages/trpc.ts' },
  // A partner's public registration link: no sign-in, allow-listed e-mail domains.
  { name: 'public-registration', path: 'r/:token', file: 'pages/public-registration.tsx' },
  // JSON for the registration form's instant conflict check (loader only; signs in itself, no layout to render).
  { name: 'registration-precheck', path: 'registrations/precheck', file: 'pages/registration-precheck.ts' },
  // An import's verdicts as a CSV download (loader only, no layout).
  { name: 'registration-import-results', path: 'registrations/imports/:importId/results.csv', file: 'pages/registration-import-results.ts' },
  // A registration mailed from an unauthenticated address: the account holder confirms it here (no sign-in, the link is the proof).
  { name: 'registration-confirm', path: 'registrations/confirm/:token', file: 'pages/registration-confirm.tsx' },
  // An announcement e-mail's "I have read this" link: no sign-in, the signed token is the proof.
  { name: 'announcement-acknowledge', path: 'announcements/acknowledge/:token', file: 'pages/announcement-acknowledge.tsx' },
  // A library file, inline preview or download (loader only; signs in itself, no layout to render).
  { name: 'resource-file', path: 'resources/:resourceId/file', file: 'pages/resource-file.ts' },
  // A library link: records the visit, then redirects to the address.
  { name: 'resource-open', path: 'resources/:resourceId/open', file: 'pages/resource-open.ts' },
  // A link in an announcement e-mail: records the click, then redirects to the announcement's own link (a page when the link does not work).
  { name: 'announcement-click', path: 'announcements/click/:token/:link', file: 'pages/announcement-click.tsx' },
  // An announcement e-mail's open pixel (a 1×1 GIF, loader only).
  { name: 'announcement-open', path: 'announcements/open/:token', file: 'pages/announcement-open.ts' },
] as const

/** Pages behind sign-in, nested in the layout with the partner's top bar. */
export const signedInPages = [
  { name: 'home', path: null, file: 'pages/home.tsx' },
  { name: 'registrations', path: 'registrations', file: 'pages/registrations.tsx' },
  { name: 'registration-new', path: 'registrations/new', file: 'pages/registration-new.tsx' },
  { name: 'registration-imports', path: 'registrations/imports', file: 'pages/registration-imports.tsx' },
  { name: 'registration-link', path: 'registrations/link', file: 'pages/registration-link.tsx' },
  { name: 'registration-import', path: 'registrations/imports/:importId', file: 'pages/registration-import.tsx' },
  // Static segments (`new`, `imports`) rank above this dynamic one whatever the order; portal-routes.test.ts checks it.
  { name: 'registration', path: 'registrations/:registrationId', file: 'pages/registration.tsx' },
  { name: 'pipeline', path: 'pipeline', file: 'pages/pipeline.tsx' },
  { name: 'announcements', path: 'announcements', file: 'pages/announcements.tsx' },
  // One segment after `announcements/`; the public links above have two, so they never land here.
  { name: 'announcement', path: 'announcements/:announcementId', file: 'pages/announcement.tsx' },
  { name: 'resources', path: 'resources', file: 'pages/resources.tsx' },
  // One segment after `resources/`; the file and link routes below have two.
  { name: 'resource', path: 'resources/:resourceId', file: 'pages/resource.tsx' },
  { name: 'programme', path: 'programme', file: 'pages/programme.tsx' },
  { name: 'programme-page', path: 'programme/:slug', file: 'pages/programme-page.tsx' },
  // The organisation's people; partner admins deactivate and reactivate them here.
  { name: 'team', path: 'team', file: 'pages/team.tsx' },
] as const

export const PATH_PREFIX = 't/:tenantSlug'

export function definePortalRoutes(defineRoutes: DefineRoutesFunction) {
  return defineRoutes((route) => {
    // Logo URLs (`/brand/<slug>/logo`) are absolute on the portal origin, whatever the mode.
    route('brand/:slug/logo', 'pages/brand-logo.ts', { id: 'brand-logo' })
    for (const mode of ['path', 'host'] as const) {
      const prefix = mode === 'path' ? `${PATH_PREFIX}/` : ''
      // Host mode's layout is pathless: it wraps the root index (the home page).
      route(mode === 'path' ? PATH_PREFIX : '', 'pages/app-layout.tsx', { id: `${mode}/app` }, () => {
        for (const page of signedInPages) {
          if (page.path === null) route(undefined, page.file, { id: `${mode}/${page.name}`, index: true })
          else route(page.path, page.file, { id: `${mode}/${page.name}` })
        }
      })
      for (const page of portalPages) route(`${prefix}${page.path}`, page.file, { id: `${mode}/${page.name}` })
      // Anything else: a 404, branded when the address names a portal.
      route(`${prefix}*`, 'pages/not-found.tsx', { id: `${mode}/not-found` })
    }
  })
}

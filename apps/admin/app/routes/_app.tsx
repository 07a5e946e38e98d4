import { staffCan, staffRoleLabels } from '@accord/core'
import { devMailboxEnabled } from '@accord/email/env'
import { type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, Link, NavLink, Outlet, useLoaderData, useLocation, useNavigation, useSearchParams } from '@remix-run/react'
import { useDismissableDetails } from '~/components/disclosure'
import { ErrorContent } from '~/components/error-page'
import { NoticeBanner } from '~/components/notice'
import { requireStaff } from '~/server/guard.server'

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context)
  const session = await caller.admin.workspace.session()
  return data(
    {
      user: { ...session.user, roleLabel: staffRoleLabels[session.user.role] },
      workspace: session.workspace,
      nav: {
        audit: staffCan(user.staffRole, 'audit.view'),
        crm: staffCan(user.staffRole, 'crm.view'),
        slack: staffCan(user.staffRole, 'slack.manage'),
        devMailbox: devMailboxEnabled(),
      },
    },
    { headers },
  )
}

function UnverifiedBanner({ email }: { email: string }) {
  const location = useLocation()
  const navigation = useNavigation()
  const sending = navigation.formAction === '/resend-verification'
  return (
    <div className="alert warning verify-banner" role="status">
      <span>
        Please verify your e-mail address: we sent a link to <strong>{email}</strong>. Until then you cannot invite people, publish announcements or connect a CRM or Slack.
      </span>
      <Form method="post" action="/resend-verification">
        <input type="hidden" name="redirectTo" value={`${location.pathname}${location.search.replace(/([?&])notice=[^&]*&?/, '$1').replace(/[?&]$/, '')}`} />
        <button type="submit" className="button secondary small" disabled={sending} aria-busy={sending || undefined}>
          {sending ? 'Sending…' : 'Resend verification'}
        </button>
      </Form>
    </div>
  )
}

export default function SignedInLayout() {
  const { user, workspace, nav } = useLoaderData<typeof loader>()
  const navigation = useNavigation()
  const signingOut = navigation.formAction === '/logout'
  const userMenu = useDismissableDetails()
  const [params] = useSearchParams()
  // Right after sign-up (or a resend) the notice already says where the link went.
  const notice = params.get('notice')
  const showUnverified = !user.emailVerified && notice !== 'welcome' && notice !== 'verification-sent'
  const links: Array<{ to: string; label: string; end?: boolean }> = [
    { to: '/', label: 'Dashboard', end: true },
    { to: '/registrations', label: 'Registrations' },
    { to: '/pipeline', label: 'Pipeline' },
    { to: '/partners', label: 'Partners' },
    { to: '/announcements', label: 'Announcements' },
    { to: '/resources', label: 'Resources' },
    { to: '/settings/programme', label: 'Programme' },
    { to: '/settings/team', label: 'Team' },
    { to: '/settings/branding', label: 'Branding' },
    ...(nav.crm ? [{ to: '/settings/crm', label: 'CRM' }] : []),
    ...(nav.slack ? [{ to: '/settings/slack', label: 'Slack' }] : []),
    ...(nav.audit ? [{ to: '/audit', label: 'Audit log' }] : []),
  ]
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <aside className="sidebar">
          <Link to="/" className="brand">
            {workspace.logoUrl ? <img className="logo" src={workspace.logoUrl} alt="" /> : <span className="brand-mark" aria-hidden="true">{workspace.name.slice(0, 1).toUpperCase()}</span>}
            <span className="wrap-anywhere">{workspace.name}</span>
          </Link>
          <nav aria-label="Main">
            <ul className="nav-list">
              {links.map((link) => (
                <li key={link.to}>
                  <NavLink to={link.to} end={link.end} prefetch="intent">
                    {link.label}
                  </NavLink>
                </li>
              ))}
            </ul>
            {nav.devMailbox ? (
              <ul className="nav-list nav-dev">
                <li>
                  <NavLink to="/dev/mailbox">Dev mailbox</NavLink>
                </li>
              </ul>
            ) : null}
          </nav>
        </aside>
        <div className="main-column">
          <header className="topbar">
            <span className="muted topbar-workspace">
              Workspace <strong>{workspace.slug}</strong>
            </span>
            <details className="user-menu" ref={userMenu}>
              <summary>
                <span className="sr-only">Account menu: </span>
                <span className="avatar" aria-hidden="true">
                  {user.name.slice(0, 1).toUpperCase()}
                </span>
                <span className="user-name">{user.name}</span>
              </summary>
              <div className="user-menu-panel">
                <p>
                  <strong>{user.name}</strong>
                  <br />
                  <span className="muted wrap-anywhere">{user.email}</span>
                  <br />
                  <span className="muted">{user.roleLabel}</span>
                </p>
                <Form method="post" action="/logout">
                  <button type="submit" className="button secondary full" disabled={signingOut}>
                    {signingOut ? 'Signing out…' : 'Sign out'}
                  </button>
                </Form>
              </div>
            </details>
          </header>
          <main id="main" className="content" tabIndex={-1}>
            {showUnverified ? <UnverifiedBanner email={user.email} /> : null}
            <NoticeBanner email={user.email} />
            <Outlet />
          </main>
        </div>
      </div>
    </>
  )
}

export function ErrorBoundary() {
  return (
    <main id="main" className="narrow">
      <ErrorContent />
    </main>
  )
}

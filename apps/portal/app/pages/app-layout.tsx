import { json, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, NavLink, Outlet, type ShouldRevalidateFunction, useLoaderData, useLocation } from '@remix-run/react'
import { BrandMark, PortalLanding } from '~/components/portal-chrome'
import { useSubmitting } from '~/lib/forms'
import { usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { loadPortalHome } from '~/server/home.server'
import { isPortalLanding } from '~/server/tenant.server'

/** Frame of every signed-in page: vendor brand, the portal's sections, the partner organisation, who is signed in, sign out. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  if (await isPortalLanding(request, context)) return json({ landing: true as const })
  const { signedIn, home } = await loadPortalHome(request, context, params)
  return json(
    {
      landing: false as const,
      partner: { name: home.partner.name },
      user: { name: home.user.name, email: home.user.email, roleLabel: home.user.roleLabel },
      unreadAnnouncements: home.unreadAnnouncements,
    },
    { headers: signedIn.headers },
  )
}

/**
 * Pages that keep themselves current (an import's progress every second, the
 * pipeline) re-read the same address without a form: the frame need not
 * come along each time. Everything else revalidates as usual.
 */
export const shouldRevalidate: ShouldRevalidateFunction = ({ currentUrl, nextUrl, formMethod, defaultShouldRevalidate }) => {
  if (!formMethod && currentUrl.href === nextUrl.href) return false
  // Opening an announcement (or coming back to the list) changes the unread badge.
  if (currentUrl.pathname !== nextUrl.pathname && /\/announcements(\/|$)/.test(nextUrl.pathname)) return true
  return defaultShouldRevalidate
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  return ((parts[0]?.charAt(0) ?? '') + (parts.length > 1 ? (parts.at(-1)?.charAt(0) ?? '') : '')).toUpperCase() || '?'
}

/** The list itself is the current page; a registration's page sits within the section (the form has its own button). */
function registrationsCurrent(pathname: string, list: string): 'page' | 'true' | undefined {
  const path = pathname.replace(/\/+$/, '')
  if (path === list) return 'page'
  return path.startsWith(`${list}/`) && path !== `${list}/new` ? 'true' : undefined
}

export default function SignedInLayout() {
  const shell = useLoaderData<typeof loader>()
  const brand = usePortalBrand()
  const href = usePortalHref()
  const signingOut = useSubmitting('sign-out')
  const { pathname } = useLocation()
  if (shell.landing || !brand) return <PortalLanding />
  return (
    <>
      <header className="topbar portal-topbar">
        <Link to={href('/')} className="brand home-link">
          <BrandMark brand={brand} />
        </Link>
        <nav aria-label="Portal" className="portal-nav">
          <ul>
            <li>
              <NavLink to={href('/')} end>
                Home
              </NavLink>
            </li>
            <li>
              <Link to={href('/registrations')} aria-current={registrationsCurrent(pathname, href('/registrations'))}>
                Registrations
              </Link>
            </li>
            <li>
              <NavLink to={href('/pipeline')}>Pipeline</NavLink>
            </li>
            <li>
              <NavLink to={href('/announcements')} className="nav-announcements">
                Announcements
                {shell.unreadAnnouncements > 0 ? ' ' : null}
                {shell.unreadAnnouncements > 0 ? (
                  <span className="nav-badge">
                    {shell.unreadAnnouncements}
                    <span className="sr-only"> unread</span>
                  </span>
                ) : null}
              </NavLink>
            </li>
            <li>
              <NavLink to={href('/resources')}>Resources</NavLink>
            </li>
            <li>
              <NavLink to={href('/team')}>Team</NavLink>
            </li>
            <li>
              <NavLink to={href('/registrations/new')} className="button small">
                Register a lead
              </NavLink>
            </li>
          </ul>
        </nav>
        <div className="account">
          <span className="org">{shell.partner.name}</span>
          <span className="who">
            <span className="avatar" aria-hidden="true">
              {initials(shell.user.name)}
            </span>
            <span>
              <span className="sr-only">Signed in as </span>
              {shell.user.name}
            </span>
          </span>
          <Form method="post" action={href('/logout')}>
            <button type="submit" name="intent" value="sign-out" className="button secondary small" disabled={signingOut} aria-busy={signingOut || undefined}>
              {signingOut ? 'Signing out…' : 'Sign out'}
            </button>
          </Form>
        </div>
      </header>
      <Outlet />
    </>
  )
}

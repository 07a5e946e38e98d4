import uiStyles from '@accord/ui/styles.css?url'
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { isRouteErrorResponse, Link, Links, Meta, Outlet, Scripts, ScrollRestoration, type ShouldRevalidateFunction, useRouteError, useRouteLoaderData } from '@remix-run/react'
import type { CSSProperties, ReactNode } from 'react'
import { PoweredBy, PublicHeader } from '~/components/portal-chrome'
import { brandStyle } from '~/lib/brand-colours'
import { joinPortalPath } from '~/lib/portal-address'
import { type PortalBrand, portalTitle, type RootData } from '~/lib/portal-data'
import { resolvePortalTenant } from '~/server/tenant.server'
import portalStyles from '~/styles/portal.css?url'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: uiStyles },
  { rel: 'stylesheet', href: portalStyles },
]

export const meta: MetaFunction = ({ matches, error }) => {
  if (!error) return [{ title: portalTitle(matches) }]
  const notFound = isRouteErrorResponse(error) && error.status === 404
  const hasBrand = Boolean((matches.find((match) => match.id === 'root')?.data as RootData | undefined)?.brand)
  return [{ title: notFound && !hasBrand ? 'No partner portal here' : portalTitle(matches, notFound ? 'Page not found' : 'Something went wrong') }]
}

/** Branding of the addressed portal, for every page and error page. Never throws: errors render unbranded. */
export async function loader({ request, context }: LoaderFunctionArgs): Promise<RootData> {
  try {
    const tenant = await resolvePortalTenant(request, context)
    if (!tenant) return { brand: null }
    const brand: PortalBrand = {
      slug: tenant.slug,
      name: tenant.name,
      portalName: tenant.portalName,
      logoUrl: tenant.logoUrl,
      primaryColor: tenant.primaryColor,
      supportEmail: tenant.supportEmail,
      basePath: tenant.basePath,
    }
    return { brand }
  } catch (error) {
    console.error('[portal] could not resolve the portal tenant:', error)
    return { brand: null }
  }
}

const portalKey = (url: URL) => `${url.host}${/^\/t\/[^/]+/i.exec(url.pathname)?.[0] ?? ''}`

// Branding only changes with the address; skip the lookup on in-portal navigation.
export const shouldRevalidate: ShouldRevalidateFunction = ({ currentUrl, nextUrl }) => portalKey(currentUrl) !== portalKey(nextUrl)

export function Layout({ children }: { children: ReactNode }) {
  const brand = useRouteLoaderData<RootData>('root')?.brand ?? null
  return (
    <html lang="en" style={brandStyle(brand?.primaryColor) as CSSProperties}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="theme-color" content={brand?.primaryColor ?? '#2563eb'} />
        <link rel="icon" href={brand?.logoUrl ?? 'data:,'} />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to main content
        </a>
        <div className="page">{children}</div>
        <PoweredBy />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

/** Friendly error pages, branded when the address names a known portal. */
export function ErrorBoundary() {
  const error = useRouteError()
  const brand = useRouteLoaderData<RootData>('root')?.brand ?? null
  const notFound = isRouteErrorResponse(error) && error.status === 404
  if (!notFound) console.error(error)

  let title: string
  let body: ReactNode
  if (notFound && !brand) {
    title = 'There is no partner portal at this address'
    body = (
      <>
        <p>Check the link in the invitation e-mail your vendor sent you: each vendor&rsquo;s portal has its own address.</p>
        <p>If the link still does not work, ask your partner manager at the vendor for a new invitation.</p>
      </>
    )
  } else if (notFound) {
    title = 'We could not find that page'
    body = <p>The link may be out of date, or the page has moved.</p>
  } else {
    title = 'Something went wrong'
    body = <p>Something went wrong on our side. Please try again in a moment{brand?.supportEmail ? <> or write to <a href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</a></> : null}.</p>
  }

  return (
    <>
      {brand ? <PublicHeader brand={brand} /> : null}
      <main id="main" tabIndex={-1} className="narrow auth">
        <div className="card">
          <h1>{title}</h1>
          {body}
          {brand ? (
            <p>
              <Link className="button" to={joinPortalPath(brand.basePath, '/')}>
                Go to the {brand.portalName}
              </Link>
            </p>
          ) : null}
        </div>
      </main>
    </>
  )
}

import stylesUrl from '@accord/ui/styles.css?url'
import type { LinksFunction, MetaFunction } from '@remix-run/node'
import { Links, Meta, Outlet, Scripts, ScrollRestoration } from '@remix-run/react'
import type { ReactNode } from 'react'
import { ErrorContent } from '~/components/error-page'
import { APP_NAME, errorTitle } from '~/lib/meta'
import adminStylesUrl from '~/styles/admin.css?url'

export const links: LinksFunction = () => [
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
  { rel: 'stylesheet', href: stylesUrl },
  { rel: 'stylesheet', href: adminStylesUrl },
]

export const meta: MetaFunction = ({ error }) => [{ title: error ? `${errorTitle(error)} · ${APP_NAME}` : APP_NAME }]

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

export function ErrorBoundary() {
  return (
    <main className="narrow" id="main">
      <ErrorContent />
    </main>
  )
}

import { Link, Outlet } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'

/** Signed-out pages: one centred card, the Accord wordmark, no navigation. */
export default function AuthLayout() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="auth-header">
        <Link to="/" className="wordmark">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          Accord
        </Link>
      </header>
      <main id="main" className="narrow auth-main">
        <Outlet />
      </main>
    </>
  )
}

export function ErrorBoundary() {
  return (
    <main id="main" className="narrow auth-main">
      <ErrorContent />
    </main>
  )
}

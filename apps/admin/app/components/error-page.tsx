import { Link, isRouteErrorResponse, useRouteError } from '@remix-run/react'

/**
 * Friendly error content for route error boundaries: 404 and 403 get their
 * own words; anything else a calm apology. Details only in development.
 */
export function ErrorContent({ homeHref = '/', back }: { homeHref?: string; back?: { href: string; label: string } }) {
  const error = useRouteError()
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <section className="card error-page" aria-labelledby="error-title">
        <h1 id="error-title">Page not found</h1>
        <p>We could not find what you were looking for. It may have been moved or deleted, or the link may be incomplete.</p>
        <p className="row">
          {back ? <Link to={back.href}>{back.label}</Link> : null}
          <Link to={homeHref}>Go to the dashboard</Link>
        </p>
      </section>
    )
  }
  if (isRouteErrorResponse(error) && error.status === 403) {
    return (
      <section className="card error-page" aria-labelledby="error-title">
        <h1 id="error-title">You don’t have access to this page</h1>
        <p>Your role in this workspace does not allow it. Ask a workspace owner or admin if you need access.</p>
        <p>
          <Link to={homeHref}>Go to the dashboard</Link>
        </p>
      </section>
    )
  }
  if (!isRouteErrorResponse(error)) console.error(error)
  return (
    <section className="card error-page" aria-labelledby="error-title">
      <h1 id="error-title">Something went wrong</h1>
      <p>An unexpected error stopped this page from loading. Please try again in a moment; if it keeps happening, contact support.</p>
      {import.meta.env.DEV && error instanceof Error ? <pre className="dev-error">{error.message}</pre> : null}
      <p>
        <Link to={homeHref} reloadDocument>
          Go to the dashboard
        </Link>
      </p>
    </section>
  )
}

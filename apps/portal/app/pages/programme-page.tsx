import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { requirePartner } from '~/server/guard.server'
import { rethrowAsNotFound } from '~/server/errors.server'

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => [{ title: portalTitle(matches, data ? data.page.title : 'Programme rules') }]

/** A table of contents only pays off on longer pages. */
const TOC_MIN_HEADINGS = 3

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const page = await caller.portal.programmePages.open({ slug: params.slug ?? '' }).catch(rethrowAsNotFound(headers))
  return json({ page }, { headers })
}

export default function ProgrammePage() {
  const { page } = useLoaderData<typeof loader>()
  const href = usePortalHref()
  const toc = page.headings.length >= TOC_MIN_HEADINGS ? page.headings : []
  return (
    <main id="main" tabIndex={-1} className="content programme-page">
      <p className="breadcrumb">
        <Link to={href('/programme')}>Programme rules</Link>
      </p>
      <article className="card announcement-article" aria-labelledby="programme-page-title">
        <h1 id="programme-page-title" className="wrap-anywhere">
          {page.title}
        </h1>
        <p className="meta">
          <span>Last updated <time dateTime={isoOf(page.updatedAt)}>{formatDay(page.updatedAt, 'long')}</time></span>
        </p>
        {toc.length > 0 ? (
          <nav className="programme-toc" aria-labelledby="programme-toc-title">
            <h2 id="programme-toc-title">On this page</h2>
            <ol>
              {toc.map((heading) => (
                <li key={heading.id} className={heading.level === 3 ? 'sub' : undefined}>
                  <a href={`#${heading.id}`}>{heading.text}</a>
                </li>
              ))}
            </ol>
          </nav>
        ) : null}
        {/* Sanitised on the server when it was saved (core: allow-listed tags, no scripts, styles or handlers). */}
        <div className="announcement-body programme-body" dangerouslySetInnerHTML={{ __html: page.bodyHtml }} />
      </article>
      <p>
        <Link to={href('/programme')}>Back to all programme rules</Link>
      </p>
    </main>
  )
}

import { EmptyState } from '@accord/ui'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { requirePartner } from '~/server/guard.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Programme rules') }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const pages = await caller.portal.programmePages.list()
  return json({ pages }, { headers })
}

export default function ProgrammeRules() {
  const { pages } = useLoaderData<typeof loader>()
  const href = usePortalHref()
  return (
    <main id="main" tabIndex={-1} className="content">
      <div className="page-heading">
        <div>
          <h1>Programme rules</h1>
          <p className="muted">How the partner programme works: registrations and conflicts, territories, price bands and more.</p>
        </div>
      </div>
      {pages.length === 0 ? (
        <EmptyState title="No programme rules published yet">When the partner team publishes the programme rules, you can read them here. Until then, your partner manager answers questions about the programme.</EmptyState>
      ) : (
        <ul className="announcement-feed" aria-label="Programme rules pages">
          {pages.map((page) => (
            <li key={page.slug} className="card announcement-item">
              <h2>
                <Link to={href(`/programme/${page.slug}`)}>{page.title}</Link>
              </h2>
              <p className="meta">
                <span>Last updated <time dateTime={isoOf(page.updatedAt)}>{formatDay(page.updatedAt, 'long')}</time></span>
              </p>
              {page.excerpt ? <p className="announcement-excerpt">{page.excerpt}</p> : null}
            </li>
          ))}
        </ul>
      )}
    </main>
  )
}

import { staffCan } from '@accord/core'
import { Alert, Badge, EmptyState } from '@accord/ui'
import { type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { formatDate } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { extractionLabel, formatBytes, resourceStatus, visibilitySummary } from '~/lib/resources'
import { requireStaff } from '~/server/guard.server'

export const meta = pageMeta('Resources')

const STATUSES = [
  { value: 'all', label: 'All' },
  { value: 'published', label: 'Published' },
  { value: 'draft', label: 'Drafts' },
  { value: 'archived', label: 'Archived' },
] as const

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'resources.view')
  const url = new URL(request.url)
  const q = (url.searchParams.get('q') ?? '').slice(0, 200)
  const requested = url.searchParams.get('status') ?? 'all'
  const status = STATUSES.some((option) => option.value === requested) ? requested : 'all'
  const resources = await caller.admin.resources.list({ q, status })
  return data({ resources, q, status, filtered: q !== '' || status !== 'all', canManage: staffCan(user.staffRole, 'resources.manage') }, { headers })
}

export default function Resources() {
  const { resources, q, status, filtered, canManage } = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  // The title of what was just deleted is only echoed as text, never as markup.
  const deleted = params.get('deleted')
  const statusHref = (value: string) => {
    const next = new URLSearchParams(params)
    if (value === 'all') next.delete('status')
    else next.set('status', value)
    const search = next.toString()
    return search ? `?${search}` : '.'
  }
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Resources</h1>
          <p className="muted">The partner library: battle cards, demo scripts, price guides and more, with who viewed and downloaded them.</p>
        </div>
        <div className="button-row">
          <Link to="/resources/rules" className="button secondary">
            Programme rules pages
          </Link>
          {canManage ? (
            <Link to="/resources/new" className="button">
              New resource
            </Link>
          ) : null}
        </div>
      </div>
      {deleted ? <Alert tone="success">{`Deleted “${deleted.slice(0, 120)}”.`}</Alert> : null}
      {!filtered && resources.length === 0 ? (
        <EmptyState
          title="The library is empty"
          action={
            canManage ? (
              <Link to="/resources/new" className="button">
                Add the first resource
              </Link>
            ) : null
          }
        >
          Upload battle cards, decks and price guides, or link to videos. Tag them by motion, industry and use case; partners filter and search them in the portal.
        </EmptyState>
      ) : (
        <>
          <div className="toolbar">
            <Form method="get" role="search" className="inline-search">
              <label htmlFor="resource-search" className="sr-only">
                Search resources
              </label>
              <input id="resource-search" type="search" name="q" defaultValue={q} placeholder="Search titles, descriptions and file text" maxLength={200} />
              {status !== 'all' ? <input type="hidden" name="status" value={status} /> : null}
              <button type="submit" className="button secondary">
                Search
              </button>
            </Form>
            <nav aria-label="Filter by status" className="segmented">
              {STATUSES.map((option) => (
                <Link key={option.value} to={statusHref(option.value)} aria-current={status === option.value ? 'page' : undefined} className={status === option.value ? 'active' : undefined}>
                  {option.label}
                </Link>
              ))}
            </nav>
          </div>
          {resources.length === 0 ? (
            <EmptyState title="Nothing matches">Try other words, or another status.</EmptyState>
          ) : (
            <div className="table-wrap">
              <table className="data resources-table">
                <caption className="sr-only">Resources, most recently changed first</caption>
                <thead>
                  <tr>
                    <th scope="col">Title</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Visible to</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Views
                    </th>
                    <th scope="col" className="num">
                      Downloads
                    </th>
                    <th scope="col" className="num">
                      Partners
                    </th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {resources.map((resource) => {
                    const badge = resourceStatus(resource.status)
                    const extraction = resource.extractionStatus === 'failed' ? extractionLabel('failed') : null
                    return (
                      <tr key={resource.id}>
                        <td className="wrap-anywhere">
                          <Link to={`/resources/${resource.id}`}>{resource.title}</Link>
                          <div className="muted small">
                            {resource.kind === 'link' ? `Link · ${resource.url ? new URL(resource.url).hostname : ''}` : `${resource.fileName ?? 'File'} · ${formatBytes(resource.fileBytes)}`}
                            {extraction ? ` · ${extraction}` : ''}
                          </div>
                        </td>
                        <td>{resource.contentTypeLabel}</td>
                        <td>{visibilitySummary(resource.visibleTiers, resource.visibleMotions)}</td>
                        <td>
                          <Badge tone={badge.tone}>{badge.label}</Badge>
                        </td>
                        <td className="num">{resource.views}</td>
                        <td className="num">{resource.kind === 'link' ? '—' : resource.downloads}</td>
                        <td className="num">{resource.partnersReached}</td>
                        <td>{formatDate(resource.updatedAt)}</td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/', label: 'Back to the dashboard' }} />
}

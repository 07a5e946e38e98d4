import { Badge, EmptyState } from '@accord/ui'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { FACET_PARAMS, type FacetParam, formatBytes, libraryHref } from '~/lib/resources'
import { requirePartner } from '~/server/guard.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Resources') }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const search = new URL(request.url).searchParams
  const query: Record<string, string> = {}
  for (const name of ['q', 'page', ...FACET_PARAMS]) {
    const value = search.get(name)
    if (value) query[name] = value.slice(0, 200)
  }
  const [library, rules] = await Promise.all([caller.portal.resources.search(query), caller.portal.programmePages.list()])
  return json({ library, rules }, { headers })
}

type Library = ReturnType<typeof useLoaderData<typeof loader>>['library']

const FACET_GROUPS: Array<{ param: FacetParam; key: keyof Library['facets']; legend: string }> = [
  { param: 'contentType', key: 'contentTypes', legend: 'Kind' },
  { param: 'motion', key: 'motions', legend: 'Motion' },
  { param: 'industry', key: 'industries', legend: 'Industry' },
  { param: 'useCase', key: 'useCases', legend: 'Use case' },
]

function Facets({ library }: { library: Library }) {
  const href = usePortalHref()
  const base = href('/resources')
  const active = FACET_PARAMS.filter((param) => library.query[param])
  return (
    <nav className="library-facets" aria-label="Filter the library">
      {active.length > 0 ? (
        <p>
          <Link to={libraryHref(base, library.query, Object.fromEntries(FACET_PARAMS.map((param) => [param, null])))}>Clear filters</Link>
        </p>
      ) : null}
      {FACET_GROUPS.map((group) => {
        const options = library.facets[group.key]
        if (options.length === 0) return null
        const current = library.query[group.param]
        return (
          <div key={group.param} className="facet-group">
            <h2 id={`facet-${group.param}`}>{group.legend}</h2>
            <ul aria-labelledby={`facet-${group.param}`}>
              {options.map((option) => {
                const selected = current === option.value
                return (
                  <li key={option.value}>
                    <Link
                      to={libraryHref(base, library.query, { [group.param]: selected ? null : option.value })}
                      aria-current={selected ? 'true' : undefined}
                      className={selected ? 'facet selected' : 'facet'}
                      preventScrollReset
                    >
                      <span className="facet-label">{option.label}</span>
                      <span className="facet-count">
                        {option.count}
                        <span className="sr-only"> {option.count === 1 ? 'resource' : 'resources'}</span>
                      </span>
                    </Link>
                  </li>
                )
              })}
            </ul>
          </div>
        )
      })}
    </nav>
  )
}

export default function Resources() {
  const { library, rules } = useLoaderData<typeof loader>()
  const href = usePortalHref()
  const navigation = useNavigation()
  const searching = navigation.state === 'loading' && navigation.location.pathname === href('/resources')
  const base = href('/resources')
  const { q } = library.query
  const filtered = Boolean(q) || FACET_PARAMS.some((param) => library.query[param])
  return (
    <main id="main" tabIndex={-1} className="content">
      <div className="page-heading">
        <div>
          <h1>Resources</h1>
          <p className="muted">Battle cards, demo scripts, price guides and everything else to sell with, plus the programme’s rules.</p>
        </div>
      </div>

      {rules.length > 0 ? (
        <section className="card library-rules" aria-labelledby="rules-title">
          <h2 id="rules-title">Programme rules</h2>
          <ul>
            {rules.map((page) => (
              <li key={page.slug}>
                <Link to={href(`/programme/${page.slug}`)}>{page.title}</Link> <span className="muted small">updated {formatDay(page.updatedAt)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {library.libraryIsEmpty ? (
        <EmptyState title="The library is empty for now">When the partner team publishes battle cards, decks or guides for you, they appear here.</EmptyState>
      ) : (
        <div className="library">
          <Facets library={library} />
          <div className="library-main">
            <div className="list-tools">
              <Form method="get" action={base} role="search" className="search-form library-search">
                {FACET_PARAMS.map((param) => (library.query[param] ? <input key={param} type="hidden" name={param} value={library.query[param]} /> : null))}
                <label htmlFor="library-search" className="sr-only">
                  Search resources
                </label>
                <input id="library-search" type="search" name="q" defaultValue={q} maxLength={200} placeholder="Search titles and the text inside files" key={q} />
                <button type="submit" className="button secondary" aria-busy={searching || undefined}>
                  Search
                </button>
              </Form>
              <p className="muted" role="status">
                {library.total === 1 ? '1 resource' : `${library.total} resources`}
                {q ? ` for “${q}”` : ''}
              </p>
            </div>
            {library.results.length === 0 ? (
              <EmptyState title="Nothing matches">
                {filtered ? (
                  <>
                    Try other words or fewer filters. <Link to={base}>Show everything</Link>
                  </>
                ) : null}
              </EmptyState>
            ) : (
              <ul className="library-results" aria-label="Resources">
                {library.results.map((resource) => (
                  <li key={resource.id} className="card resource-card">
                    <p className="resource-kind">
                      {resource.contentTypeLabel}
                      {resource.isNew ? (
                        <>
                          {' '}
                          <Badge tone="success">New</Badge>
                        </>
                      ) : null}
                    </p>
                    <h2>
                      <Link to={href(`/resources/${resource.id}`)}>{resource.title}</Link>
                    </h2>
                    {resource.description ? <p className="resource-description">{resource.description}</p> : null}
                    {resource.snippet.length > 0 ? (
                      <p className="resource-snippet">
                        <span className="sr-only">Found in the text: </span>
                        {resource.snippet.map((piece, index) => (piece.match ? <mark key={index}>{piece.text}</mark> : <span key={index}>{piece.text}</span>))}
                      </p>
                    ) : null}
                    <p className="meta">
                      {resource.kind === 'file' ? `${resource.fileLabel ?? 'File'} · ${formatBytes(resource.fileBytes)}` : `Link · ${resource.linkHost ?? ''}`}
                      {resource.publishedAt ? (
                        <>
                          {' · '}
                          <time dateTime={isoOf(resource.publishedAt)}>{formatDay(resource.publishedAt)}</time>
                        </>
                      ) : null}
                    </p>
                    {[...resource.industries, ...resource.useCases].length > 0 ? (
                      <ul className="tag-list" aria-label="Tags">
                        {[...resource.industries, ...resource.useCases].map((tag) => (
                          <li key={tag}>{tag}</li>
                        ))}
                      </ul>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
            {library.pageCount > 1 ? (
              <nav className="pagination" aria-label="Pages">
                {library.page > 1 ? <Link to={libraryHref(base, library.query, { page: String(library.page - 1) })}>Previous</Link> : <span />}
                <span>
                  Page {library.page} of {library.pageCount}
                </span>
                {library.page < library.pageCount ? <Link to={libraryHref(base, library.query, { page: String(library.page + 1) })}>Next</Link> : <span />}
              </nav>
            ) : null}
          </div>
        </div>
      )}
    </main>
  )
}

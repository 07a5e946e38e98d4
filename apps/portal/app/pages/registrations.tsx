import { Badge, EmptyState } from '@accord/ui'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf, kindLabels, parseRegistrationView, REGISTRATION_VIEWS, registrationStatus, registrationViewLabels, type RegistrationView } from '~/lib/registrations'
import { requirePartner } from '~/server/guard.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Registrations') }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const url = new URL(request.url)
  const view = parseRegistrationView(url.searchParams.get('view'))
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 120)
  const registrations = await caller.portal.registrations.list({ view, search: q || undefined })
  return json(
    {
      view,
      q,
      registrations: registrations.map((registration) => ({
        id: registration.id,
        caseReference: registration.caseReference,
        companyName: registration.companyName,
        domain: registration.domain,
        kind: registration.kind,
        status: registration.status,
        protectionEndsAt: registration.protectionEndsAt,
        createdAt: registration.createdAt,
      })),
    },
    { headers },
  )
}

/** `?view=…&q=…`, or '' for everything. */
function listQuery(view: RegistrationView, q: string): string {
  const search = new URLSearchParams()
  if (view !== 'all') search.set('view', view)
  if (q) search.set('q', q)
  const query = search.toString()
  return query ? `?${query}` : ''
}

export default function Registrations() {
  const { view, q, registrations } = useLoaderData<typeof loader>()
  const href = usePortalHref()
  const navigation = useNavigation()
  const searching = navigation.state === 'loading' && navigation.location?.pathname === href('/registrations')
  const filtered = view !== 'all' || q !== ''
  const caption = [`${registrationViewLabels[view]} registrations`, q ? `matching “${q}”` : null].filter(Boolean).join(' ')

  return (
    <main id="main" tabIndex={-1} className="content">
      <div className="page-heading">
        <div>
          <h1>Registrations</h1>
          <p className="muted">Leads and deals you registered with the partner team, and whether they are protected.</p>
        </div>
        <div className="row">
          <Link to={href('/registrations/link')} className="button secondary">
            Registration link
          </Link>
          <Link to={href('/registrations/imports')} className="button secondary">
            Upload a CSV
          </Link>
          <Link to={href('/registrations/new')} className="button">
            Register a lead
          </Link>
        </div>
      </div>

      <div className="list-tools">
        <nav aria-label="Filter registrations" className="tabs">
          <ul>
            {REGISTRATION_VIEWS.map((option) => (
              <li key={option}>
                <Link to={`${href('/registrations')}${listQuery(option, q)}`} aria-current={option === view ? 'page' : undefined} preventScrollReset>
                  {registrationViewLabels[option]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <Form method="get" action={href('/registrations')} role="search" className="search-form">
          {view !== 'all' ? <input type="hidden" name="view" value={view} /> : null}
          <label htmlFor="registrations-search" className="sr-only">
            Search by company or domain
          </label>
          <input id="registrations-search" type="search" name="q" defaultValue={q} maxLength={120} placeholder="Search company or domain" key={q} />
          <button type="submit" className="button secondary" aria-busy={searching || undefined}>
            Search
          </button>
        </Form>
      </div>

      {registrations.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No registrations match"
            action={
              <p className="row center">
                <Link to={href('/registrations')}>Show all registrations</Link>
                <Link to={href('/registrations/new')} className="button">
                  Register a lead
                </Link>
              </p>
            }
          >
            {q ? `Nothing matches “${q}” in this view.` : 'There are no registrations in this view yet.'}
          </EmptyState>
        ) : (
          <EmptyState
            title="No registrations yet"
            action={
              <Link to={href('/registrations/new')} className="button">
                Register a lead
              </Link>
            }
          >
            Register a lead or deal to claim it: once the partner team approves it, it is protected for you.
          </EmptyState>
        )
      ) : (
        <div className="table-wrap">
          <table className="data registrations-table">
            <caption className="sr-only">{caption}</caption>
            <thead>
              <tr>
                <th scope="col">Case</th>
                <th scope="col">Company</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Protected until</th>
                <th scope="col">Registered</th>
              </tr>
            </thead>
            <tbody>
              {registrations.map((registration) => {
                const status = registrationStatus(registration.status)
                return (
                  <tr key={registration.id}>
                    <td className="nowrap">
                      <Link to={href(`/registrations/${registration.id}`)}>
                        <span className="sr-only">Case </span>
                        {registration.caseReference}
                        <span className="sr-only">, {registration.companyName}</span>
                      </Link>
                    </td>
                    <td className="company">
                      {registration.companyName}
                      {registration.domain ? <span className="cell-sub">{registration.domain}</span> : null}
                    </td>
                    <td>{kindLabels[registration.kind] ?? registration.kind}</td>
                    <td>
                      <Badge tone={status.tone}>{status.label}</Badge>
                    </td>
                    <td className="nowrap">
                      {registration.status === 'approved' && registration.protectionEndsAt ? (
                        <time dateTime={isoOf(registration.protectionEndsAt)}>{formatDay(registration.protectionEndsAt)}</time>
                      ) : (
                        <>
                          <span aria-hidden="true">—</span>
                          <span className="sr-only">None</span>
                        </>
                      )}
                    </td>
                    <td className="nowrap">
                      <time dateTime={isoOf(registration.createdAt)}>{formatDay(registration.createdAt)}</time>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      {registrations.length >= 500 ? <p className="muted">Showing the latest 500. Search to find older registrations.</p> : null}
    </main>
  )
}

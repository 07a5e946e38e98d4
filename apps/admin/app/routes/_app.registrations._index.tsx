import { registrationStatusLabels, staffCan } from '@accord/core'
import { Badge, EmptyState } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { useState } from 'react'
import { ErrorContent } from '~/components/error-page'
import { FormError, useSubmitting } from '~/components/forms'
import { formatDate, formatDateTime, relativeTime } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { actionFailure } from '~/server/action-result.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Registrations')

const VIEWS = ['pending', 'approved', 'closed', 'all'] as const
type QueueView = (typeof VIEWS)[number]
const viewLabels: Record<QueueView, string> = { pending: 'To decide', approved: 'Protected', closed: 'Closed', all: 'All' }

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'registrations.view')
  const url = new URL(request.url)
  const requested = url.searchParams.get('view')
  const view: QueueView = VIEWS.find((candidate) => candidate === requested) ?? 'pending'
  const search = (url.searchParams.get('q') ?? '').trim().slice(0, 120)
  const conflictsOnly = url.searchParams.get('conflicts') === '1'
  const mineOnly = url.searchParams.get('mine') === '1'
  const rows = await caller.admin.registrations.queue({ view, search: search || undefined, conflictsOnly, mineOnly })
  return data({ statusLabels: registrationStatusLabels as Record<string, string>, view, search, conflictsOnly, mineOnly, rows, canDecide: staffCan(user.staffRole, 'registrations.decide'), now: new Date().toISOString() }, { headers })
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'registrations.decide')
  const form = await request.formData()
  const registrationIds = form.getAll('registrationId').filter((value): value is string => typeof value === 'string')
  const bulkAction = form.get('intent') === 'bulk-reject' ? 'reject' : 'approve'
  const reason = String(form.get('reason') ?? '')
  try {
    const outcome = await caller.admin.registrations.bulkDecide({ registrationIds, action: bulkAction, reason: reason || undefined })
    return data({ ok: true as const, intent: 'bulk', outcome })
  } catch (error) {
    return actionFailure(error, { intent: 'bulk', fields: ['reason'], values: { reason } })
  }
})

const statusTone = (status: string): 'success' | 'warning' | 'danger' | undefined =>
  status === 'approved' || status === 'won' ? 'success' : status === 'info_requested' ? 'warning' : status === 'rejected' || status === 'lost' ? 'danger' : undefined

function SlaBadge({ state, dueAt, now }: { state: string; dueAt: string; now: string }) {
  if (state === 'none') return <span className="muted">—</span>
  const when = relativeTime(dueAt, new Date(now))
  if (state === 'breached') return <Badge tone="danger">Overdue · {when}</Badge>
  if (state === 'due_soon') return <Badge tone="warning">Due {when}</Badge>
  return <span title={formatDateTime(dueAt)}>Due {when}</span>
}

export default function RegistrationQueue() {
  const { statusLabels, view, search, conflictsOnly, mineOnly, rows, canDecide, now } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const [selected, setSelected] = useState<string[]>([])
  const approving = useSubmitting('bulk-approve')
  const rejecting = useSubmitting('bulk-reject')
  const loading = navigation.state === 'loading' && navigation.location.pathname === '/registrations'
  const filtered = search !== '' || conflictsOnly || mineOnly
  const selectable = canDecide && view === 'pending'
  const toggle = (id: string, on: boolean) => setSelected((current) => (on ? [...current, id] : current.filter((candidate) => candidate !== id)))
  const query = (next: Partial<{ view: string; q: string; conflicts: string; mine: string }>) => {
    const params = new URLSearchParams({ view, ...(search ? { q: search } : {}), ...(conflictsOnly ? { conflicts: '1' } : {}), ...(mineOnly ? { mine: '1' } : {}), ...next })
    return `/registrations?${params.toString()}`
  }

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Registrations</h1>
          <p className="muted">Lead and deal registrations from your partners, oldest deadline first.</p>
        </div>
        <div className="button-row">
          <Link className="button secondary" to="/registrations/imports">
            Import CSV
          </Link>
          {canDecide ? (
            <Link className="button" to="/registrations/new">
              Register for a partner
            </Link>
          ) : null}
        </div>
      </div>

      <nav aria-label="Registration views" className="tabs">
        {VIEWS.map((candidate) => (
          <Link key={candidate} to={query({ view: candidate })} aria-current={candidate === view ? 'page' : undefined} className={candidate === view ? 'tab active' : 'tab'}>
            {viewLabels[candidate]}
          </Link>
        ))}
      </nav>

      <Form method="get" className="filters" role="search" aria-label="Filter registrations">
        <input type="hidden" name="view" value={view} />
        <div className="field grow">
          <label htmlFor="registration-search">Search</label>
          <input id="registration-search" type="search" name="q" defaultValue={search} placeholder="Company, domain, partner or R-1234" maxLength={120} />
        </div>
        <label className="checkbox">
          <input type="checkbox" name="conflicts" value="1" defaultChecked={conflictsOnly} /> Conflicts only
        </label>
        <label className="checkbox">
          <input type="checkbox" name="mine" value="1" defaultChecked={mineOnly} /> Assigned to me
        </label>
        <button type="submit" className="button secondary" disabled={loading} aria-busy={loading || undefined}>
          {loading ? 'Filtering…' : 'Apply'}
        </button>
      </Form>

      {result && result.ok ? (
        <div className={`alert ${result.outcome.failed > 0 ? 'warning' : 'success'}`} role="status">
          <p>
            {result.outcome.succeeded} decided{result.outcome.failed > 0 ? `, ${result.outcome.failed} not:` : '.'}
          </p>
          {result.outcome.failed > 0 ? (
            <ul>
              {result.outcome.results
                .filter((entry) => !entry.ok)
                .map((entry) => (
                  <li key={entry.registrationId}>
                    {rows.find((row) => row.id === entry.registrationId)?.caseReference ?? 'A registration'}: {entry.message}
                  </li>
                ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <FormError failure={result && !result.ok ? result : null} />

      {rows.length === 0 ? (
        filtered ? (
          <EmptyState title="Nothing matches" action={<Link className="button secondary" to={`/registrations?view=${view}`}>Clear filters</Link>}>
            No registrations match these filters in “{viewLabels[view]}”.
          </EmptyState>
        ) : (
          <EmptyState title={view === 'pending' ? 'Nothing to decide' : 'No registrations here yet'}>
            {view === 'pending' ? 'New registrations from partners appear here with their decision deadline.' : 'Registrations appear here as partners submit them and you decide.'}
          </EmptyState>
        )
      ) : (
        <Form method="post" id="bulk-form">
          {selectable ? (
            <div className="bulk-bar" role="group" aria-label="Bulk decision">
              <span aria-live="polite">{selected.length} selected</span>
              <button type="submit" name="intent" value="bulk-approve" className="button small" disabled={selected.length === 0 || approving} aria-busy={approving || undefined}>
                {approving ? 'Approving…' : 'Approve selected'}
              </button>
              <label className="sr-only" htmlFor="bulk-reason">
                Reason for rejecting
              </label>
              <input id="bulk-reason" name="reason" placeholder="Reason (needed to reject)" maxLength={2000} />
              <button type="submit" name="intent" value="bulk-reject" className="button small danger-outline" disabled={selected.length === 0 || rejecting} aria-busy={rejecting || undefined}>
                {rejecting ? 'Rejecting…' : 'Reject selected'}
              </button>
            </div>
          ) : null}
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Registrations: {viewLabels[view]}</caption>
              <thead>
                <tr>
                  {selectable ? (
                    <th scope="col">
                      <span className="sr-only">Select</span>
                    </th>
                  ) : null}
                  <th scope="col">Case</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Partner</th>
                  <th scope="col">Status</th>
                  <th scope="col">Conflict</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">{view === 'approved' ? 'Protected until' : 'Decision due'}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id}>
                    {selectable ? (
                      <td>
                        <input type="checkbox" name="registrationId" value={row.id} aria-label={`Select ${row.caseReference} ${row.companyName}`} checked={selected.includes(row.id)} onChange={(event) => toggle(row.id, event.target.checked)} />
                      </td>
                    ) : null}
                    <td className="nowrap">
                      <Link to={`/registrations/${row.id}`}>{row.caseReference}</Link>
                    </td>
                    <td className="wrap-anywhere">
                      {row.companyName}
                      <div className="muted small">
                        {row.kind === 'deal' ? 'Deal' : 'Lead'}
                        {row.domain ? ` · ${row.domain}` : ''}
                      </div>
                    </td>
                    <td className="wrap-anywhere">{row.partnerName}</td>
                    <td>
                      <Badge tone={statusTone(row.status)}>{statusLabels[row.status] ?? row.status}</Badge>
                      {row.appealed ? <Badge tone="warning">Appeal</Badge> : null}
                      {row.extensionRequested ? <Badge tone="warning">Extension asked</Badge> : null}
                      {row.idle ? <Badge tone="warning">Idle</Badge> : null}
                    </td>
                    <td>{row.conflictStatus === 'none' ? <span className="muted">None</span> : <Badge tone={row.conflictStatus === 'active' ? 'danger' : 'warning'}>{row.conflictStatus === 'active' ? 'Active' : 'At risk'}</Badge>}</td>
                    <td className="num">{row.amount !== null && row.currency ? new Intl.NumberFormat('en-GB', { style: 'currency', currency: row.currency, maximumFractionDigits: 0 }).format(row.amount) : '—'}</td>
                    <td>{view === 'approved' ? formatDate(row.protectionEndsAt) : <SlaBadge state={row.slaState} dueAt={String(row.slaDueAt)} now={now} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Form>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

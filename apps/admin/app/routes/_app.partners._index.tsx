import { PARTNER_TYPES, partnerTypeLabels, staffCan } from '@accord/core'
import { Badge, EmptyState } from '@accord/ui'
import { type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { pageMeta } from '~/lib/meta'
import { requireStaff } from '~/server/guard.server'

export const meta = pageMeta('Partners')

const STATUSES = ['active', 'archived', 'all'] as const
type StatusFilter = (typeof STATUSES)[number]

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'partners.view')
  const url = new URL(request.url)
  const search = (url.searchParams.get('q') ?? '').trim().slice(0, 120)
  const requested = url.searchParams.get('status')
  const status: StatusFilter = STATUSES.find((candidate) => candidate === requested) ?? 'active'
  const partners = await caller.admin.partners.list({ status, search: search || undefined })
  return data(
    {
      search,
      status,
      canManage: staffCan(user.staffRole, 'partners.manage'),
      typeLabels: Object.fromEntries(PARTNER_TYPES.map((type) => [type, partnerTypeLabels[type]])) as Record<string, string>,
      partners: partners.map((partner) => ({
        id: partner.id,
        name: partner.name,
        type: partner.type,
        region: partner.region,
        status: partner.status,
        userCount: partner.userCount,
        pendingInvitationCount: partner.pendingInvitationCount,
      })),
    },
    { headers },
  )
}

export default function Partners() {
  const { partners, search, status, canManage, typeLabels } = useLoaderData<typeof loader>()
  const navigation = useNavigation()
  const searching = navigation.state === 'loading' && navigation.location.pathname === '/partners'
  const filtered = search !== '' || status !== 'active'

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Partners</h1>
          <p className="muted">The organisations that sell with you.</p>
        </div>
        {canManage ? (
          <Link className="button" to="/partners/new">
            Add partner
          </Link>
        ) : null}
      </div>

      <Form method="get" className="filters" role="search" aria-label="Filter partners">
        <div className="field grow">
          <label htmlFor="partner-search">Search</label>
          <input id="partner-search" type="search" name="q" defaultValue={search} placeholder="Partner name" maxLength={120} />
        </div>
        <div className="field">
          <label htmlFor="partner-status">Status</label>
          <select id="partner-status" name="status" defaultValue={status}>
            <option value="active">Active</option>
            <option value="archived">Archived</option>
            <option value="all">All</option>
          </select>
        </div>
        <button type="submit" className="button secondary" disabled={searching} aria-busy={searching || undefined}>
          {searching ? 'Searching…' : 'Apply'}
        </button>
      </Form>

      {partners.length === 0 && !filtered ? (
        <EmptyState
          title="No partners yet"
          action={
            canManage ? (
              <Link className="button" to="/partners/new">
                Add your first partner
              </Link>
            ) : null
          }
        >
          Partners are the resellers, referral partners and agencies that sell with you. Add one, then invite its people to your portal.
        </EmptyState>
      ) : partners.length === 0 ? (
        <EmptyState
          title="No partners match"
          action={
            <Link className="button secondary" to="/partners">
              Clear filters
            </Link>
          }
        >
          {search ? `Nothing matches “${search}”` : 'Nothing here'}
          {status === 'all' ? '' : ` among ${status} partners`}.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">
              Partners ({status}
              {search ? `, matching “${search}”` : ''})
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Region</th>
                <th scope="col" className="num">
                  Users
                </th>
                <th scope="col" className="num">
                  Pending invites
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {partners.map((partner) => (
                <tr key={partner.id}>
                  <td>
                    <Link to={`/partners/${partner.id}`} className="wrap-anywhere">
                      {partner.name}
                    </Link>
                  </td>
                  <td>{typeLabels[partner.type] ?? partner.type}</td>
                  <td>{partner.region ?? <span className="muted">—</span>}</td>
                  <td className="num">{partner.userCount}</td>
                  <td className="num">{partner.pendingInvitationCount}</td>
                  <td>{partner.status === 'active' ? <Badge tone="success">Active</Badge> : <Badge>Archived</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

import { staffCan } from '@accord/core'
import { Badge, EmptyState } from '@accord/ui'
import { type LoaderFunctionArgs, data } from '@remix-run/node'
import { Link, useLoaderData, useNavigation } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { formatDate } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { DEAL_STATUSES, attributionText, dealStatusLabels, formatMoney, parseDealStatus, sortByStage, stageCounts } from '~/lib/pipeline'
import { requireStaff } from '~/server/guard.server'

export const meta = pageMeta('Pipeline')

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'registrations.view')
  const status = parseDealStatus(new URL(request.url).searchParams.get('status'))
  const pipeline = await caller.admin.pipeline.deals({ status })
  return data({ status, motions: pipeline.motions, deals: pipeline.deals, canDecide: staffCan(user.staffRole, 'registrations.decide') }, { headers })
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>
type Motion = LoaderData['motions'][number]
type Deal = LoaderData['deals'][number]

const statusTone = (status: string): 'success' | 'danger' | undefined => (status === 'won' ? 'success' : status === 'lost' ? 'danger' : undefined)

/** Deals per stage as horizontal bars; every bar has its number in text beside it (the text alternative). */
function StageChart({ motions, deals }: { motions: Motion[]; deals: Deal[] }) {
  const groups = motions
    .map((motion) => ({ motion, ...stageCounts(motion.stages, deals.filter((deal) => deal.motion === motion.key)) }))
    .filter((group) => group.stages.some((stage) => stage.count > 0) || group.other > 0)
  if (groups.length === 0) return null
  return (
    <figure className="card stage-chart" aria-labelledby="stage-chart-title">
      <figcaption id="stage-chart-title">
        <strong>Deals per stage</strong>
      </figcaption>
      <div className="stage-chart-groups">
        {groups.map((group) => (
          <section key={group.motion.key} aria-label={`${group.motion.label}: deals per stage`} className="stage-chart-group">
            <h3>{group.motion.label}</h3>
            <ul className="stage-chart-bars">
              {group.stages.map((stage) => (
                <li key={stage.key}>
                  <span className="stage-chart-label">{stage.label}</span>
                  <span className="stage-chart-track" aria-hidden="true">
                    <span className="stage-chart-bar" style={{ width: `${stage.share}%` }} />
                  </span>
                  <span className="stage-chart-count">
                    {stage.count}
                    <span className="sr-only"> {stage.count === 1 ? 'deal' : 'deals'}</span>
                  </span>
                </li>
              ))}
            </ul>
            {group.other > 0 ? <p className="muted small">{group.other} on a stage that no longer exists in this motion.</p> : null}
          </section>
        ))}
      </div>
    </figure>
  )
}

function MotionTable({ motion, deals, status }: { motion: Motion; deals: Deal[]; status: string }) {
  const titleId = `motion-${motion.key}`
  const positions = new Map(motion.stages.map((stage, index) => [stage.key, index + 1]))
  return (
    <section aria-labelledby={titleId} className="motion-section">
      <h2 id={titleId}>
        {motion.label} <span className="muted small">({deals.length})</span>
      </h2>
      <div className="table-wrap">
        <table className="data pipeline-table">
          <caption className="sr-only">
            {motion.label} deals ({dealStatusLabels[status as keyof typeof dealStatusLabels] ?? status}), in stage order
          </caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Partners</th>
              <th scope="col">Stage</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Expected close</th>
              <th scope="col">Owner</th>
              <th scope="col">Protection ends</th>
            </tr>
          </thead>
          <tbody>
            {deals.map((deal) => (
              <tr key={deal.id}>
                <td className="wrap-anywhere">
                  <Link to={`/pipeline/${deal.id}`}>{deal.customerName}</Link>
                  {deal.name && deal.name !== deal.customerName ? <div className="muted small">{deal.name}</div> : null}
                </td>
                <td className="wrap-anywhere">
                  {deal.partners.length === 0 ? (
                    <span className="muted">None</span>
                  ) : (
                    <ul className="plain-list">
                      {deal.partners.map((partner) => (
                        <li key={partner.partnerId}>
                          {partner.name} <span className="muted small">({attributionText(partner.attribution, partner.percent)})</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {deal.stageLabel}
                  <div className="muted small">
                    {positions.has(deal.stage) ? `Stage ${positions.get(deal.stage)} of ${motion.stages.length}` : 'Unknown stage'}
                    {deal.status === 'open' ? null : (
                      <>
                        {' '}
                        <Badge tone={statusTone(deal.status)}>{dealStatusLabels[deal.status]}</Badge>
                      </>
                    )}
                  </div>
                </td>
                <td className="num">{formatMoney(deal.amount, deal.currency)}</td>
                <td className="nowrap">{formatDate(deal.expectedClose)}</td>
                <td className="wrap-anywhere">{deal.ownerName ?? <span className="muted">Unassigned</span>}</td>
                <td className="nowrap">{formatDate(deal.protectionEndsAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export default function Pipeline() {
  const { status, motions, deals } = useLoaderData<typeof loader>()
  const navigation = useNavigation()
  const loading = navigation.state === 'loading' && navigation.location.pathname === '/pipeline'
  const withDeals = motions.map((motion) => ({ motion, deals: sortByStage(motion.stages, deals.filter((deal) => deal.motion === motion.key)) }))
  const empty = withDeals.filter((group) => group.deals.length === 0).map((group) => group.motion.label)

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Pipeline</h1>
          <p className="muted">Deals in your built-in CRM by partner motion, with each partner’s attribution. Partners see only the fields you mark safe.</p>
        </div>
        <Link className="button secondary" to="/settings/programme#safe-fields-title">
          Partner-safe fields
        </Link>
      </div>

      <nav aria-label="Deal status" className="tabs">
        {DEAL_STATUSES.map((candidate) => (
          <Link key={candidate} to={`/pipeline?status=${candidate}`} aria-current={candidate === status ? 'page' : undefined} className={candidate === status ? 'tab active' : 'tab'}>
            {dealStatusLabels[candidate]}
          </Link>
        ))}
      </nav>

      <div aria-busy={loading || undefined}>
        {deals.length === 0 ? (
          <EmptyState title={status === 'open' ? 'No open deals' : `No ${status === 'all' ? '' : `${dealStatusLabels[status].toLowerCase()} `}deals yet`}>
            Deals appear here when you approve a deal registration; partners on a deal see it live in their portal.
          </EmptyState>
        ) : (
          <>
            <StageChart motions={motions} deals={deals} />
            {withDeals
              .filter((group) => group.deals.length > 0)
              .map((group) => (
                <MotionTable key={group.motion.key} motion={group.motion} deals={group.deals} status={status} />
              ))}
            {empty.length > 0 ? <p className="muted small">No {status === 'all' ? '' : `${dealStatusLabels[status].toLowerCase()} `}deals in: {empty.join(', ')}.</p> : null}
          </>
        )}
      </div>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

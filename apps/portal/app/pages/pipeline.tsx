import { EmptyState } from '@accord/ui'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useRevalidator } from '@remix-run/react'
import { useEffect } from 'react'
import { plural } from '~/lib/imports'
import { attributionLabel, DATE_FIELDS, pipelineText, type PipelineValue, stageCounts } from '~/lib/pipeline'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { formatDay } from '~/lib/registrations'
import { requirePartner } from '~/server/guard.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'My pipeline') }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const pipeline = await caller.portal.pipeline.list()
  return json({ safeFields: pipeline.safeFields, deals: pipeline.deals }, { headers })
}

/** Read again while the page is open: every minute, and when the tab comes back into view. */
const REFRESH_MS = 60_000

function useLiveRefresh() {
  const { revalidate, state } = useRevalidator()
  useEffect(() => {
    const refresh = () => {
      if (document.visibilityState === 'visible' && state === 'idle') revalidate()
    }
    const timer = setInterval(refresh, REFRESH_MS)
    document.addEventListener('visibilitychange', refresh)
    return () => {
      clearInterval(timer)
      document.removeEventListener('visibilitychange', refresh)
    }
  }, [revalidate, state])
}

export default function Pipeline() {
  const { safeFields, deals } = useLoaderData<typeof loader>()
  const href = usePortalHref()
  const vendor = usePortalBrand()?.name ?? 'the vendor'
  useLiveRefresh()
  const showStages = safeFields.some((field) => field.key === 'stage') && deals.length > 0
  const sourced = deals.filter((deal) => deal.attribution === 'sourced').length

  return (
    <main id="main" tabIndex={-1} className="content pipeline-page">
      <div className="page-heading">
        <div>
          <h1>My pipeline</h1>
          <p className="muted">The deals you are part of, as {vendor} tracks them right now.</p>
        </div>
      </div>

      {deals.length === 0 ? (
        <EmptyState
          title="No deals yet"
          action={
            <Link to={href('/registrations')} className="button secondary">
              See your registrations
            </Link>
          }
        >
          Deals appear here once the partner team approves one of your registrations as a deal, or when {vendor} adds you to a deal.
        </EmptyState>
      ) : (
        <>
          <p className="pipeline-totals">
            {plural(deals.length, 'deal')}
            <span aria-hidden="true"> · </span>
            <span className="sr-only">: </span>
            {formatCountPhrase(sourced, 'sourced by you')}
            <span aria-hidden="true"> · </span>
            <span className="sr-only">, </span>
            {formatCountPhrase(deals.length - sourced, 'influenced')}
          </p>
          {showStages ? <StageSummary deals={deals} /> : null}
          <div className="table-wrap">
            <table className="data pipeline-table">
              <caption className="sr-only">Your deals, most recently active first</caption>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Your part</th>
                  {safeFields.map((field) => (
                    <th scope="col" key={field.key}>
                      {field.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {deals.map((deal) => (
                  <tr key={deal.id}>
                    <th scope="row" className="company">
                      {deal.customerName}
                    </th>
                    <td className="nowrap">{attributionLabel(deal.attribution, deal.attributionPercent)}</td>
                    {safeFields.map((field) => (
                      <td key={field.key} className={DATE_FIELDS.has(field.key) ? 'nowrap' : field.key === 'next_step' ? 'user-text' : undefined}>
                        <FieldValue name={field.key} value={(deal.fields as Record<string, PipelineValue>)[field.key]} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {deals.length >= 500 ? <p className="muted">Showing the 500 most recently active deals.</p> : null}
        </>
      )}
    </main>
  )
}

function formatCountPhrase(count: number, what: string): string {
  return `${count.toLocaleString('en-GB')} ${what}`
}

function FieldValue({ name, value }: { name: string; value: PipelineValue }) {
  if (typeof value === 'string' && value && DATE_FIELDS.has(name)) {
    const day = formatDay(value)
    if (day) return <time dateTime={value}>{day}</time>
  }
  const text = pipelineText(name, value)
  if (!text) {
    return (
      <>
        <span aria-hidden="true">—</span>
        <span className="sr-only">None</span>
      </>
    )
  }
  return <>{text}</>
}

/** Deals per stage: bars drawn in CSS; the same numbers are the list's text, so nothing is only visual. */
function StageSummary({ deals }: { deals: ReadonlyArray<{ fields: Record<string, PipelineValue> }> }) {
  const stages = stageCounts(deals)
  const most = Math.max(...stages.map((stage) => stage.count), 1)
  return (
    <section className="card stage-summary" aria-labelledby="stage-summary-heading">
      <h2 id="stage-summary-heading">Deals per stage</h2>
      <ul className="bar-chart">
        {stages.map(({ stage, count }) => (
          <li key={stage}>
            <span className="bar-label">{stage}</span>
            <span className="bar-track" aria-hidden="true">
              <span className="bar" style={{ width: `${Math.max(2, Math.round((count / most) * 100))}%` }} />
            </span>
            <span className="bar-value">
              {count}
              <span className="sr-only"> {count === 1 ? 'deal' : 'deals'}</span>
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}

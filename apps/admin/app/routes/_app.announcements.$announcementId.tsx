import { staffCan } from '@accord/core'
import { Alert, Badge, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { ConfirmAction, FormError, usePageAction, useSubmitting } from '~/components/forms'
import { announcementStatus, channelLabels, describeAudience, fanoutActive, fanoutPercent, FUNNEL_STEPS, funnelBars, funnelFor, funnelStepLabels, funnelSummary, readAudience } from '~/lib/announcements'
import { rethrowAsNotFound } from '~/lib/announcements.server'
import { errorsFor } from '~/lib/forms'
import { formatDateTime } from '~/lib/format'
import { APP_NAME, errorTitle } from '~/lib/meta'
import { actionFailure } from '~/server/action-result.server'
import { requireStaff } from '~/server/guard.server'
import { useRefreshWhile } from '~/lib/use-refresh-while'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ data: loaded, error }) => [{ title: `${error || !loaded ? errorTitle(error) : `${loaded.detail.announcement.title} · Announcements`} · ${APP_NAME}` }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'announcements.view')
  const detail = await caller.admin.announcements.get({ announcementId: params.announcementId ?? '' }).catch(rethrowAsNotFound)
  const audience = readAudience(detail.announcement.audience)
  // Names for the named partners of the audience (only when there are any).
  const partnerNames: Array<[string, string]> = audience.partnerIds.length ? (await caller.admin.partners.list({ status: 'all' })).filter((partner) => audience.partnerIds.includes(partner.id)).map((partner) => [partner.id, partner.name]) : []
  return data({ detail, audienceText: describeAudience(audience, new Map(partnerNames)), canManage: staffCan(user.staffRole, 'announcements.manage') }, { headers })
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'announcements.manage')
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  const announcementId = params.announcementId ?? ''
  try {
    // Redirects (not action data): the page then polls the delivery, and a poll must not bring back an old message.
    if (intent === 'archive') {
      await caller.admin.announcements.archive({ announcementId })
      return redirect(`/announcements/${announcementId}?done=archived`)
    }
    if (intent === 'publish') {
      await caller.admin.announcements.publish({ announcementId })
      return redirect(`/announcements/${announcementId}?done=published`)
    }
    if (intent === 'retry-fanout') {
      await caller.admin.announcements.retryFanout({ announcementId })
      return redirect(`/announcements/${announcementId}?done=retried`)
    }
    return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  } catch (error) {
    return actionFailure(error, { intent })
  }
})

type Detail = ReturnType<typeof useLoaderData<typeof loader>>['detail']

const DONE_NOTICES: Record<string, string> = {
  saved: 'Draft saved.',
  published: 'Published. Delivery is under way: this page follows it.',
  scheduled: 'Scheduled. It is published automatically at the chosen time.',
  retried: 'Trying again. Delivery is under way: this page follows it; people who already have it do not get it twice.',
  archived: 'Archived. Partners no longer see it in the portal; the numbers stay here.',
}

function DeliveryProgress({ detail, canRetry }: { detail: Detail; canRetry: boolean }) {
  const pageAction = usePageAction()
  const retrying = useSubmitting('retry-fanout')
  const a = detail.announcement
  const progress = { status: a.progress_status, done: a.progress_done ?? 0, total: a.progress_total ?? 0, message: a.progress_message }
  const active = fanoutActive(progress)
  const percent = fanoutPercent(progress)
  const words = progress.status === 'queued' ? 'Waiting for a worker…' : progress.status === 'failed' ? `Delivery failed${progress.message ? `: ${progress.message}` : '.'}` : active ? `Delivered to ${progress.done} of ${progress.total} (${percent} %)` : `Delivered to ${a.recipients} ${a.recipients === 1 ? 'person' : 'people'}.`
  return (
    <section className="card" aria-labelledby="delivery-title">
      <h2 id="delivery-title">Delivery</h2>
      <div
        className={`announcement-progress${progress.status === 'failed' ? ' failed' : ''}${progress.status === 'queued' ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-labelledby="delivery-title"
        aria-valuemin={0}
        aria-valuemax={Math.max(progress.total, 1)}
        aria-valuenow={progress.status === 'succeeded' ? Math.max(progress.total, 1) : Math.min(progress.done, Math.max(progress.total, 1))}
        aria-valuetext={words}
      >
        <span className="announcement-progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <p id="delivery-text" role="status" aria-live="polite" aria-atomic="true">
        {words}
      </p>
      {progress.status === 'failed' && canRetry ? (
        <Form method="post" action={pageAction} className="button-row">
          <input type="hidden" name="intent" value="retry-fanout" />
          <SubmitButton pending={retrying} pendingLabel="Queuing the delivery again…">
            Try again
          </SubmitButton>
          <span className="muted small">Only people who have not received it yet get it.</span>
        </Form>
      ) : null}
      {active ? <p className="muted small">This page updates by itself.</p> : null}
    </section>
  )
}

function Funnel({ detail }: { detail: Detail }) {
  const rows = funnelFor(detail.funnel, detail.announcement.channels)
  if (rows.length === 0) return null
  return (
    <section className="card" aria-labelledby="funnel-title">
      <h2 id="funnel-title">Funnel per channel</h2>
      <div className="announcement-funnels">
        {rows.map((row) => (
          <figure key={row.channel} className="announcement-funnel" role="img" aria-label={funnelSummary(row)}>
            <figcaption aria-hidden="true">{channelLabels[row.channel] ?? row.channel}</figcaption>
            <ol aria-hidden="true">
              {funnelBars(row).map((bar) => (
                <li key={bar.step}>
                  <span className="announcement-funnel-label">{funnelStepLabels[bar.step]}</span>
                  <span className="announcement-funnel-track">
                    <span className={`announcement-funnel-bar step-${bar.step}`} style={{ width: `${bar.percent}%` }} />
                  </span>
                  <span className="announcement-funnel-value">{bar.value}</span>
                </li>
              ))}
            </ol>
          </figure>
        ))}
      </div>
      <div className="table-wrap">
        <table className="data announcement-funnel-table">
          <caption className="sr-only">Funnel per channel: sent, delivered, opened, acknowledged</caption>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              {FUNNEL_STEPS.map((step) => (
                <th scope="col" className="num" key={step}>
                  {funnelStepLabels[step]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.channel}>
                <th scope="row">{channelLabels[row.channel] ?? row.channel}</th>
                {FUNNEL_STEPS.map((step) => (
                  <td className="num" key={step}>
                    {row[step]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export default function AnnouncementDashboard() {
  const { detail, audienceText, canManage } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [params] = useSearchParams()
  const pageAction = usePageAction()
  const archiving = useSubmitting('archive')
  const publishing = useSubmitting('publish')
  const a = detail.announcement
  const status = announcementStatus(a.status)
  const published = a.status === 'published' || a.status === 'archived'
  useRefreshWhile(a.status === 'published' && fanoutActive({ status: a.progress_status, done: a.progress_done ?? 0, total: a.progress_total ?? 0, message: null }))
  const done = params.get('done')
  const notice = done && !result ? DONE_NOTICES[done] : null

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/announcements">Announcements</Link> <span aria-hidden="true">/</span> <span aria-current="page" className="wrap-anywhere">{a.title}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="wrap-anywhere">{a.title}</h1>
          <p className="muted">
            {a.channels.map((channel) => channelLabels[channel] ?? channel).join(', ')} · {audienceText}
            {a.published_at ? ` · published ${formatDateTime(a.published_at)}` : a.status === 'scheduled' ? ` · publishes ${formatDateTime(a.publish_at)}` : ''}
            {a.ack_required ? ` · acknowledgement required${a.ack_due_at ? ` by ${formatDateTime(a.ack_due_at)}` : ''}` : ''}
          </p>
        </div>
        <span role="status" aria-label={`Status: ${status.label}`}>
          <Badge tone={status.tone}>{status.label}</Badge>
        </span>
      </div>

      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <FormError failure={errorsFor(result, 'archive') ?? errorsFor(result, 'publish') ?? errorsFor(result, 'retry-fanout')} />

      {canManage ? (
        <div className="button-row announcement-actions">
          {!published ? (
            <>
              <Link to={`/announcements/${a.id}/edit`} className="button secondary">
                Edit
              </Link>
              <Form method="post" action={pageAction}>
                <input type="hidden" name="intent" value="publish" />
                <SubmitButton pending={publishing} pendingLabel="Publishing…">
                  Publish now
                </SubmitButton>
              </Form>
            </>
          ) : null}
          {published ? (
            <a className="button secondary" href={`/announcements/${a.id}/receipts.csv`} download>
              Export receipts (CSV)
            </a>
          ) : null}
          {a.status !== 'archived' ? (
            <ConfirmAction label="Archive…" confirmLabel="Yes, archive it" pendingLabel="Archiving…" pending={archiving} intent="archive">
              Partners no longer see it in the portal and the acknowledgement links stop working. The numbers on this page and the export stay.
            </ConfirmAction>
          ) : null}
        </div>
      ) : published ? (
        <p>
          <a href={`/announcements/${a.id}/receipts.csv`} download>
            Export receipts (CSV)
          </a>
        </p>
      ) : null}

      {a.status === 'published' && a.progress_status ? <DeliveryProgress detail={detail} canRetry={canManage} /> : null}

      {published ? (
        <>
          <ul className="stats" aria-label="Totals">
            <li className="card stat">
              <span className="stat-value">{detail.totals.recipients}</span>
              <span className="stat-label">Recipients</span>
            </li>
            <li className="card stat">
              <span className="stat-value">{detail.totals.opened}</span>
              <span className="stat-label">Opened</span>
            </li>
            <li className="card stat">
              <span className="stat-value" data-testid="acknowledged-total">
                {a.ack_required ? detail.totals.acknowledged : '—'}
              </span>
              <span className="stat-label">{a.ack_required ? 'Acknowledged' : 'Acknowledgement not asked'}</span>
            </li>
          </ul>
          <Funnel detail={detail} />
          {a.ack_required ? (
            <section className="card" aria-labelledby="pending-title">
              <h2 id="pending-title">Not acknowledged yet</h2>
              {detail.notAcknowledged.length === 0 ? (
                <p className="muted">{detail.totals.recipients === 0 ? 'Nobody has received it yet.' : 'Everyone has acknowledged it.'}</p>
              ) : (
                <div className="table-wrap">
                  <table className="data">
                    <caption className="sr-only">People who have not acknowledged it</caption>
                    <thead>
                      <tr>
                        <th scope="col">Name</th>
                        <th scope="col">E-mail</th>
                        <th scope="col">Partner</th>
                        <th scope="col">Opened</th>
                        <th scope="col">Reminded</th>
                      </tr>
                    </thead>
                    <tbody>
                      {detail.notAcknowledged.map((person) => (
                        <tr key={person.email}>
                          <td className="wrap-anywhere">{person.name}</td>
                          <td className="wrap-anywhere">{person.email}</td>
                          <td className="wrap-anywhere">{person.partner_name}</td>
                          <td className="small">{person.opened_at ? formatDateTime(person.opened_at) : <span className="muted">Not yet</span>}</td>
                          <td className="small">{person.reminded_at ? formatDateTime(person.reminded_at) : <span className="muted">—</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          ) : null}
        </>
      ) : null}

      <section className="card" aria-labelledby="preview-title">
        <h2 id="preview-title">Message</h2>
        {a.body_html ? <div className="announcement-body" dangerouslySetInnerHTML={{ __html: a.body_html }} /> : <p className="muted">No text, only the title.</p>}
      </section>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/announcements', label: 'Back to announcements' }} />
}

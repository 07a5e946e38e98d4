import { Badge, EmptyState } from '@accord/ui'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { requirePartner } from '~/server/guard.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Announcements') }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const feed = await caller.portal.announcements.feed()
  return json({ ...feed, now: new Date().toISOString() }, { headers })
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['announcements'][number]

function AckState({ row, now }: { row: Row; now: string }) {
  if (!row.ack_required) return null
  if (row.acknowledged_at) return <Badge tone="success">Acknowledged</Badge>
  if (row.ack_due_at && new Date(row.ack_due_at).getTime() < new Date(now).getTime()) return <Badge tone="danger">Overdue: acknowledge by {formatDay(row.ack_due_at)}</Badge>
  return <Badge tone="warning">{row.ack_due_at ? `Acknowledge by ${formatDay(row.ack_due_at)}` : 'Please acknowledge'}</Badge>
}

export default function Announcements() {
  const { announcements, unread, toAcknowledge, now } = useLoaderData<typeof loader>()
  const href = usePortalHref()
  const summary = [unread ? `${unread} unread` : null, toAcknowledge ? `${toAcknowledge} to acknowledge` : null].filter(Boolean).join(' · ')
  return (
    <main id="main" tabIndex={-1} className="content">
      <div className="page-heading">
        <div>
          <h1>Announcements</h1>
          <p className="muted">News from the partner team{summary ? ` · ${summary}` : ''}.</p>
        </div>
      </div>
      {announcements.length === 0 ? (
        <EmptyState title="No announcements yet">When the partner team publishes news for you, it appears here and in your e-mail.</EmptyState>
      ) : (
        <ul className="announcement-feed" aria-label="Announcements, newest first">
          {announcements.map((row) => {
            const isUnread = !row.opened_at
            return (
              <li key={row.id} className={`card announcement-item${isUnread ? ' unread' : ''}`}>
                <div className="announcement-item-head">
                  <h2>
                    <Link to={href(`/announcements/${row.id}`)}>
                      {isUnread ? <span className="sr-only">Unread: </span> : null}
                      {row.title}
                    </Link>
                  </h2>
                  {isUnread ? (
                    <span className="announcement-unread" aria-hidden="true">
                      New
                    </span>
                  ) : null}
                </div>
                <p className="meta">
                  {row.published_at ? <time dateTime={isoOf(row.published_at)}>{formatDay(row.published_at, 'long')}</time> : null} <AckState row={row} now={now} />
                </p>
                {row.excerpt ? <p className="announcement-excerpt">{row.excerpt.length >= 240 ? `${row.excerpt.trimEnd()}…` : row.excerpt}</p> : null}
              </li>
            )
          })}
        </ul>
      )}
    </main>
  )
}

import { staffCan } from '@accord/core'
import { Badge, EmptyState } from '@accord/ui'
import { type LoaderFunctionArgs, data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { announcementStatus, channelLabels } from '~/lib/announcements'
import { formatDateTime } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { requireStaff } from '~/server/guard.server'

export const meta = pageMeta('Announcements')

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'announcements.view')
  const announcements = await caller.admin.announcements.list()
  return data({ announcements, canManage: staffCan(user.staffRole, 'announcements.manage') }, { headers })
}

function when(row: { status: string; published_at: Date | string | null; publish_at: Date | string | null; updated_at: Date | string }): string {
  if (row.status === 'published' || row.status === 'archived') return row.published_at ? `Published ${formatDateTime(row.published_at)}` : '—'
  if (row.status === 'scheduled') return `Scheduled for ${formatDateTime(row.publish_at)}`
  return `Edited ${formatDateTime(row.updated_at)}`
}

export default function Announcements() {
  const { announcements, canManage } = useLoaderData<typeof loader>()
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Announcements</h1>
          <p className="muted">News for your partners in the portal, by e-mail and in Slack, with read and acknowledgement tracking.</p>
        </div>
        {canManage && announcements.length > 0 ? (
          <Link to="/announcements/new" className="button">
            New announcement
          </Link>
        ) : null}
      </div>
      {announcements.length === 0 ? (
        <EmptyState
          title="No announcements yet"
          action={
            canManage ? (
              <Link to="/announcements/new" className="button">
                Write the first announcement
              </Link>
            ) : null
          }
        >
          Tell partners about price changes, launches or programme rules, and see who has read and acknowledged them.
        </EmptyState>
      ) : (
        <div className="table-wrap">
            <table className="data announcements-table">
              <caption className="sr-only">Announcements, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Status</th>
                  <th scope="col">Channels</th>
                  <th scope="col" className="num">
                    Recipients
                  </th>
                  <th scope="col" className="num">
                    Opened
                  </th>
                  <th scope="col" className="num">
                    Acknowledged
                  </th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {announcements.map((row) => {
                  const status = announcementStatus(row.status)
                  return (
                    <tr key={row.id}>
                      <td className="wrap-anywhere">
                        <Link to={`/announcements/${row.id}`}>{row.title}</Link>
                      </td>
                      <td>
                        <Badge tone={status.tone}>{status.label}</Badge>
                      </td>
                      <td>{row.channels.map((channel) => channelLabels[channel] ?? channel).join(', ')}</td>
                      <td className="num">{row.status === 'draft' || row.status === 'scheduled' ? <span className="muted">—</span> : row.recipients}</td>
                      <td className="num">{row.status === 'draft' || row.status === 'scheduled' ? <span className="muted">—</span> : (row.opened ?? 0)}</td>
                      <td className="num">{!row.ack_required ? <span className="muted">Not asked</span> : row.status === 'draft' || row.status === 'scheduled' ? <span className="muted">—</span> : `${row.acknowledged ?? 0} of ${row.recipients}`}</td>
                      <td className="small">{when(row)}</td>
                    </tr>
                  )
                })}
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

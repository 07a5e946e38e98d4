import { EmptyState } from '@accord/ui'
import { type LoaderFunctionArgs, data } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { compactJson, formatDateTime } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { requireStaff } from '~/server/guard.server'

export const meta = pageMeta('Audit log')

const LIMIT = 200

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'audit.view')
  const entries = await caller.admin.workspace.auditLog({ limit: LIMIT })
  return data(
    {
      limit: LIMIT,
      entries: entries.map((entry) => ({
        id: entry.id,
        at: entry.created_at,
        who: entry.actor_name ?? null,
        whoEmail: entry.actor_email ?? null,
        action: entry.action,
        target: entry.target_type ? `${entry.target_type}${entry.target_id ? ` ${String(entry.target_id).slice(0, 8)}` : ''}` : null,
        targetId: entry.target_id ?? null,
        details: compactJson(entry.details),
      })),
    },
    { headers },
  )
}

export default function AuditLog() {
  const { entries, limit } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">Who changed what in this workspace, newest first{entries.length >= limit ? ` (the latest ${limit} entries)` : ''}.</p>
      {entries.length === 0 ? (
        <EmptyState title="Nothing recorded yet">Sign-ins, partner changes, invitations and settings changes will be listed here.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data audit">
            <caption className="sr-only">Audit log entries</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="nowrap">
                    <time dateTime={new Date(entry.at).toISOString()}>{formatDateTime(entry.at)}</time>
                  </td>
                  <td>
                    {entry.who ?? <span className="muted">System</span>}
                    {entry.whoEmail ? (
                      <>
                        <br />
                        <span className="muted small wrap-anywhere">{entry.whoEmail}</span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td title={entry.targetId ?? undefined}>{entry.target ?? <span className="muted">—</span>}</td>
                  <td>{entry.details ? <code className="details wrap-anywhere">{entry.details}</code> : <span className="muted">—</span>}</td>
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

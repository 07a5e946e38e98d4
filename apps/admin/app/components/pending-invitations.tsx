import { Badge } from '@accord/ui'
import type { ReactNode } from 'react'
import { ConfirmAction } from '~/components/forms'
import { formatDateTime, relativeTime } from '~/lib/format'

export interface PendingInvitation {
  id: string
  email: string
  name: string | null
  roleLabel: string
  expired: boolean
  expiresAt: string | Date
}

/** Pending invitations with expiry and (for managers) a confirmed revoke; used for staff and partner users alike. */
export function PendingInvitationsTable(props: {
  invitations: PendingInvitation[]
  now: string | number | Date
  canManage: boolean
  revoking: boolean
  revokeConsequence: (email: string) => ReactNode
}) {
  const { invitations, now, canManage, revoking } = props
  if (invitations.length === 0) return <p className="muted">No pending invitations.</p>
  return (
    <div className="table-wrap">
      <table className="data">
        <caption className="sr-only">Pending invitations</caption>
        <thead>
          <tr>
            <th scope="col">E-mail</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Expires</th>
            {canManage ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {invitations.map((invitation) => (
            <tr key={invitation.id}>
              <td className="wrap-anywhere">{invitation.email}</td>
              <td>{invitation.name ?? <span className="muted">—</span>}</td>
              <td>{invitation.roleLabel}</td>
              <td>
                {invitation.expired ? (
                  <Badge tone="danger">Expired</Badge>
                ) : (
                  <time dateTime={new Date(invitation.expiresAt).toISOString()} title={formatDateTime(invitation.expiresAt)}>
                    {relativeTime(invitation.expiresAt, new Date(now))}
                  </time>
                )}
              </td>
              {canManage ? (
                <td className="actions">
                  <ConfirmAction label="Revoke" confirmLabel={`Revoke invitation for ${invitation.email}`} pendingLabel="Revoking…" pending={revoking} intent="revoke" hidden={{ invitationId: invitation.id }} variant="secondary">
                    {props.revokeConsequence(invitation.email)}
                  </ConfirmAction>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

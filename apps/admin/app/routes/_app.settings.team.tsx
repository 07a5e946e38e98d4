import { STAFF_ROLES, staffCan, staffRoleLabels } from '@accord/core'
import { Badge, Field, SelectField, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { PendingInvitationsTable } from '~/components/pending-invitations'
import { ConfirmAction, FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { errorsFor, formValues } from '~/lib/forms'
import { formatDateTime, relativeTime } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Team')

const INVITE_FIELDS = ['email', 'name', 'role'] as const

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'staff.view')
  const staff = await caller.admin.workspace.staff()
  const label = (role: string | null) => (role && role in staffRoleLabels ? staffRoleLabels[role as keyof typeof staffRoleLabels] : '—')
  const activeOwners = staff.members.filter((member) => member.role === 'owner' && member.status === 'active').length
  return data(
    {
      me: user.id,
      canManage: staffCan(user.staffRole, 'staff.manage'),
      canDeactivate: staffCan(user.staffRole, 'staff.deactivate'),
      isOwner: user.staffRole === 'owner',
      activeOwners,
      roleOptions: STAFF_ROLES.map((role) => ({ value: role, label: staffRoleLabels[role] })),
      members: staff.members.map((member) => ({ ...member, roleLabel: label(member.role) })),
      invitations: staff.invitations.map((invitation) => ({ ...invitation, roleLabel: label(invitation.role) })),
      now: new Date(),
    },
    { headers },
  )
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  // Deactivation is for owners and admins; everything else on this page for owners.
  const { caller } = await requireStaff(request, context, intent === 'deactivate' || intent === 'reactivate' ? 'staff.deactivate' : 'staff.manage')
  if (intent === 'deactivate' || intent === 'reactivate') {
    const userId = String(form.get('userId') ?? '')
    const name = String(form.get('name') ?? '').slice(0, 200) || 'This team member'
    try {
      if (intent === 'deactivate') await caller.admin.workspace.deactivateStaff({ userId })
      else await caller.admin.workspace.reactivateStaff({ userId })
      return actionSuccess(intent, intent === 'deactivate' ? `${name} is deactivated and signed out everywhere.` : `${name} is active again and can sign in.`)
    } catch (error) {
      return actionFailure(error, { intent })
    }
  }
  if (intent === 'invite') {
    const values = formValues(form, INVITE_FIELDS)
    try {
      const invitation = await caller.admin.invitations.inviteStaff(values)
      return actionSuccess(intent, `Invitation sent to ${invitation.email}. It is valid for 7 days.`)
    } catch (error) {
      return actionFailure(error, { fields: INVITE_FIELDS, values, intent })
    }
  }
  if (intent === 'changeRole') {
    const values = formValues(form, ['userId', 'role'])
    try {
      await caller.admin.workspace.changeStaffRole(values)
      return actionSuccess(intent, 'Role changed.')
    } catch (error) {
      // The role message (e.g. "needs at least one owner") belongs to the row, shown at the table.
      return actionFailure(error, { values, intent })
    }
  }
  if (intent === 'revoke') {
    try {
      await caller.admin.invitations.revoke({ invitationId: String(form.get('invitationId') ?? '') })
      return actionSuccess(intent, 'Invitation revoked; its link no longer works.')
    } catch (error) {
      return actionFailure(error, { intent })
    }
  }
  return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
})

export default function Team() {
  const pageAction = usePageAction()
  const { members, invitations, canManage, canDeactivate, isOwner, activeOwners, roleOptions, me, now } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const inviteFailure = errorsFor(result, 'invite')
  const inviteRef = useFormFeedback(result, 'invite', { resetOnSuccess: true })
  const inviting = useSubmitting('invite')
  const revoking = useSubmitting('revoke')
  const deactivating = useSubmitting('deactivate')
  const reactivatingFor = navigation.formData?.get('intent') === 'reactivate' ? navigation.formData.get('userId') : null
  const changingFor = navigation.formData?.get('intent') === 'changeRole' ? navigation.formData.get('userId') : null
  const tableFailure = result && !result.ok && ['changeRole', 'deactivate', 'reactivate'].includes(result.intent ?? '') ? result : null

  return (
    <>
      <h1>Team</h1>
      <p className="muted">Everyone at your company who works in this workspace.</p>

      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <FormNotice result={result} intent="changeRole" />
        <FormNotice result={result} intent="deactivate" />
        <FormNotice result={result} intent="reactivate" />
        {tableFailure ? (
          <div data-form-error tabIndex={-1} className="alert error" role="alert">
            {tableFailure.formError ?? Object.values(tableFailure.fieldErrors).flat().join(' ')}
          </div>
        ) : null}
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">Workspace members</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Last sign-in</th>
                {canDeactivate ? (
                  <th scope="col">
                    <span className="sr-only">Access</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <tr key={member.id}>
                  <td>
                    {member.name}
                    {member.id === me ? <span className="muted"> (you)</span> : null} {member.status === 'active' ? null : <Badge tone="warning">Deactivated</Badge>}
                  </td>
                  <td className="wrap-anywhere">
                    {member.email} {member.emailVerifiedAt ? null : <Badge tone="warning">Unverified</Badge>}
                  </td>
                  <td>
                    {canManage ? (
                      <Form method="post" action={pageAction} className="inline-form">
                        <input type="hidden" name="intent" value="changeRole" />
                        <input type="hidden" name="userId" value={member.id} />
                        <label className="sr-only" htmlFor={`role-${member.id}`}>
                          Role of {member.name}
                        </label>
                        <select id={`role-${member.id}`} name="role" defaultValue={member.role ?? ''} key={`${member.id}-${member.role}`}>
                          {roleOptions.map((option) => (
                            <option key={option.value} value={option.value}>
                              {option.label}
                            </option>
                          ))}
                        </select>
                        <button type="submit" className="button secondary small" disabled={changingFor === member.id}>
                          {changingFor === member.id ? 'Saving…' : 'Change role'}
                          <span className="sr-only"> of {member.name}</span>
                        </button>
                      </Form>
                    ) : (
                      member.roleLabel
                    )}
                  </td>
                  <td>{member.lastLoginAt ? formatDateTime(member.lastLoginAt) : <span className="muted">Never</span>}</td>
                  {canDeactivate ? (
                    <td className="actions">
                      <MemberAccess
                        member={member}
                        isMe={member.id === me}
                        allowed={member.role !== 'owner' || isOwner}
                        lastOwner={member.role === 'owner' && member.status === 'active' && activeOwners <= 1}
                        deactivating={deactivating}
                        reactivating={reactivatingFor === member.id}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" aria-labelledby="pending-title">
        <h2 id="pending-title">Pending invitations</h2>
        <FormNotice result={result} intent="revoke" />
        <PendingInvitationsTable invitations={invitations} now={now} canManage={canManage} revoking={revoking} revokeConsequence={(email) => `The link in the e-mail to ${email} will stop working.`} />
      </section>

      {canManage ? (
        <section className="card" aria-labelledby="invite-title">
          <h2 id="invite-title">Invite a team member</h2>
          <Form method="post" action={pageAction} className="stack" noValidate ref={inviteRef} aria-labelledby="invite-title">
            <input type="hidden" name="intent" value="invite" />
            <FormNotice result={result} intent="invite" />
            <FormError failure={inviteFailure} />
            <div className="grid-2">
              <Field label="E-mail" name="email" type="email" required inputMode="email" autoComplete="off" defaultValue={valueOf(inviteFailure, 'email')} errors={inviteFailure?.fieldErrors.email} />
              <Field label="Name" name="name" autoComplete="off" maxLength={120} defaultValue={valueOf(inviteFailure, 'name')} errors={inviteFailure?.fieldErrors.name} />
            </div>
            <SelectField
              label="Role"
              name="role"
              required
              options={roleOptions}
              defaultValue={valueOf(inviteFailure, 'role', 'partner_manager')}
              hint="Owners manage the team; admins also manage settings; partner managers manage partners; finance and viewers can look."
              errors={inviteFailure?.fieldErrors.role}
            />
            <div>
              <SubmitButton pending={inviting} pendingLabel="Sending…">
                Send invitation
              </SubmitButton>
            </div>
          </Form>
        </section>
      ) : (
        <p className="muted">Only workspace owners can invite people and change roles.</p>
      )}
    </>
  )
}

/** Deactivate (confirmed: it signs the person out at once) or reactivate one member. */
function MemberAccess(props: {
  member: { id: string; name: string; status: string; deactivatedAt: string | Date | null }
  isMe: boolean
  allowed: boolean
  lastOwner: boolean
  deactivating: boolean
  reactivating: boolean
}) {
  const pageAction = usePageAction()
  const { member } = props
  if (!props.allowed) return <span className="muted">Owners only</span>
  if (member.status !== 'active') {
    return (
      <Form method="post" action={pageAction} className="inline-form">
        <input type="hidden" name="intent" value="reactivate" />
        <input type="hidden" name="userId" value={member.id} />
        <input type="hidden" name="name" value={member.name} />
        <button type="submit" className="button secondary small" disabled={props.reactivating} aria-busy={props.reactivating || undefined}>
          {props.reactivating ? 'Reactivating…' : 'Reactivate'}
          <span className="sr-only"> {member.name}</span>
        </button>
      </Form>
    )
  }
  if (props.lastOwner) return <span className="muted">Only active owner</span>
  return (
    <ConfirmAction
      label={props.isMe ? 'Deactivate me' : 'Deactivate'}
      confirmLabel={props.isMe ? 'Deactivate me and sign out' : `Deactivate ${member.name}`}
      pendingLabel="Deactivating…"
      pending={props.deactivating}
      intent="deactivate"
      hidden={{ userId: member.id, name: member.name }}
    >
      {props.isMe
        ? 'You will be signed out at once and cannot sign in again until an owner or admin reactivates you.'
        : `${member.name} is signed out everywhere at once and can no longer sign in; their open sign-in and reset links stop working. Their work stays. You can reactivate them later.`}
    </ConfirmAction>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

import { PARTNER_ROLES, PARTNER_TYPES, partnerRoleLabels, partnerTypeLabels, staffCan } from '@accord/core'
import { Badge, Field, SelectField, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { PendingInvitationsTable } from '~/components/pending-invitations'
import { WeeklyChart } from '~/components/weekly-chart'
import { ConfirmAction, FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { PARTNER_FIELDS, PartnerFields } from '~/components/partner-fields'
import { errorsFor, formValues } from '~/lib/forms'
import { formatDate, formatDateTime, relativeTime } from '~/lib/format'
import { APP_NAME, errorTitle } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { requireStaff, rethrowAsNotFound } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

const INVITE_FIELDS = ['email', 'name', 'role'] as const
const ENGAGEMENT_DAYS = 90

export const meta = ({ data, error }: { data?: { partner: { name: string } }; error?: unknown }) => [
  { title: `${error || !data ? errorTitle(error) : data.partner.name} · ${APP_NAME}` },
]


export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'partners.view')
  const partnerId = params.partnerId ?? ''
  const [partner, people, engagement] = await Promise.all([
    caller.admin.partners.get({ partnerId }),
    caller.admin.partners.people({ partnerId }),
    caller.admin.partners.engagement({ partnerId, days: ENGAGEMENT_DAYS }),
  ]).catch(rethrowAsNotFound('This partner organisation does not exist.'))
  return data(
    {
      partner,
      people: {
        users: people.users.map((person) => ({ ...person, roleLabel: person.role ? (partnerRoleLabels[person.role as keyof typeof partnerRoleLabels] ?? person.role) : '—' })),
        invitations: people.invitations.map((invitation) => ({ ...invitation, roleLabel: invitation.role ? (partnerRoleLabels[invitation.role as keyof typeof partnerRoleLabels] ?? invitation.role) : '—' })),
      },
      engagement: { ...engagement, users: engagement.users.map((person) => ({ ...person, roleLabel: person.role ? (partnerRoleLabels[person.role as keyof typeof partnerRoleLabels] ?? person.role) : '—' })) },
      canManage: staffCan(user.staffRole, 'partners.manage'),
      typeOptions: PARTNER_TYPES.map((type) => ({ value: type, label: partnerTypeLabels[type] })),
      tierOptions: (await caller.admin.workspace.get()).settings.tiers.map((tier) => ({ value: tier.name, label: `${tier.name} (${tier.commissionRatePercent} %)` })),
      roleOptions: PARTNER_ROLES.map((role) => ({ value: role, label: partnerRoleLabels[role] })),
      registrationLink: await caller.admin.partners.registrationLink({ partnerId }),
      now: new Date(),
    },
    { headers },
  )
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'partners.manage')
  const partnerId = params.partnerId ?? ''
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  switch (intent) {
    case 'update': {
      const values = formValues(form, PARTNER_FIELDS)
      try {
        await caller.admin.partners.update({ partnerId, ...values })
        return actionSuccess(intent, 'Changes saved.')
      } catch (error) {
        return actionFailure(error, { fields: PARTNER_FIELDS, values, intent })
      }
    }
    case 'invite': {
      const values = formValues(form, INVITE_FIELDS)
      try {
        const invitation = await caller.admin.invitations.invitePartnerUser({ partnerId, ...values })
        return actionSuccess(intent, `Invitation sent to ${invitation.email}. It is valid for 7 days.`)
      } catch (error) {
        return actionFailure(error, { fields: INVITE_FIELDS, values, intent })
      }
    }
    case 'revoke': {
      try {
        await caller.admin.invitations.revoke({ invitationId: String(form.get('invitationId') ?? '') })
        return actionSuccess(intent, 'Invitation revoked; its link no longer works.')
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'create-link': {
      try {
        const link = await caller.admin.partners.createRegistrationLink({ partnerId })
        return data({ ok: true as const, intent, notice: 'New registration link created. Copy it now: it is shown only once. Any earlier link stopped working.', linkUrl: link.url, linkWarning: link.warning })
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'revoke-link': {
      try {
        await caller.admin.partners.revokeRegistrationLink({ linkId: String(form.get('linkId') ?? '') })
        return actionSuccess(intent, 'The registration link is switched off.')
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'deactivate-user':
    case 'reactivate-user': {
      const userId = String(form.get('userId') ?? '')
      const name = String(form.get('name') ?? '').slice(0, 200) || 'This person'
      try {
        if (intent === 'deactivate-user') await caller.admin.partners.deactivateUser({ userId })
        else await caller.admin.partners.reactivateUser({ userId })
        return actionSuccess(intent, intent === 'deactivate-user' ? `${name} is deactivated and signed out of the portal.` : `${name} is active again and can sign in to the portal.`)
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'archive':
    case 'restore': {
      try {
        if (intent === 'archive') await caller.admin.partners.archive({ partnerId })
        else await caller.admin.partners.restore({ partnerId })
        return actionSuccess(intent, intent === 'archive' ? 'Partner archived. Its people can no longer sign in.' : 'Partner restored. Its people can sign in again.')
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    default:
      return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  }
})

export default function PartnerPage() {
  const pageAction = usePageAction()
  const { partner, people, engagement, canManage, typeOptions, tierOptions, roleOptions, now, registrationLink } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const updateFailure = errorsFor(result, 'update')
  const inviteFailure = errorsFor(result, 'invite')
  const updateRef = useFormFeedback(result, 'update')
  const inviteRef = useFormFeedback(result, 'invite', { resetOnSuccess: true })
  const saving = useSubmitting('update')
  const inviting = useSubmitting('invite')
  const revoking = useSubmitting('revoke')
  const archiving = useSubmitting('archive')
  const restoring = useSubmitting('restore')
  const creatingLink = useSubmitting('create-link')
  // The create-link answer carries the URL, shown once.
  const createdLink = result && result.ok && 'linkUrl' in result ? (result as unknown as { linkUrl: string; linkWarning: string | null }) : null
  const revokingLink = useSubmitting('revoke-link')
  const archived = partner.status === 'archived'
  const otherFailure = result && !result.ok && ['revoke', 'archive', 'restore', 'create-link', 'revoke-link'].includes(result.intent ?? '') ? result : null
  const accessFailure = result && !result.ok && ['deactivate-user', 'reactivate-user'].includes(result.intent ?? '') ? result : null
  const deactivatingUser = useSubmitting('deactivate-user')
  const reactivatingUser = useSubmitting('reactivate-user')

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/partners">Partners</Link> <span aria-hidden="true">/</span> <span aria-current="page">{partner.name}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="wrap-anywhere">{partner.name}</h1>
          <p className="muted">
            {typeOptions.find((option) => option.value === partner.type)?.label ?? partner.type}
            {partner.region ? ` · ${partner.region}` : ''} · added {formatDate(partner.createdAt)}
          </p>
        </div>
        {archived ? <Badge>Archived</Badge> : <Badge tone="success">Active</Badge>}
      </div>

      {archived ? (
        <div className="alert warning" role="status">
          This partner is archived{partner.archivedAt ? ` since ${formatDate(partner.archivedAt)}` : ''}: its people cannot sign in, and its records are kept.
        </div>
      ) : null}
      <FormNotice result={result} intent="archive" />
      <FormNotice result={result} intent="restore" />
      <FormNotice result={result} intent="revoke" />
      <FormError failure={otherFailure} />

      <section className="card" aria-labelledby="details-title">
        <h2 id="details-title">Details</h2>
        <Form method="post" action={pageAction} className="stack" noValidate ref={updateRef} aria-labelledby="details-title">
          <input type="hidden" name="intent" value="update" />
          <FormNotice result={result} intent="update" />
          <FormError failure={updateFailure} />
          <fieldset disabled={!canManage} className="plain stack">
            <legend className="sr-only">Partner details</legend>
            <PartnerFields failure={updateFailure} typeOptions={typeOptions} tierOptions={tierOptions} saved={partner} />
          </fieldset>
          {canManage ? (
            <div>
              <SubmitButton pending={saving} pendingLabel="Saving…">
                Save changes
              </SubmitButton>
            </div>
          ) : (
            <p className="muted">Your role can view partners but not change them.</p>
          )}
        </Form>
      </section>

      <section className="card" aria-labelledby="people-title">
        <h2 id="people-title">People</h2>
        <FormNotice result={result} intent="deactivate-user" />
        <FormNotice result={result} intent="reactivate-user" />
        <FormError failure={accessFailure} />
        {people.users.length === 0 ? (
          <p className="muted">Nobody from {partner.name} has joined yet. Invitations they accept show up here.</p>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Partner users</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Last sign-in</th>
                  {canManage ? (
                    <th scope="col">
                      <span className="sr-only">Access</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {people.users.map((person) => (
                  <tr key={person.id}>
                    <td>
                      {person.name} {person.status === 'active' ? null : <Badge tone="warning">{person.deactivatedBy === 'partner' ? 'Deactivated by their admin' : 'Deactivated'}</Badge>}
                    </td>
                    <td className="wrap-anywhere">{person.email}</td>
                    <td>{person.roleLabel}</td>
                    <td>{person.lastLoginAt ? formatDateTime(person.lastLoginAt) : <span className="muted">Never</span>}</td>
                    {canManage ? (
                      <td className="actions">
                        {person.status === 'active' ? (
                          <ConfirmAction
                            label={`Deactivate ${person.name}`}
                            confirmLabel={`Deactivate ${person.name}`}
                            pendingLabel="Deactivating…"
                            pending={deactivatingUser}
                            intent="deactivate-user"
                            hidden={{ userId: person.id, name: person.name }}
                          >
                            {person.name} is signed out of the portal at once and can no longer sign in (password, sign-in link or reset). Their registrations stay. Their own partner admin cannot undo this; you can reactivate them later.
                          </ConfirmAction>
                        ) : (
                          <Form method="post" action={pageAction} className="inline-form">
                            <input type="hidden" name="intent" value="reactivate-user" />
                            <input type="hidden" name="userId" value={person.id} />
                            <input type="hidden" name="name" value={person.name} />
                            <button type="submit" className="button secondary small" disabled={reactivatingUser} aria-busy={reactivatingUser || undefined}>
                              {reactivatingUser ? 'Reactivating…' : 'Reactivate'}
                              <span className="sr-only"> {person.name}</span>
                            </button>
                          </Form>
                        )}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}

        <h3>Pending invitations</h3>
        <PendingInvitationsTable invitations={people.invitations} now={now} canManage={canManage} revoking={revoking} revokeConsequence={(email) => `The link in the e-mail to ${email} will stop working. You can invite them again later.`} />
      </section>

      <EngagementSection engagement={engagement} partnerName={partner.name} />

      <section className="card" aria-labelledby="link-title">
        <h2 id="link-title">Registration link</h2>
        <p className="muted">
          People at {partner.name} can register leads through this link without an account, using a work e-mail on{' '}
          {partner.emailDomains.length ? partner.emailDomains.map((domain) => `@${domain}`).join(', ') : 'the allowed domains (none set yet: add them above)'}.
        </p>
        <FormNotice result={result} intent="create-link" />
        <FormNotice result={result} intent="revoke-link" />
        {createdLink ? (
          <div className="field">
            <label htmlFor="new-registration-link">New link (shown once)</label>
            <input id="new-registration-link" readOnly value={createdLink.linkUrl} onFocus={(event) => event.currentTarget.select()} />
            {createdLink.linkWarning ? <p className="error">{createdLink.linkWarning}</p> : null}
          </div>
        ) : null}
        <p>
          {registrationLink.active
            ? `Active since ${formatDate(registrationLink.active.createdAt)} · ${registrationLink.active.submissions} registration${registrationLink.active.submissions === 1 ? '' : 's'}${registrationLink.active.lastUsedAt ? ` · last used ${formatDate(registrationLink.active.lastUsedAt)}` : ''}.`
            : 'No active link.'}
        </p>
        {canManage && !archived ? (
          <div className="button-row">
            <Form method="post" action={pageAction}>
              <input type="hidden" name="intent" value="create-link" />
              <SubmitButton variant="secondary" pending={creatingLink} pendingLabel="Creating…">
                {registrationLink.active ? 'Replace with a new link' : 'Create a link'}
              </SubmitButton>
            </Form>
            {registrationLink.active ? (
              <ConfirmAction label="Switch the link off" confirmLabel="Switch it off" pending={revokingLink} intent="revoke-link" hidden={{ linkId: registrationLink.active.linkId }}>
                Registrations through the current link will be refused. You can create a new link later.
              </ConfirmAction>
            ) : null}
          </div>
        ) : null}
      </section>

      {canManage ? (
        <section className="card" aria-labelledby="invite-title" id="invite">
          <h2 id="invite-title">Invite a partner user</h2>
          {archived ? (
            <p className="muted">Restore this partner to invite people.</p>
          ) : (
            <Form method="post" action={pageAction} className="stack" noValidate ref={inviteRef} aria-labelledby="invite-title">
              <input type="hidden" name="intent" value="invite" />
              <p className="muted">They get an e-mail with a link to your partner portal, valid for 7 days.</p>
              <FormNotice result={result} intent="invite" />
              <FormError failure={inviteFailure} />
              <div className="grid-2">
                <Field label="E-mail" name="email" type="email" required inputMode="email" autoComplete="off" defaultValue={valueOf(inviteFailure, 'email')} errors={inviteFailure?.fieldErrors.email} />
                <Field label="Name" name="name" autoComplete="off" maxLength={120} defaultValue={valueOf(inviteFailure, 'name')} errors={inviteFailure?.fieldErrors.name} />
              </div>
              <SelectField label="Role" name="role" required options={roleOptions} defaultValue={valueOf(inviteFailure, 'role', 'sales')} errors={inviteFailure?.fieldErrors.role} />
              <div>
                <SubmitButton pending={inviting} pendingLabel="Sending…">
                  Send invitation
                </SubmitButton>
              </div>
            </Form>
          )}
        </section>
      ) : null}

      {canManage ? (
        <section className="card danger-zone" aria-labelledby="status-title">
          <h2 id="status-title">{archived ? 'Restore partner' : 'Archive partner'}</h2>
          {archived ? (
            <Form method="post" action={pageAction} className="stack">
              <input type="hidden" name="intent" value="restore" />
              <p className="muted">Restoring lets its people sign in again. Pending invitations that expired stay expired.</p>
              <div>
                <SubmitButton pending={restoring} pendingLabel="Restoring…" variant="secondary">
                  Restore partner
                </SubmitButton>
              </div>
            </Form>
          ) : (
            <>
              <p className="muted">Archive a partner you no longer work with. Nothing is deleted and you can restore it at any time.</p>
              <ConfirmAction label="Archive partner…" confirmLabel={`Yes, archive ${partner.name}`} pendingLabel="Archiving…" pending={archiving} intent="archive">
                Archiving {partner.name} signs its people out immediately and stops them from signing in. Their records, deals and history are kept.
              </ConfirmAction>
            </>
          )}
        </section>
      ) : null}
    </>
  )
}

type Engagement = ReturnType<typeof useLoaderData<typeof loader>>['engagement']

/** Portal sign-ins and announcement receipts over the last ENGAGEMENT_DAYS days (issue 5). */
function EngagementSection({ engagement, partnerName }: { engagement: Engagement; partnerName: string }) {
  const { totals, users, weeklyActivity, days } = engagement
  return (
    <section className="card" aria-labelledby="engagement-title">
      <h2 id="engagement-title">Engagement</h2>
      <p className="muted">
        Portal sign-ins, announcements and library use over the last {days} days, since {formatDate(engagement.since)}.
      </p>
      <ul className="stats" aria-label={`Engagement totals, last ${days} days`}>
        <li className="stat">
          <span className="stat-value">{totals.signIns}</span>
          <span className="stat-label">Portal sign-ins</span>
        </li>
        <li className="stat">
          <span className="stat-value">
            {totals.usersSignedIn} <span className="stat-of">of {totals.users}</span>
          </span>
          <span className="stat-label">People who signed in</span>
        </li>
        <li className="stat">
          <span className="stat-value stat-value-text">{totals.lastSignInAt ? formatDate(totals.lastSignInAt) : 'Never'}</span>
          <span className="stat-label">Last sign-in</span>
        </li>
        <li className="stat">
          <span className="stat-value">
            {totals.announcementsOpened} <span className="stat-of">of {totals.announcementsReceived}</span>
          </span>
          <span className="stat-label">Announcements opened</span>
        </li>
        <li className="stat">
          <span className="stat-value">{totals.announcementsAcknowledged}</span>
          <span className="stat-label">Announcements acknowledged</span>
        </li>
        <li className="stat">
          <span className="stat-value">{totals.acknowledgementsOverdue}</span>
          <span className="stat-label">Overdue acknowledgements</span>
        </li>
        <li className="stat">
          <span className="stat-value">{totals.resourceViews}</span>
          <span className="stat-label">Resource views</span>
        </li>
        <li className="stat">
          <span className="stat-value">{totals.resourceDownloads}</span>
          <span className="stat-label">Resource downloads</span>
        </li>
        <li className="stat">
          <span className="stat-value">{totals.resourcesUsed}</span>
          <span className="stat-label">Different resources used</span>
        </li>
        <li className="stat">
          <span className="stat-value">
            {totals.rulesPagesRead} <span className="stat-of">of {totals.rulesPagesPublished}</span>
          </span>
          <span className="stat-label">Programme rules pages read (ever)</span>
        </li>
      </ul>

      <h3 id="engagement-weekly-title">Sign-ins per week</h3>
      {totals.signIns === 0 ? (
        <p className="muted">No one from {partnerName} has signed in in the last {days} days.</p>
      ) : (
        <WeeklyChart weeks={weeklyActivity.map((week) => ({ weekStart: week.weekStart, count: week.signIns }))} unit="sign-in" labelledBy="engagement-weekly-title" tableCaption="Portal sign-ins per week" />
      )}

      <h3 id="engagement-resources-title">Library use per week</h3>
      {totals.resourceViews + totals.resourceDownloads === 0 ? (
        <p className="muted">No one from {partnerName} has opened the resource library in the last {days} days.</p>
      ) : (
        <WeeklyChart
          weeks={weeklyActivity.map((week) => ({ weekStart: week.weekStart, count: week.resourceViews + week.resourceDownloads }))}
          unit="view or download"
          labelledBy="engagement-resources-title"
          tableCaption="Resource views and downloads per week"
        />
      )}

      <h3>Per person</h3>
      {users.length === 0 ? (
        <p className="muted">Nobody from {partnerName} has joined yet, so there is no activity to show.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Engagement per person">
          <table className="data engagement-people">
            <caption className="sr-only">Engagement per person, last {days} days, most recently active first</caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Role</th>
                <th scope="col">Last sign-in</th>
                <th scope="col" className="num">
                  Sign-ins
                </th>
                <th scope="col" className="num">
                  Announcements opened
                </th>
                <th scope="col" className="num">
                  Acknowledged
                </th>
                <th scope="col" className="num">
                  Resources viewed
                </th>
                <th scope="col" className="num">
                  Downloads
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((person) => (
                <tr key={person.userId}>
                  <td>
                    {person.name} {person.status === 'active' ? null : <Badge tone="warning">Disabled</Badge>}
                    <div className="muted small wrap-anywhere">{person.email}</div>
                  </td>
                  <td>{person.roleLabel}</td>
                  <td>{person.lastSignInAt ? formatDateTime(person.lastSignInAt) : <span className="muted">Never</span>}</td>
                  <td className="num">{person.signIns}</td>
                  <td className="num">{person.announcementsReceived === 0 ? <span className="muted">None received</span> : `${person.announcementsOpened} of ${person.announcementsReceived}`}</td>
                  <td className="num">
                    {person.announcementsAcknowledged}
                    {person.acknowledgementsOverdue > 0 ? (
                      <>
                        {' '}
                        <Badge tone="warning">{`${person.acknowledgementsOverdue} overdue`}</Badge>
                      </>
                    ) : null}
                  </td>
                  <td className="num">{person.resourceViews}</td>
                  <td className="num">{person.resourceDownloads}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/partners', label: 'Back to partners' }} />
}

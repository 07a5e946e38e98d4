import { appErrorOf } from '@accord/api'
import { Alert, Badge, EmptyState } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { portalTitle } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { requirePartner } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

/**
 * The organisation's people: who has access to this portal, and (for partner
 * admins) deactivating someone who left or reactivating them. Everyone in
 * the organisation may look; only partner admins see the buttons, and the
 * server checks the role again.
 */
export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Team') }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const team = await caller.portal.team.list()
  return json(team, { headers })
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller } = await requirePartner(request, context, params)
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  const userId = String(form.get('userId') ?? '').slice(0, 100)
  try {
    const team = await caller.portal.team.list()
    const person = team.people.find((candidate) => candidate.id === userId)
    if (intent === 'deactivate') {
      await caller.portal.team.deactivate({ userId })
      return json({ ok: true as const, message: `${person?.name ?? 'This person'} is deactivated and signed out of the portal.` })
    }
    if (intent === 'reactivate') {
      await caller.portal.team.reactivate({ userId })
      return json({ ok: true as const, message: `${person?.name ?? 'This person'} can sign in again.` })
    }
    return json({ ok: false as const, message: 'Choose what to do.' }, { status: 400 })
  } catch (error) {
    const appError = appErrorOf(error)
    if (!appError || appError.code === 'INTERNAL') throw error
    const detail = Object.values(appError.fieldErrors ?? {}).flat()
    return json({ ok: false as const, message: detail.length > 0 ? detail.join(' ') : appError.message }, { status: appError.httpStatus })
  }
})

type Person = ReturnType<typeof useLoaderData<typeof loader>>['people'][number]

export default function Team() {
  const { people, canManage } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const pendingFor = navigation.state !== 'idle' ? navigation.formData?.get('userId') : null
  const messageRef = useRef<HTMLDivElement>(null)
  // After a change, the outcome is where keyboard and screen-reader users land.
  useEffect(() => {
    if (result) messageRef.current?.focus()
  }, [result])
  return (
    <main id="main" tabIndex={-1} className="content">
      <div className="page-heading">
        <div>
          <h1>Team</h1>
          <p className="muted">Everyone in your organisation with access to this portal.</p>
        </div>
      </div>
      {result ? (
        <div ref={messageRef} tabIndex={-1}>
          <Alert tone={result.ok ? 'success' : 'error'}>{'message' in result ? result.message : result.formError}</Alert>
        </div>
      ) : null}
      {canManage ? null : <p className="muted">Only your organisation’s partner admin can deactivate or reactivate people.</p>}
      {people.length === 0 ? (
        <EmptyState title="Nobody here yet">People your partner manager invites appear here once they accept.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data team-table">
            <caption className="sr-only">People of your organisation</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                {canManage ? (
                  <th scope="col">
                    <span className="sr-only">Access</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {people.map((person) => (
                <tr key={person.id}>
                  <td>
                    {person.name}
                    {person.isMe ? <span className="muted"> (you)</span> : null}
                  </td>
                  <td className="wrap-anywhere">{person.email}</td>
                  <td>{person.roleLabel}</td>
                  <td>{person.active ? <Badge tone="success">Active</Badge> : <Badge tone="warning">Deactivated</Badge>}</td>
                  <td>{person.lastSignInAt ? <time dateTime={isoOf(person.lastSignInAt)}>{formatDay(person.lastSignInAt)}</time> : <span className="muted">Never</span>}</td>
                  {canManage ? (
                    <td className="actions">
                      <PersonAccess person={person} pending={pendingFor === person.id} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  )
}

/** Deactivation needs a second, explicit click (it signs the person out at once); reactivation is one click. */
function PersonAccess({ person, pending }: { person: Person; pending: boolean }) {
  if (person.canReactivate) {
    return (
      <Form method="post">
        <input type="hidden" name="intent" value="reactivate" />
        <input type="hidden" name="userId" value={person.id} />
        <button type="submit" className="button secondary small" disabled={pending} aria-busy={pending || undefined}>
          {pending ? 'Reactivating…' : 'Reactivate'}
          <span className="sr-only"> {person.name}</span>
        </button>
      </Form>
    )
  }
  if (!person.active) return <span className="muted">{person.deactivatedByVendor ? 'Deactivated by your partner manager' : ''}</span>
  if (!person.canDeactivate) return person.isMe ? <span className="muted">Only partner admin</span> : null
  return (
    <details className="confirm">
      <summary className="button secondary small">
        Deactivate<span className="sr-only"> {person.name}</span>
      </summary>
      <div className="confirm-panel" role="group" aria-label={`Deactivate ${person.name}`}>
        <p>
          {person.isMe
            ? 'You will be signed out at once and cannot sign in again until another partner admin or your partner manager reactivates you.'
            : `${person.name} is signed out at once and can no longer sign in. Their registrations stay with your organisation. You can reactivate them later.`}
        </p>
        <Form method="post">
          <input type="hidden" name="intent" value="deactivate" />
          <input type="hidden" name="userId" value={person.id} />
          <button type="submit" className="button danger small" disabled={pending} aria-busy={pending || undefined}>
            {pending ? 'Deactivating…' : `Deactivate ${person.isMe ? 'my account' : person.name}`}
          </button>
        </Form>
      </div>
    </details>
  )
}

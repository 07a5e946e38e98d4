import { appErrorOf } from '@accord/api'
import { Alert, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useSubmitting } from '~/lib/forms'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay } from '~/lib/registrations'
import { requirePartner } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

/**
 * The organisation's public registration link: colleagues without a portal
 * account register through it with their work e-mail. Partner admins create
 * (or replace) and switch it off; the URL is shown once, because only a hash
 * of it is stored.
 */
export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Registration link') }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers, session } = await requirePartner(request, context, params)
  const status = await caller.portal.registrations.link()
  return json({ ...status, isAdmin: session.user.partnerRole === 'partner_admin' }, { headers })
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller } = await requirePartner(request, context, params)
  const form = await request.formData()
  try {
    if (form.get('intent') === 'revoke') {
      await caller.portal.registrations.revokeLink({ linkId: String(form.get('linkId') ?? '') })
      return json({ ok: true as const, url: null, warning: null, notice: 'The link is switched off; it no longer accepts registrations.' })
    }
    const created = await caller.portal.registrations.createLink()
    return json({ ok: true as const, url: created.url, warning: created.warning, notice: 'Here is your new link. Copy it now: for security it is shown only once. Any earlier link stopped working.' })
  } catch (error) {
    const appError = appErrorOf(error)
    if (!appError) throw error
    return json({ ok: false as const, url: null, warning: null, notice: appError.message }, { status: appError.httpStatus })
  }
})

export default function RegistrationLink() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const href = usePortalHref()
  const creating = useSubmitting('create')
  const revoking = useSubmitting('revoke')
  return (
    <main id="main" tabIndex={-1} className="content narrow-content">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={href('/registrations')}>Registrations</Link> <span aria-hidden="true">/</span> <span aria-current="page">Registration link</span>
      </nav>
      <h1>Registration link</h1>
      <p className="muted">Colleagues without a portal account can register leads through this link with their work e-mail address{data.allowedDomains.length ? ` (${data.allowedDomains.map((domain) => `@${domain}`).join(', ')})` : ''}.</p>
      {result ? (
        <Alert tone={result.ok ? 'success' : 'error'}>
          {'notice' in result ? result.notice : result.formError}
        </Alert>
      ) : null}
      {result && 'url' in result && result.url ? (
        <div className="card">
          <label htmlFor="registration-link-url">Your registration link</label>
          <input id="registration-link-url" readOnly value={result.url} onFocus={(event) => event.currentTarget.select()} className="wrap-anywhere" />
          {'warning' in result && result.warning ? <p className="error">{result.warning}</p> : null}
        </div>
      ) : null}
      <section className="card" aria-labelledby="link-status">
        <h2 id="link-status">Status</h2>
        {data.active ? (
          <p>
            Active since {formatDay(data.active.createdAt)} · {data.active.submissions} registration{data.active.submissions === 1 ? '' : 's'} so far
            {data.active.lastUsedAt ? ` · last used ${formatDay(data.active.lastUsedAt)}` : ''}.
          </p>
        ) : (
          <p>No active link.</p>
        )}
        {data.allowedDomains.length === 0 ? <p className="muted">Your partner manager has not allowed any e-mail domains yet, so a link would accept nobody.</p> : null}
        {data.isAdmin ? (
          <div className="row">
            <Form method="post">
              <input type="hidden" name="intent" value="create" />
              <SubmitButton pending={creating} pendingLabel="Creating…">
                {data.active ? 'Replace with a new link' : 'Create a link'}
              </SubmitButton>
            </Form>
            {data.active ? (
              <Form method="post">
                <input type="hidden" name="intent" value="revoke" />
                <input type="hidden" name="linkId" value={data.active.linkId} />
                <SubmitButton variant="danger" pending={revoking} pendingLabel="Switching off…">
                  Switch the link off
                </SubmitButton>
              </Form>
            ) : null}
          </div>
        ) : (
          <p className="muted">Only your organisation’s partner admin can create or switch off the link.</p>
        )}
      </section>
    </main>
  )
}

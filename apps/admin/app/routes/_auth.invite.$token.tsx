import { appErrorOf } from '@accord/api'
import { acceptInvitation, getInvitation } from '@accord/core'
import { Alert, Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { FormError, useFocusOnErrors, useSubmitting, valueOf } from '~/components/forms'
import { formValues } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { isTokenErrorCode, tokenErrorTitles } from '~/lib/token-errors'
import { actionFailure } from '~/server/action-result.server'
import { runtimeDeps } from '~/server/runtime.server'
import { startStaffSession } from '~/server/session.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Join your team on Accord')

const FIELDS = ['name', 'password'] as const

export async function loader({ params }: LoaderFunctionArgs) {
  const deps = await runtimeDeps()
  try {
    const invitation = await getInvitation(deps, { token: params.token ?? '' })
    if (invitation.kind !== 'staff') return { state: 'partner' as const }
    return {
      state: 'pending' as const,
      invitation: { email: invitation.email, name: invitation.name, role: invitation.role, workspaceName: invitation.tenantName, workspaceSlug: invitation.tenantSlug, expiresAt: invitation.expiresAt.toISOString() },
    }
  } catch (error) {
    const appError = appErrorOf(error)
    if (!appError || !isTokenErrorCode(appError.code)) throw error
    return { state: 'invalid' as const, code: appError.code, message: appError.message }
  }
}

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const values = formValues(await request.formData(), FIELDS)
  const token = params.token ?? ''
  try {
    const deps = await runtimeDeps()
    const invitation = await getInvitation(deps, { token })
    if (invitation.kind !== 'staff') throw redirect(request.url)
    const user = await acceptInvitation(deps, { token, name: values.name, signInMethod: 'password', password: values.password })
    const headers = await startStaffSession(request, { tenantId: user.tenantId, userId: user.userId, workspaceSlug: invitation.tenantSlug, ip: context.clientIp })
    return redirect('/?notice=invitation-accepted', { headers })
  } catch (error) {
    return actionFailure(error, { fields: FIELDS, values })
  }
})

export default function AcceptInvitation() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  const submitting = useSubmitting()

  if (data.state === 'partner') {
    return (
      <section className="card">
        <h1>Open this invitation in the partner portal</h1>
        <p>This is an invitation to a vendor’s partner portal, not to the Accord admin app. Use the link in your invitation e-mail as it is.</p>
      </section>
    )
  }

  const tokenFailure = failure && isTokenErrorCode(failure.code) ? failure.code : null
  if (data.state === 'invalid' || tokenFailure) {
    const code = data.state === 'invalid' ? data.code : (tokenFailure ?? 'TOKEN_INVALID')
    return (
      <section className="card">
        <h1>{tokenErrorTitles[code]}</h1>
        <Alert tone="error">{data.state === 'invalid' ? data.message : failure?.formError}</Alert>
        <p>
          Already have an account? <Link to="/login">Sign in</Link>
        </p>
      </section>
    )
  }

  const { invitation } = data
  return (
    <section className="card">
      <h1>Join {invitation.workspaceName}</h1>
      <dl className="facts">
        <div>
          <dt>Workspace</dt>
          <dd>
            {invitation.workspaceName} <span className="muted">({invitation.workspaceSlug})</span>
          </dd>
        </div>
        <div>
          <dt>Your role</dt>
          <dd>{invitation.role}</dd>
        </div>
        <div>
          <dt>E-mail</dt>
          <dd className="wrap-anywhere">{invitation.email}</dd>
        </div>
      </dl>
      <Form method="post" className="stack" noValidate ref={formRef}>
        <FormError failure={failure} />
        {failure?.code === 'CONFLICT' ? (
          <p>
            <Link to={`/login?workspace=${encodeURIComponent(invitation.workspaceSlug)}`}>Sign in to {invitation.workspaceName}</Link>
          </p>
        ) : null}
        <Field label="Your name" name="name" required autoComplete="name" autoFocus maxLength={120} defaultValue={valueOf(failure, 'name', invitation.name)} errors={failure?.fieldErrors.name} />
        <Field label="Password" name="password" type="password" required autoComplete="new-password" hint="At least 10 characters." errors={failure?.fieldErrors.password} />
        <SubmitButton pending={submitting} pendingLabel="Joining…" full>
          Join workspace
        </SubmitButton>
      </Form>
    </section>
  )
}

import { resetPassword } from '@accord/core'
import { Alert, Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, redirect } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { FormError, useFocusOnErrors, useSubmitting } from '~/components/forms'
import { formValues } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { isTokenErrorCode, tokenErrorTitles } from '~/lib/token-errors'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { runtimeDeps } from '~/server/runtime.server'
import { startStaffSession } from '~/server/session.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Choose a new password')

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const values = formValues(await request.formData(), ['password'])
  try {
    const deps = await runtimeDeps()
    const user = await resetPassword(deps, { token: params.token ?? '', password: values.password })
    // A partner's link opened here still changes the password, but signs in on the portal only.
    if (user.kind !== 'staff') return actionSuccess(null, 'partner')
    const headers = await startStaffSession(request, { tenantId: user.tenantId, userId: user.userId, ip: context.clientIp })
    return redirect('/?notice=password-reset', { headers })
  } catch (error) {
    return actionFailure(error, { fields: ['password'], values })
  }
})

export default function ResetPassword() {
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  const submitting = useSubmitting()

  if (result?.ok) {
    return (
      <section className="card">
        <h1>Password changed</h1>
        <Alert tone="success">Your new password is set. Sign in on your partner portal with it.</Alert>
      </section>
    )
  }

  if (failure && isTokenErrorCode(failure.code)) {
    return (
      <section className="card">
        <h1>{tokenErrorTitles[failure.code]}</h1>
        <Alert tone="error">{failure.formError}</Alert>
        <p>
          <Link className="button" to="/forgot-password">
            Request a new link
          </Link>
        </p>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </section>
    )
  }

  return (
    <section className="card">
      <h1>Choose a new password</h1>
      <p className="muted">After the change you are signed in here, and signed out everywhere else.</p>
      <Form method="post" className="stack" noValidate ref={formRef}>
        <FormError failure={failure} />
        <Field label="New password" name="password" type="password" required autoComplete="new-password" autoFocus hint="At least 10 characters." errors={failure?.fieldErrors.password} />
        <SubmitButton pending={submitting} pendingLabel="Saving…" full>
          Change password
        </SubmitButton>
      </Form>
      <p className="auth-links">
        <Link to="/forgot-password">Request a new link</Link>
      </p>
    </section>
  )
}

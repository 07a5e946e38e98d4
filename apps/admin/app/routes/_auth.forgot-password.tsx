import { AppError, PASSWORD_RESET_MINUTES, findTenantBySlug, requestPasswordReset } from '@accord/core'
import { Alert, Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { FormError, useFocusOnErrors, useSubmitting, valueOf } from '~/components/forms'
import { formValues } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { runtimeDeps } from '~/server/runtime.server'
import { lastWorkspace } from '~/server/session.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Reset your password')

const FIELDS = ['workspace', 'email'] as const

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  return { workspace: url.searchParams.get('workspace')?.slice(0, 63) ?? lastWorkspace(request) ?? '', validMinutes: PASSWORD_RESET_MINUTES }
}

export const action = formAction(async ({ request }: ActionFunctionArgs) => {
  const values = formValues(await request.formData(), FIELDS)
  if (!values.workspace.trim()) return actionFailure(AppError.validation({ workspace: ['Enter your workspace address.'] }), { fields: FIELDS, values })
  try {
    const deps = await runtimeDeps()
    const tenant = await findTenantBySlug(deps.db, values.workspace)
    // The same answer whether or not the workspace or the account exists.
    if (tenant?.status === 'active') await requestPasswordReset(deps, { tenantId: tenant.id, kind: 'staff', email: values.email })
    return actionSuccess(null, 'sent')
  } catch (error) {
    return actionFailure(error, { fields: FIELDS, values })
  }
})

export default function ForgotPassword() {
  const { workspace, validMinutes } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  const submitting = useSubmitting()

  if (result?.ok) {
    return (
      <section className="card">
        <h1>Check your inbox</h1>
        <Alert tone="success">
          If an account with that e-mail address exists in this workspace, we have sent it a link to choose a new password. The link works for {validMinutes} minutes.
        </Alert>
        <p className="muted">Nothing arrived after a few minutes? Check your spam folder, and that the workspace address is right.</p>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </section>
    )
  }

  return (
    <section className="card">
      <h1>Reset your password</h1>
      <p className="muted">Tell us your workspace and e-mail address, and we will send you a link to choose a new password.</p>
      <Form method="post" className="stack" noValidate ref={formRef}>
        <FormError failure={failure} />
        <Field label="Workspace" name="workspace" required autoComplete="organization" maxLength={63} autoFocus={!valueOf(failure, 'workspace', workspace)} defaultValue={valueOf(failure, 'workspace', workspace)} errors={failure?.fieldErrors.workspace} />
        <Field label="E-mail" name="email" type="email" required autoComplete="email" inputMode="email" autoFocus={Boolean(valueOf(failure, 'workspace', workspace))} defaultValue={valueOf(failure, 'email')} errors={failure?.fieldErrors.email} />
        <SubmitButton pending={submitting} pendingLabel="Sending…" full>
          Send reset link
        </SubmitButton>
      </Form>
      <p className="auth-links">
        <Link to="/login">Back to sign in</Link>
      </p>
    </section>
  )
}

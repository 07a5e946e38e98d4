import { signInStaff } from '@accord/core'
import { Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { FormError, useFocusOnErrors, useSubmitting, valueOf } from '~/components/forms'
import { NoticeBanner } from '~/components/notice'
import { formValues } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { safeRedirectPath } from '~/lib/paths'
import { actionFailure } from '~/server/action-result.server'
import { runtimeDeps } from '~/server/runtime.server'
import { getStaffSession, lastWorkspace, startStaffSession } from '~/server/session.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Sign in')

const FIELDS = ['workspace', 'email', 'password', 'redirectTo'] as const

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'))
  if (await getStaffSession(request)) throw redirect(redirectTo)
  return { workspace: url.searchParams.get('workspace')?.slice(0, 63) ?? lastWorkspace(request) ?? '', redirectTo }
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const values = formValues(await request.formData(), FIELDS)
  try {
    const deps = await runtimeDeps()
    const signedIn = await signInStaff(deps, { workspace: values.workspace, email: values.email, password: values.password, ip: context.clientIp })
    const headers = await startStaffSession(request, { tenantId: signedIn.tenantId, userId: signedIn.userId, workspaceSlug: values.workspace.trim().toLowerCase(), ip: context.clientIp })
    return redirect(safeRedirectPath(values.redirectTo), { headers })
  } catch (error) {
    return actionFailure(error, { fields: FIELDS, values })
  }
})

export default function Login() {
  const { workspace, redirectTo } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  const submitting = useSubmitting()
  const workspaceValue = valueOf(failure, 'workspace', workspace)

  return (
    <section className="card">
      <h1>Sign in to Accord</h1>
      <p className="muted">For your company’s team. Partners sign in on your partner portal.</p>
      <NoticeBanner />
      <Form method="post" className="stack" noValidate ref={formRef}>
        <FormError failure={failure} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field
          label="Workspace"
          name="workspace"
          required
          autoComplete="organization"
          autoFocus={!workspaceValue}
          maxLength={63}
          defaultValue={workspaceValue}
          hint="The workspace address you chose at sign-up, e.g. acme."
          errors={failure?.fieldErrors.workspace}
        />
        <Field label="E-mail" name="email" type="email" required autoComplete="username" inputMode="email" autoFocus={Boolean(workspaceValue)} defaultValue={valueOf(failure, 'email')} errors={failure?.fieldErrors.email} />
        <Field label="Password" name="password" type="password" required autoComplete="current-password" errors={failure?.fieldErrors.password} />
        <SubmitButton pending={submitting} pendingLabel="Signing in…" full>
          Sign in
        </SubmitButton>
      </Form>
      <p className="auth-links">
        <Link to={workspaceValue ? `/forgot-password?workspace=${encodeURIComponent(workspaceValue)}` : '/forgot-password'}>Forgot your password?</Link>
      </p>
      <p className="muted auth-switch">
        New to Accord? <Link to="/signup">Create a workspace</Link>
      </p>
    </section>
  )
}

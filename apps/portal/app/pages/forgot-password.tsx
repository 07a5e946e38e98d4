import { Alert, Field, SubmitButton } from '@accord/ui'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { PublicPage } from '~/components/portal-chrome'
import { isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { formFailure, formText } from '~/server/errors.server'
import { requestPartnerPasswordReset } from '~/server/sign-in.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Reset your password') }]

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePortalTenant(request, params, context)
  return null
}

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  const form = await request.formData()
  const email = formText(form, 'email')
  try {
    return await requestPartnerPasswordReset({ tenant, email })
  } catch (error) {
    return formFailure(error, { fields: ['email'], values: { email } })
  }
})

export default function ForgotPassword() {
  const result = useActionData<typeof action>()
  const brand = usePortalBrand()
  const href = usePortalHref()
  const formRef = useRef<HTMLFormElement>(null)
  const headingRef = useRef<HTMLHeadingElement>(null)
  const failure = isFormFailure(result) ? result : null
  const sent = result && !isFormFailure(result) ? result : null
  const sending = useSubmitting()
  useFocusOnFailure(failure, formRef)
  useEffect(() => {
    if (sent) headingRef.current?.focus()
  }, [sent])
  if (!brand) return null

  if (sent) {
    return (
      <PublicPage brand={brand}>
        <div className="card">
          <div className="sent-icon" aria-hidden="true">
            ✉
          </div>
          <h1 ref={headingRef} tabIndex={-1}>
            Check your inbox
          </h1>
          <p>
            If <strong className="wrap-anywhere">{sent.email}</strong> belongs to an account on the {brand.portalName}, we have e-mailed it a link to choose a new password.
          </p>
          <p className="muted">The link works once and expires in an hour. Nothing there? Check your spam folder.</p>
          <p>
            <Link to={href('/login')}>Back to sign in</Link>
          </p>
        </div>
      </PublicPage>
    )
  }

  return (
    <PublicPage brand={brand}>
      <div className="card">
        <h1>Reset your password</h1>
        <p className="lead">Enter the e-mail you use for the {brand.portalName}. We&rsquo;ll send you a link to choose a new password.</p>
        {failure?.formError ? (
          <div data-form-error tabIndex={-1}>
            <Alert tone="error">{failure.formError}</Alert>
          </div>
        ) : null}
        <Form method="post" ref={formRef} noValidate className="stack">
          <Field label="E-mail" name="email" type="email" required autoComplete="username" inputMode="email" defaultValue={failure?.values.email} errors={failure?.fieldErrors.email} />
          <SubmitButton full pending={sending} pendingLabel="Sending link…">
            E-mail me a reset link
          </SubmitButton>
        </Form>
        <p className="hint-text">
          Rather not use a password at all? <Link to={href('/login')}>Sign in with an e-mailed link</Link>.
        </p>
      </div>
    </PublicPage>
  )
}

import { Alert, Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { useRef } from 'react'
import { PublicPage } from '~/components/portal-chrome'
import { isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { joinPortalPath } from '~/lib/portal-address'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { formFailure, formText } from '~/server/errors.server'
import { loginPath } from '~/server/guard.server'
import { resetPartnerPassword } from '~/server/sign-in.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Choose a new password') }]

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  // The link is checked (and used) only when the new password is submitted.
  await requirePortalTenant(request, params, context)
  return null
}

const TOKEN_CODES = new Set(['TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_USED'])

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  const form = await request.formData()
  let headers: Headers | null
  try {
    headers = await resetPartnerPassword(request, { tenant, token: params.token ?? '', password: formText(form, 'password'), clientIp: context.clientIp })
  } catch (error) {
    return formFailure(error, { fields: ['password'] })
  }
  if (!headers) throw redirect(loginPath(tenant, { notice: 'password-changed' }))
  throw redirect(joinPortalPath(tenant.basePath, '/'), { headers })
})

export default function ResetPassword() {
  const result = useActionData<typeof action>()
  const brand = usePortalBrand()
  const href = usePortalHref()
  const formRef = useRef<HTMLFormElement>(null)
  const failure = isFormFailure(result) ? result : null
  const saving = useSubmitting()
  useFocusOnFailure(failure, formRef)
  if (!brand) return null
  const linkProblem = failure?.code ? TOKEN_CODES.has(failure.code) : false
  return (
    <PublicPage brand={brand}>
      <div className="card">
        <h1>Choose a new password</h1>
        <p className="lead">for your account on the {brand.portalName}. You&rsquo;ll be signed in right after.</p>
        {failure?.formError ? (
          <div data-form-error tabIndex={-1}>
            <Alert tone="error">
              {failure.formError}
              {linkProblem ? (
                <>
                  {' '}
                  <Link to={href('/forgot-password')}>Request a new link</Link>
                </>
              ) : null}
            </Alert>
          </div>
        ) : null}
        <Form method="post" ref={formRef} noValidate className="stack">
          <Field label="New password" name="password" type="password" required autoComplete="new-password" hint="At least 10 characters. A short sentence is easy to remember." errors={failure?.fieldErrors.password} />
          <SubmitButton full pending={saving} pendingLabel="Saving…">
            Save password and sign in
          </SubmitButton>
        </Form>
      </div>
    </PublicPage>
  )
}

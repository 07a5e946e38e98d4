import { Alert, Field, SubmitButton } from '@accord/ui'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { PublicPage } from '~/components/portal-chrome'
import { isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { safeRedirectPath } from '~/lib/portal-address'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { formFailure, formText } from '~/server/errors.server'
import { OTHER_PORTAL_NOTICE } from '~/server/guard.server'
import { requestSignInLink, signInWithPassword } from '~/server/sign-in.server'
import { getPartnerSession } from '~/server/session.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Sign in') }]

const notices: Record<string, { tone: 'success' | 'warning' | 'info'; text: string }> = {
  [OTHER_PORTAL_NOTICE]: { tone: 'warning', text: 'You were signed in to a different partner portal. Sign in here to continue.' },
  'signed-out': { tone: 'success', text: 'You have signed out.' },
  'password-changed': { tone: 'success', text: 'Your password was changed. Sign in with your new password.' },
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const tenant = await requirePortalTenant(request, params, context)
  const url = new URL(request.url)
  const { session } = await getPartnerSession(request, tenant, context)
  // Already signed in here: go where they were heading.
  if (session) throw redirect(safeRedirectPath(url.searchParams.get('redirectTo'), tenant.basePath))
  const notice = notices[url.searchParams.get('notice') ?? ''] ?? null
  return { notice, redirectTo: url.searchParams.get('redirectTo') ?? '' }
}

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  const form = await request.formData()
  const email = formText(form, 'email')
  const values = { email }
  if (formText(form, 'intent') === 'magic-link') {
    try {
      return await requestSignInLink({ tenant, email, clientIp: context.clientIp })
    } catch (error) {
      return formFailure(error, { fields: ['email'], values })
    }
  }
  let headers: Headers
  try {
    headers = await signInWithPassword(request, { tenant, email, password: formText(form, 'password'), clientIp: context.clientIp })
  } catch (error) {
    return formFailure(error, { fields: ['email', 'password'], values })
  }
  throw redirect(safeRedirectPath(formText(form, 'redirectTo'), tenant.basePath), { headers })
})

export default function Login() {
  const { notice, redirectTo } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const brand = usePortalBrand()
  const href = usePortalHref()
  const formRef = useRef<HTMLFormElement>(null)
  const failure = isFormFailure(result) ? result : null
  const signingIn = useSubmitting('password')
  const sendingLink = useSubmitting('magic-link')
  useFocusOnFailure(failure, formRef)
  if (!brand) return null

  if (result && !isFormFailure(result)) return <CheckInbox email={result.email} minutes={result.minutes} />

  return (
    <PublicPage brand={brand}>
      <div className="card">
        <h1>Sign in</h1>
        <p className="lead">to the {brand.portalName}</p>
        {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
        {failure?.formError ? (
          <div data-form-error tabIndex={-1}>
            <Alert tone="error">{failure.formError}</Alert>
          </div>
        ) : null}
        <Form method="post" ref={formRef} noValidate className="stack">
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <Field label="E-mail" name="email" type="email" required autoComplete="username" inputMode="email" defaultValue={failure?.values.email} errors={failure?.fieldErrors.email} />
          <Field label="Password" name="password" type="password" required autoComplete="current-password" errors={failure?.fieldErrors.password} />
          <SubmitButton name="intent" value="password" full pending={signingIn} pendingLabel="Signing in…">
            Sign in
          </SubmitButton>
          <div className="form-links">
            <Link to={href('/forgot-password')}>Forgot password?</Link>
          </div>
          <p className="divider">or, without a password</p>
          <button type="submit" name="intent" value="magic-link" className="button outline full" disabled={sendingLink} aria-busy={sendingLink || undefined} aria-describedby="magic-link-hint">
            {sendingLink ? 'Sending link…' : 'E-mail me a sign-in link'}
          </button>
          <p className="hint-text" id="magic-link-hint">
            Enter your e-mail above and we&rsquo;ll send you a link that signs you in. No password needed.
          </p>
        </Form>
      </div>
    </PublicPage>
  )
}

/** Same wording whether or not the address has an account: this page must not reveal who is a user. */
function CheckInbox({ email, minutes }: { email: string; minutes: number }) {
  const brand = usePortalBrand()
  const href = usePortalHref()
  const headingRef = useRef<HTMLHeadingElement>(null)
  const resending = useSubmitting('magic-link')
  useEffect(() => headingRef.current?.focus(), [])
  if (!brand) return null
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
          If <strong className="wrap-anywhere">{email}</strong> belongs to an account on the {brand.portalName}, we have e-mailed it a sign-in link.
        </p>
        <p className="muted">The link works once and expires in {minutes} minutes. Nothing there? Check your spam folder, or send it again.</p>
        <Form method="post" action={href('/login')} className="row">
          <input type="hidden" name="email" value={email} />
          <SubmitButton name="intent" value="magic-link" variant="secondary" pending={resending} pendingLabel="Sending…">
            Send the link again
          </SubmitButton>
          <Link to={href('/login')}>Use a different e-mail</Link>
        </Form>
      </div>
    </PublicPage>
  )
}

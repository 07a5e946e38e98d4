import { appErrorOf } from '@accord/api'
import { verifyEmail } from '@accord/core'
import { Alert, SubmitButton } from '@accord/ui'
import { type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { useSubmitting } from '~/components/forms'
import { pageMeta } from '~/lib/meta'
import { isTokenErrorCode, tokenErrorTitles } from '~/lib/token-errors'
import { runtimeDeps } from '~/server/runtime.server'
import { getStaffSession } from '~/server/session.server'

export const meta = pageMeta('Verify your e-mail address')

export async function loader({ request, params }: LoaderFunctionArgs) {
  const deps = await runtimeDeps()
  try {
    await verifyEmail(deps, { token: params.token ?? '' })
    const session = await getStaffSession(request)
    return { outcome: 'verified' as const, signedIn: session !== null }
  } catch (error) {
    const appError = appErrorOf(error)
    if (!appError || !isTokenErrorCode(appError.code)) throw error
    const session = await getStaffSession(request)
    return {
      outcome: 'failed' as const,
      code: appError.code,
      message: appError.message,
      signedIn: session !== null,
      emailVerified: session?.user.emailVerified ?? false,
      email: session?.user.email ?? null,
    }
  }
}

export default function VerifyEmail() {
  const result = useLoaderData<typeof loader>()
  const resending = useSubmitting()

  // Opening the link a second time is harmless when the address is verified already.
  if (result.outcome === 'verified' || (result.code === 'TOKEN_USED' && result.emailVerified)) {
    return (
      <section className="card">
        <h1>E-mail address verified</h1>
        <Alert tone="success">Thank you — your e-mail address is confirmed.</Alert>
        <p>
          <Link className="button" to={result.signedIn ? '/' : '/login'}>
            {result.signedIn ? 'Continue to your dashboard' : 'Sign in'}
          </Link>
        </p>
      </section>
    )
  }

  return (
    <section className="card">
      <h1>{tokenErrorTitles[result.code]}</h1>
      <Alert tone="error">{result.message}</Alert>
      {result.emailVerified ? (
        <p>
          Your e-mail address is already verified; there is nothing more to do. <Link to="/">Go to the dashboard</Link>
        </p>
      ) : result.signedIn ? (
        <Form method="post" action="/resend-verification" className="stack">
          <input type="hidden" name="redirectTo" value="/" />
          <p>We can send a new verification link to {result.email}.</p>
          <div>
            <SubmitButton pending={resending} pendingLabel="Sending…">
              Resend verification
            </SubmitButton>
          </div>
        </Form>
      ) : (
        <p>
          <Link to="/login">Sign in</Link> to get a new verification link.
        </p>
      )}
    </section>
  )
}

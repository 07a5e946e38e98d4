import { Alert, Field, SubmitButton } from '@accord/ui'
import { appErrorOf } from '@accord/api'
import { type ActionFunctionArgs, type AppLoadContext, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { PublicPage } from '~/components/portal-chrome'
import { isFormFailure, useSubmitting } from '~/lib/forms'
import { joinPortalPath } from '~/lib/portal-address'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { getPartnerSession } from '~/server/session.server'
import { describeSignInLink, signInWithLink } from '~/server/sign-in.server'
import { type PortalTenant, requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

/**
 * A magic sign-in link. Opening it (GET) never signs anyone in: it shows
 * whose account the link is for and a "Sign in as …" button, and only that
 * POST uses the link. So a mail scanner or link preview cannot use it up, and
 * a link someone else sent cannot silently swap the browser's account
 * (docs/decisions/015-access-and-sign-in-abuse.md).
 */
export const meta: MetaFunction<typeof loader> = ({ matches, data: page }) => [{ title: portalTitle(matches, page?.state === 'failed' ? page.heading : 'Sign in') }]

const headings: Record<string, string> = {
  TOKEN_EXPIRED: 'This sign-in link has expired',
  TOKEN_USED: 'This sign-in link was already used',
  TOKEN_INVALID: 'This sign-in link does not work',
  FORBIDDEN: 'This account cannot sign in',
  RATE_LIMITED: 'Please wait a moment',
}

/** The explaining page for a link that cannot be used (and whether this browser is still signed in here). */
async function failure(error: unknown, request: Request, tenant: PortalTenant, context: AppLoadContext) {
  const appError = appErrorOf(error)
  if (!appError || appError.code === 'INTERNAL') console.error('[portal] magic link sign-in failed:', error)
  const code = appError && appError.code !== 'INTERNAL' ? appError.code : 'INTERNAL'
  const message = appError && appError.code !== 'INTERNAL' ? appError.message : 'Something went wrong on our side while signing you in. Please try the link again in a moment.'
  // An old link clicked again while still signed in: offer the way in rather than a dead end.
  const { session } = await getPartnerSession(request, tenant, context)
  return json({ state: 'failed' as const, code, heading: headings[code] ?? 'We could not sign you in', message, signedIn: session !== null }, { status: appError?.httpStatus ?? 500 })
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const tenant = await requirePortalTenant(request, params, context)
  let email: string
  try {
    email = (await describeSignInLink({ tenant, token: params.token ?? '' })).email
  } catch (error) {
    return failure(error, request, tenant, context)
  }
  const { session } = await getPartnerSession(request, tenant, context)
  // Already signed in as this very account: nothing to confirm, and the link stays unused.
  if (session && session.user.email === email) throw redirect(joinPortalPath(tenant.basePath, '/'), { headers: { 'Cache-Control': 'no-store' } })
  return json({ state: 'confirm' as const, email, signedInAs: session?.user.email ?? null }, { headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } })
}

/** The "Sign in as …" button: the only place the link is used. */
export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  let headers: Headers
  try {
    headers = await signInWithLink(request, { tenant, token: params.token ?? '', clientIp: context.clientIp })
  } catch (error) {
    return failure(error, request, tenant, context)
  }
  throw redirect(joinPortalPath(tenant.basePath, '/'), { headers })
})

export default function MagicLink() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  // The form has no fields: a refused (crafted) submission just shows the page again.
  const result = acted && !isFormFailure(acted) ? acted : loaded
  const brand = usePortalBrand()
  const href = usePortalHref()
  const signingIn = useSubmitting()
  const sendingLink = useSubmitting('magic-link')
  if (!brand) return null

  if (result.state === 'confirm') {
    return (
      <PublicPage brand={brand}>
        <div className="card">
          <h1>Sign in to the {brand.portalName}</h1>
          <p className="lead">
            This link signs you in as <strong className="wrap-anywhere">{result.email}</strong>.
          </p>
          {result.signedInAs ? (
            <Alert tone="warning">
              This browser is signed in as <strong className="wrap-anywhere">{result.signedInAs}</strong>. Continuing signs that account out here. If this link was not meant for you, do not continue.
            </Alert>
          ) : null}
          <Form method="post" className="stack">
            <SubmitButton full pending={signingIn} pendingLabel="Signing in…">
              Sign in as {result.email}
            </SubmitButton>
          </Form>
          <p className="hint-text">
            <Link to={href('/login')}>{result.signedInAs ? 'Stay signed in as before' : 'Not you? Sign in another way'}</Link>
          </p>
        </div>
      </PublicPage>
    )
  }

  return (
    <PublicPage brand={brand}>
      <div className="card">
        <h1>{result.heading}</h1>
        {result.code === 'INTERNAL' ? <Alert tone="error">{result.message}</Alert> : <p>{result.message}</p>}
        {result.signedIn ? (
          <p>
            <Link className="button" to={href('/')}>
              You are still signed in: continue to the portal
            </Link>
          </p>
        ) : result.code === 'FORBIDDEN' ? (
          brand.supportEmail ? (
            <p>
              Questions? Write to <a href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</a>.
            </p>
          ) : null
        ) : (
          <>
            <h2>Get a new sign-in link</h2>
            <Form method="post" action={href('/login')} className="stack">
              <Field label="E-mail" name="email" type="email" required autoComplete="username" inputMode="email" />
              <SubmitButton name="intent" value="magic-link" full pending={sendingLink} pendingLabel="Sending link…">
                E-mail me a new sign-in link
              </SubmitButton>
            </Form>
          </>
        )}
        <p className="hint-text">
          <Link to={href('/login')}>Sign in with a password instead</Link>
        </p>
      </div>
    </PublicPage>
  )
}

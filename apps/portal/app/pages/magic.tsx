import { Alert, Field, SubmitButton } from '@accord/ui'
import { appErrorOf } from '@accord/api'
import { type ActionFunctionArgs, type AppLoadContext, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { createIsbotFromList, list as botPatterns } from 'isbot'
import { PublicPage } from '~/components/portal-chrome'
import { isFormFailure, useSubmitting } from '~/lib/forms'
import { joinPortalPath } from '~/lib/portal-address'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { getPartnerSession } from '~/server/session.server'
import { signInWithLink } from '~/server/sign-in.server'
import { type PortalTenant, requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

// Link scanners and previewers, but not headless browsers: those are people's
// automation (and our end-to-end tests), and they do follow the link on purpose.
const isLinkScanner = createIsbotFromList(botPatterns.filter((pattern) => pattern !== 'headless'))

export const meta: MetaFunction<typeof loader> = ({ matches, data: page }) => [{ title: portalTitle(matches, page?.state === 'failed' ? page.heading : 'Sign in') }]

const headings: Record<string, string> = {
  TOKEN_EXPIRED: 'This sign-in link has expired',
  TOKEN_USED: 'This sign-in link was already used',
  TOKEN_INVALID: 'This sign-in link does not work',
  FORBIDDEN: 'This account cannot sign in',
  RATE_LIMITED: 'Please wait a moment',
}

/** Use the link: on success a session and a redirect home; otherwise a page that explains and offers a new link. */
async function consume(request: Request, tenant: PortalTenant, token: string, clientIp: string | null, context: AppLoadContext) {
  let headers: Headers
  try {
    headers = await signInWithLink(request, { tenant, token, clientIp })
  } catch (error) {
    const appError = appErrorOf(error)
    if (!appError || appError.code === 'INTERNAL') console.error('[portal] magic link sign-in failed:', error)
    const code = appError && appError.code !== 'INTERNAL' ? appError.code : 'INTERNAL'
    const message = appError && appError.code !== 'INTERNAL' ? appError.message : 'Something went wrong on our side while signing you in. Please try the link again in a moment.'
    // An old link clicked again while still signed in: offer the way in rather than a dead end.
    const { session } = await getPartnerSession(request, tenant, context)
    return json({ state: 'failed' as const, code, heading: headings[code] ?? 'We could not sign you in', message, signedIn: session !== null }, { status: appError?.httpStatus ?? 500 })
  }
  throw redirect(joinPortalPath(tenant.basePath, '/'), { headers })
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const tenant = await requirePortalTenant(request, params, context)
  // Mail scanners and link previews fetch links too; they must not use up the one-time link.
  if (request.method === 'HEAD' || isLinkScanner(request.headers.get('user-agent') ?? '')) return { state: 'confirm' as const }
  return consume(request, tenant, params.token ?? '', context.clientIp, context)
}

/** The "Sign in" button of the confirm page (shown to clients that look automated). */
export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  return consume(request, tenant, params.token ?? '', context.clientIp, context)
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
          <p className="lead">Continue to sign in with the link from your e-mail.</p>
          <Form method="post">
            <SubmitButton full pending={signingIn} pendingLabel="Signing in…">
              Sign in
            </SubmitButton>
          </Form>
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

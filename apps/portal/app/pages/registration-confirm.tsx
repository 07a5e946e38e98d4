import { confirmHeldRegistration, describeHeldRegistration } from '@accord/core'
import { SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { PublicPage } from '~/components/portal-chrome'
import { useSubmitting } from '~/lib/forms'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { formatDay } from '~/lib/registrations'
import { runtimeDeps } from '~/server/runtime.server'
import { type PortalTenant, requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

/**
 * The link in "Please confirm a registration sent from your address"
 * (`/registrations/confirm/<token>`): a registration mailed from an address
 * whose domain we could not authenticate waits here for the account holder.
 * Opening the link only shows it; the button (a POST) registers it, so mail
 * scanners and link previewers, which open links too, never confirm
 * anything. No sign-in: the link's secret is the proof. Forged or foreign
 * links get a clear page, never a 500.
 */

type Outcome =
  | { state: 'pending'; companyName: string; fields: Array<{ label: string; value: string }>; receivedAt: string; expiresAt: string }
  | { state: 'registered'; companyName: string; caseReference: string; registrationId: string; already: boolean }
  | { state: 'confirmed'; companyName: string; caseReference: string | null }
  | { state: 'expired' | 'not_allowed'; companyName: string }
  | { state: 'problems'; companyName: string; problems: Array<{ label: string; value: string }> }
  | { state: 'invalid' }
  | { state: 'failed' }

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Confirm a registration') }]

const noStore = { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' }

function answer(outcome: Outcome) {
  const status = outcome.state === 'invalid' ? 404 : outcome.state === 'failed' ? 503 : 200
  return json(outcome, { status, headers: noStore })
}

/** A link of another vendor is not valid on this vendor's portal. */
const belongsTo = (tenant: PortalTenant, token: string) => token.toLowerCase().startsWith(`${tenant.id.toLowerCase()}.`)

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const tenant = await requirePortalTenant(request, params, context)
  const token = params.token ?? ''
  if (!belongsTo(tenant, token)) return answer({ state: 'invalid' })
  try {
    const held = await describeHeldRegistration(await runtimeDeps(), { token })
    if (!held) return answer({ state: 'invalid' })
    if (held.state === 'pending') return answer({ ...held, receivedAt: held.receivedAt.toISOString(), expiresAt: held.expiresAt.toISOString() })
    return answer(held)
  } catch (error) {
    console.error('[portal] held registration lookup failed:', error)
    return answer({ state: 'failed' })
  }
}

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  const token = params.token ?? ''
  if (!belongsTo(tenant, token)) return answer({ state: 'invalid' })
  try {
    const result = await confirmHeldRegistration(await runtimeDeps(), { token })
    if (!result) return answer({ state: 'invalid' })
    if (result.state === 'invalid') return answer({ state: 'problems', companyName: result.companyName, problems: result.problems })
    return answer(result)
  } catch (error) {
    console.error('[portal] held registration confirmation failed:', error)
    return answer({ state: 'failed' })
  }
})

export default function ConfirmRegistration() {
  const loaded = useLoaderData<typeof loader>() as Outcome
  const acted = useActionData<typeof action>()
  // The form has no fields: a refused (crafted) submission just shows the page again.
  const outcome = acted && 'state' in acted ? (acted as Outcome) : loaded
  const brand = usePortalBrand()
  const href = usePortalHref()
  const sending = useSubmitting()
  if (!brand) return null
  return (
    <PublicPage brand={brand}>
      <div className="card">
        {outcome.state === 'pending' ? (
          <>
            <h1>Confirm your registration</h1>
            <p>
              {brand.name} received this registration by e-mail from your address on {formatDay(outcome.receivedAt, 'long')}. We could not verify that the e-mail came from you, so it is not registered yet.
            </p>
            <dl className="details">
              {outcome.fields.map((field) => (
                <div key={field.label}>
                  <dt>{field.label}</dt>
                  <dd className="wrap-anywhere">{field.value}</dd>
                </div>
              ))}
            </dl>
            <Form method="post">
              <SubmitButton pending={sending} pendingLabel="Registering…">
                Yes, I sent it: register it
              </SubmitButton>
            </Form>
            <p className="muted">If you did not send this e-mail, close this page: nothing is registered. The link stops working on {formatDay(outcome.expiresAt, 'long')}.</p>
          </>
        ) : outcome.state === 'registered' || outcome.state === 'confirmed' ? (
          <>
            <h1>{outcome.state === 'registered' && !outcome.already ? 'Registered' : 'Already registered'}</h1>
            <p role="status">
              <strong className="wrap-anywhere">{outcome.companyName}</strong> is registered{outcome.caseReference ? ` as ${outcome.caseReference}` : ''}. You will get the usual e-mail with its status; you can follow it in the portal.
            </p>
            <p>
              <Link to={href(outcome.state === 'registered' ? `/registrations/${outcome.registrationId}` : '/registrations')}>Open it in the portal</Link>
            </p>
          </>
        ) : outcome.state === 'problems' ? (
          <>
            <h1>This registration needs corrections</h1>
            <p role="alert">We could not register {outcome.companyName} as it was sent:</p>
            <ul>
              {outcome.problems.map((problem) => (
                <li key={problem.label}>
                  {problem.label}: {problem.value}
                </li>
              ))}
            </ul>
            <p>
              Please <Link to={href('/registrations/new')}>register it in the portal</Link> with the details corrected.
            </p>
          </>
        ) : outcome.state === 'expired' ? (
          <>
            <h1>This link has expired</h1>
            <p>The registration of {outcome.companyName} was not confirmed in time, so nothing was registered. Please send it again or <Link to={href('/registrations/new')}>register it in the portal</Link>.</p>
          </>
        ) : outcome.state === 'not_allowed' ? (
          <>
            <h1>Your partner account is not active</h1>
            <p>Nothing was registered. Please contact your partner manager at {brand.name}.</p>
          </>
        ) : outcome.state === 'failed' ? (
          <>
            <h1>We could not do this just now</h1>
            <p>Something went wrong on our side. Please open the link from the e-mail again in a moment.</p>
          </>
        ) : (
          <>
            <h1>This link does not work</h1>
            <p>The link is incomplete or was changed. Nothing was registered.</p>
            <p>
              You can register customers after <Link to={href('/registrations/new')}>signing in to the portal</Link>.
            </p>
          </>
        )}
      </div>
    </PublicPage>
  )
}

import { acknowledgeAnnouncementByLink, announcementLinkState } from '@accord/core'
import { SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { createIsbotFromList, list as botPatterns } from 'isbot'
import { PublicPage } from '~/components/portal-chrome'
import { useSubmitting } from '~/lib/forms'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { formatDay } from '~/lib/registrations'
import { runtimeDeps } from '~/server/runtime.server'
import { type PortalTenant, requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

/**
 * The "I have read this" link of an announcement e-mail
 * (`/announcements/acknowledge/<token>`): no sign-in, the link's secret is
 * the proof. A person's click acknowledges at once (GET, one click, as the
 * e-mail promises); mail scanners and link previewers, which fetch links
 * too, get a confirm button instead so they cannot acknowledge for anyone.
 * Forged, changed or foreign links get a clear page with 404, links of a
 * withdrawn announcement 410 (scanners too: they are told nothing is
 * there), never a 500; links past their expiry (30 days after the due date,
 * or 90 days after sending) answer 410 and point to the portal, where
 * signing in still works.
 */

const isLinkScanner = createIsbotFromList(botPatterns.filter((pattern) => pattern !== 'headless'))

type Outcome =
  | { state: 'confirm' }
  | { state: 'invalid' }
  | { state: 'withdrawn' }
  | { state: 'expired'; title: string }
  | { state: 'failed' }
  | { state: 'done'; title: string; name: string; acknowledgedAt: string | null; already: boolean; ackRequired: boolean }

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => [
  { title: portalTitle(matches, data?.state === 'invalid' || data?.state === 'withdrawn' ? 'This link does not work' : data?.state === 'expired' ? 'This link has expired' : 'Announcement acknowledged') },
]

async function acknowledge(tenant: PortalTenant, token: string): Promise<Outcome> {
  // A link of another vendor is not valid on this vendor's portal.
  if (!token.toLowerCase().startsWith(`${tenant.id.toLowerCase()}.`)) return { state: 'invalid' }
  try {
    const deps = await runtimeDeps()
    const result = await acknowledgeAnnouncementByLink(deps, { token })
    if (!result) return (await announcementLinkState(deps, { token })) === 'withdrawn' ? { state: 'withdrawn' } : { state: 'invalid' }
    if (result.expired) return { state: 'expired', title: result.title }
    return { state: 'done', title: result.title, name: result.name, acknowledgedAt: result.acknowledgedAt ? new Date(result.acknowledgedAt).toISOString() : null, already: result.already, ackRequired: result.ackRequired }
  } catch (error) {
    console.error('[portal] announcement acknowledgement failed:', error)
    return { state: 'failed' }
  }
}

/** Scanners and HEAD requests record nothing: a button for a link that works, the same 404/410 as a person gets otherwise. */
async function confirmFirst(tenant: PortalTenant, token: string): Promise<Outcome> {
  if (!token.toLowerCase().startsWith(`${tenant.id.toLowerCase()}.`)) return { state: 'invalid' }
  try {
    const state = await announcementLinkState(await runtimeDeps(), { token })
    return state === 'valid' ? { state: 'confirm' } : state === 'withdrawn' ? { state: 'withdrawn' } : { state: 'invalid' }
  } catch (error) {
    console.error('[portal] announcement acknowledgement check failed:', error)
    return { state: 'failed' }
  }
}

const noStore = { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' }

function answer(outcome: Outcome) {
  const status = outcome.state === 'invalid' ? 404 : outcome.state === 'withdrawn' || outcome.state === 'expired' ? 410 : outcome.state === 'failed' ? 503 : 200
  return json(outcome, { status, headers: noStore })
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const tenant = await requirePortalTenant(request, params, context)
  const token = params.token ?? ''
  if (request.method === 'HEAD' || isLinkScanner(request.headers.get('user-agent') ?? '')) return answer(await confirmFirst(tenant, token))
  return answer(await acknowledge(tenant, token))
}

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  return answer(await acknowledge(tenant, params.token ?? ''))
})

export default function AcknowledgeAnnouncement() {
  const loaded = useLoaderData<typeof loader>()
  const acted = useActionData<typeof action>()
  const outcome = (acted ?? loaded) as Outcome
  const brand = usePortalBrand()
  const href = usePortalHref()
  const sending = useSubmitting()
  if (!brand) return null
  return (
    <PublicPage brand={brand}>
      <div className="card announcement-ack">
        {outcome.state === 'confirm' ? (
          <>
            <h1>Confirm that you have read it</h1>
            <p>Press the button to tell {brand.name} that you have read the announcement.</p>
            <Form method="post">
              <SubmitButton pending={sending} pendingLabel="Confirming…">
                I have read this
              </SubmitButton>
            </Form>
          </>
        ) : outcome.state === 'invalid' || outcome.state === 'withdrawn' ? (
          <>
            <h1>This link does not work</h1>
            <p>{outcome.state === 'withdrawn' ? 'The announcement has been withdrawn.' : 'The link is incomplete or was changed.'} Nothing was recorded.</p>
            <p>
              You can read and acknowledge your announcements after <Link to={href('/announcements')}>signing in to the portal</Link>
              {brand.supportEmail ? (
                <>
                  , or ask <a href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</a>
                </>
              ) : null}
              .
            </p>
          </>
        ) : outcome.state === 'expired' ? (
          <>
            <h1>This link has expired</h1>
            <p>
              The link to acknowledge <strong className="wrap-anywhere">“{outcome.title}”</strong> is no longer valid, so nothing was recorded.
            </p>
            <p>
              You can still read and acknowledge it after <Link to={href('/announcements')}>signing in to the portal</Link>
              {brand.supportEmail ? (
                <>
                  , or ask <a href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</a>
                </>
              ) : null}
              .
            </p>
          </>
        ) : outcome.state === 'failed' ? (
          <>
            <h1>We could not record it just now</h1>
            <p>Something went wrong on our side. Please open the link from the e-mail again in a moment.</p>
          </>
        ) : !outcome.ackRequired ? (
          <>
            <h1>{outcome.title}</h1>
            <p>This announcement does not ask for an acknowledgement. Thank you for reading it.</p>
            <p>
              <Link to={href('/announcements')}>Your announcements in the portal</Link>
            </p>
          </>
        ) : (
          <>
            <h1>{outcome.already ? 'Already acknowledged' : 'Thank you'}</h1>
            <p role="status">
              {outcome.already ? 'You had already confirmed' : 'You have confirmed'} that you have read <strong className="wrap-anywhere">“{outcome.title}”</strong>
              {outcome.acknowledgedAt ? ` (${formatDay(outcome.acknowledgedAt, 'long')})` : ''}. {brand.name} can see this; there is nothing else to do.
            </p>
            <p className="muted">
              Signed as {outcome.name}. <Link to={href('/announcements')}>Your announcements in the portal</Link>
            </p>
          </>
        )}
      </div>
    </PublicPage>
  )
}

import { announcementLinkState, followAnnouncementLink } from '@accord/core'
import { json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { PublicPage } from '~/components/portal-chrome'
import { joinPortalPath } from '~/lib/portal-address'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { runtimeDeps } from '~/server/runtime.server'
import { requirePortalTenant } from '~/server/tenant.server'

/**
 * A link in an announcement e-mail (`/announcements/click/<token>/<n>`): the
 * click is recorded on the reader's receipt, then the browser goes on to the
 * link's address — one the announcement itself contains, never one from the
 * request. A link that does not work gets a page, never a redirect: 404 for
 * a forged, changed or foreign token (or a link number the announcement does
 * not have), 410 when the announcement has been withdrawn.
 */
type Problem = { state: 'unknown' } | { state: 'withdrawn' } | { state: 'failed' }

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'This link does not work') }]

const noStore = { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' }

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const tenant = await requirePortalTenant(request, params, context)
  const token = params.token ?? ''
  // A link of another vendor is not valid on this vendor's portal.
  if (!token.toLowerCase().startsWith(`${tenant.id.toLowerCase()}.`)) return json<Problem>({ state: 'unknown' }, { status: 404, headers: noStore })
  try {
    const deps = await runtimeDeps()
    const followed = await followAnnouncementLink(deps, { token, link: params.link ?? '' })
    if (followed.recorded && followed.url) {
      try {
        return redirect(followed.url, { headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } })
      } catch {
        // Core only returns normalised absolute addresses; should one still not fit a header, go to the feed.
        return redirect(joinPortalPath(tenant.basePath, '/announcements'), { headers: { 'Cache-Control': 'no-store' } })
      }
    }
    const state = await announcementLinkState(deps, { token })
    return state === 'withdrawn' ? json<Problem>({ state: 'withdrawn' }, { status: 410, headers: noStore }) : json<Problem>({ state: 'unknown' }, { status: 404, headers: noStore })
  } catch (error) {
    console.error('[portal] announcement link:', error)
    return json<Problem>({ state: 'failed' }, { status: 503, headers: noStore })
  }
}

export default function AnnouncementLinkProblem() {
  const problem = useLoaderData<typeof loader>()
  const brand = usePortalBrand()
  const href = usePortalHref()
  if (!brand) return null
  return (
    <PublicPage brand={brand}>
      <div className="card">
        {problem.state === 'failed' ? (
          <>
            <h1>We could not open the link just now</h1>
            <p>Something went wrong on our side. Please open the link from the e-mail again in a moment.</p>
          </>
        ) : (
          <>
            <h1>This link does not work</h1>
            <p>{problem.state === 'withdrawn' ? 'The announcement has been withdrawn.' : 'The link is incomplete or was changed.'}</p>
            <p>
              Your announcements are in the portal: <Link to={href('/announcements')}>sign in to read them</Link>.
            </p>
          </>
        )}
      </div>
    </PublicPage>
  )
}

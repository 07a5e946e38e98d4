import { followAnnouncementLink } from '@accord/core'
import { type LoaderFunctionArgs, redirect } from '@remix-run/node'
import { joinPortalPath } from '~/lib/portal-address'
import { runtimeDeps } from '~/server/runtime.server'
import { resolvePortalTenant } from '~/server/tenant.server'

/**
 * A link in an announcement e-mail (`/announcements/click/<token>/<n>`): the
 * click is recorded on the reader's receipt, then the browser goes on to the
 * link's address — one the announcement itself contains, never one from the
 * request. A forged or foreign token lands on the portal's announcements page.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const token = params.token ?? ''
  const tenant = await resolvePortalTenant(request, context)
  const fallback = tenant ? joinPortalPath(tenant.basePath, '/announcements') : '/'
  let target = fallback
  try {
    if (tenant && token.toLowerCase().startsWith(`${tenant.id.toLowerCase()}.`)) {
      const followed = await followAnnouncementLink(await runtimeDeps(), { token, link: params.link ?? '' })
      if (followed.url) target = followed.url
    }
  } catch (error) {
    console.error('[portal] announcement link:', error)
  }
  try {
    return redirect(target, { headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } })
  } catch {
    // Core only returns normalised absolute addresses; should one still not fit a header, go to the feed.
    return redirect(fallback, { headers: { 'Cache-Control': 'no-store' } })
  }
}

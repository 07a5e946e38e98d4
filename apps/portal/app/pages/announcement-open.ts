import { recordAnnouncementEmailOpen } from '@accord/core'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { runtimeDeps } from '~/server/runtime.server'
import { resolvePortalTenant } from '~/server/tenant.server'

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

/**
 * The open pixel of an announcement e-mail (`/announcements/open/<token>`):
 * the first load marks the copy opened. Whatever happens (forged token,
 * another vendor's token, a database hiccup) the answer is the same pixel,
 * 200 and never cached, so mail clients show nothing odd and nothing leaks.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const token = params.token ?? ''
  try {
    const tenant = await resolvePortalTenant(request, context)
    if (tenant && token.toLowerCase().startsWith(`${tenant.id.toLowerCase()}.`)) await recordAnnouncementEmailOpen(await runtimeDeps(), { token })
  } catch (error) {
    console.error('[portal] announcement open pixel:', error)
  }
  return new Response(new Uint8Array(PIXEL), {
    status: 200,
    headers: {
      'Content-Type': 'image/gif',
      'Content-Length': String(PIXEL.byteLength),
      'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
      Pragma: 'no-cache',
      Expires: '0',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    },
  })
}

import { getTenantLogo } from '@accord/core'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { runtimeDeps } from '~/server/runtime.server'

/** A workspace's portal logo (public: it appears in e-mails and on the portal's sign-in page). */
export async function loader({ params }: LoaderFunctionArgs) {
  const logo = await getTenantLogo(await runtimeDeps(), { slug: params.slug ?? '' })
  if (!logo) return new Response('No logo', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'public, max-age=60' } })
  return new Response(Buffer.from(logo.bytes), {
    headers: {
      'Content-Type': logo.contentType,
      'Content-Length': String(logo.bytes.byteLength),
      'Cache-Control': 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': 'inline',
    },
  })
}

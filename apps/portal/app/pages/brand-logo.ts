import { getTenantLogo } from '@accord/core'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { runtimeDeps } from '~/server/runtime.server'

/** A vendor's logo (`/brand/<slug>/logo?v=<version>`), for pages and e-mails alike. */
export async function loader({ params }: LoaderFunctionArgs) {
  const logo = await getTenantLogo(await runtimeDeps(), { slug: params.slug ?? '' })
  if (!logo) return new Response('No logo', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'public, max-age=60' } })
  return new Response(new Uint8Array(logo.bytes), {
    headers: {
      'Content-Type': logo.contentType,
      'Content-Length': String(logo.bytes.byteLength),
      'Cache-Control': 'public, max-age=300',
      'Content-Disposition': 'inline',
      'X-Content-Type-Options': 'nosniff',
      // Images only (core refuses SVG); even so, nothing in this response may run.
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  })
}

import { json, type LoaderFunctionArgs } from '@remix-run/node'
import { requirePortalTenant } from '~/server/tenant.server'

/**
 * Catch-all for addresses no page matches. Being a real route (rather than
 * Remix's no-match 404) lets the root loader run, so the 404 page carries
 * the vendor's branding when the address names a portal.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePortalTenant(request, params, context)
  throw json({ message: 'We could not find that page' }, { status: 404 })
}

/** A form posted to an address that does not exist: the same 404, not a 405. */
export const action = loader

export default function NotFound() {
  return null
}

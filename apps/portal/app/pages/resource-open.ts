import { appErrorOf } from '@accord/api'
import { type LoaderFunctionArgs, redirect } from '@remix-run/node'
import { requirePartner } from '~/server/guard.server'

/** `GET resources/:resourceId/open`: a library link, the visit recorded, then off to the address. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  try {
    const { url } = await caller.portal.resources.openLink({ resourceId: params.resourceId ?? '' })
    headers.set('Cache-Control', 'no-store')
    headers.set('Referrer-Policy', 'no-referrer')
    return redirect(url, { headers })
  } catch (error) {
    const code = appErrorOf(error)?.code
    if (code === 'NOT_FOUND' || code === 'VALIDATION' || code === 'BAD_REQUEST') {
      return new Response('We could not find that link.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
    }
    throw error
  }
}

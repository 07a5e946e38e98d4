import { appErrorOf } from '@accord/api'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { contentDisposition } from '~/lib/imports'
import { requirePartner } from '~/server/guard.server'

/**
 * `GET registrations/imports/:importId/results.csv`: every row's verdict of a
 * finished import, as a download (core writes the CSV, formula-safe, with a
 * BOM for Excel). Signed out, it sends the person to sign in and back here.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers: sessionHeaders } = await requirePartner(request, context, params)
  const plain = (status: number, message: string) => {
    const headers = new Headers(sessionHeaders)
    headers.set('Content-Type', 'text/plain; charset=utf-8')
    headers.set('Cache-Control', 'no-store')
    return new Response(message, { status, headers })
  }
  let result: { fileName: string; csv: string }
  try {
    result = await caller.portal.registrations.importResultCsv({ importId: params.importId ?? '' })
  } catch (error) {
    const code = appErrorOf(error)?.code
    // Unknown, malformed or another partner's import: all the same "not found".
    if (code === 'NOT_FOUND' || code === 'VALIDATION' || code === 'BAD_REQUEST') return plain(404, 'We could not find that import.')
    if (code === 'CONFLICT') return plain(409, 'The import has not finished yet: the verdicts can be downloaded once it has.')
    throw error
  }
  const headers = new Headers(sessionHeaders)
  headers.set('Content-Type', 'text/csv; charset=utf-8')
  headers.set('Content-Disposition', contentDisposition(result.fileName))
  headers.set('Cache-Control', 'private, no-store')
  headers.set('X-Content-Type-Options', 'nosniff')
  return new Response(result.csv, { status: 200, headers })
}

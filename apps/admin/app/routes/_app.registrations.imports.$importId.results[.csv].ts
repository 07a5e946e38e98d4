import { appErrorOf } from '@accord/api'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { notFound, requireStaff } from '~/server/guard.server'

/** `Content-Disposition` for a download: an ASCII fallback name plus the exact (UTF-8) name. */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'results.csv'
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

/** GET /registrations/imports/:importId/results.csv — every row's verdict and reason, as a CSV download. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'registrations.view')
  let result: { fileName: string; csv: string }
  try {
    result = await caller.admin.registrations.importResultCsv({ importId: params.importId ?? '' })
  } catch (error) {
    const code = appErrorOf(error)?.code
    if (code === 'NOT_FOUND' || code === 'VALIDATION' || code === 'BAD_REQUEST') throw notFound('This import does not exist.')
    if (code === 'CONFLICT') throw new Response('The import has not finished yet; its results can be downloaded once it has.', { status: 409, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
    throw error
  }
  const response = new Headers(headers)
  response.set('Content-Type', 'text/csv; charset=utf-8')
  response.set('Content-Disposition', attachment(result.fileName))
  response.set('Cache-Control', 'private, no-store')
  response.set('X-Content-Type-Options', 'nosniff')
  return new Response(result.csv, { headers: response })
}

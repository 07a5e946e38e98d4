import type { LoaderFunctionArgs } from '@remix-run/node'
import { receiptsCsv, receiptsFileName } from '~/lib/announcements'
import { rethrowAsNotFound } from '~/lib/announcements.server'
import { requireStaff } from '~/server/guard.server'

/** `Content-Disposition` for a download: an ASCII fallback name plus the exact (UTF-8) name. */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'receipts.csv'
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

/** GET /announcements/:announcementId/receipts.csv — who got it, on which channel, opened and acknowledged when (formula-safe CSV). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'announcements.view')
  const announcementId = params.announcementId ?? ''
  const [detail, rows] = await Promise.all([caller.admin.announcements.get({ announcementId }), caller.admin.announcements.receipts({ announcementId })]).catch(rethrowAsNotFound)
  const response = new Headers(headers)
  response.set('Content-Type', 'text/csv; charset=utf-8')
  response.set('Content-Disposition', attachment(receiptsFileName(detail.announcement.title)))
  response.set('Cache-Control', 'private, no-store')
  response.set('X-Content-Type-Options', 'nosniff')
  return new Response(receiptsCsv(rows), { headers: response })
}

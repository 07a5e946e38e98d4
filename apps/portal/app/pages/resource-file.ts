import { appErrorOf } from '@accord/api'
import { readResourceFile, resourceFileHeaders, resourceFileTypeForMime } from '@accord/core'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { requirePartner } from '~/server/guard.server'

/**
 * `GET resources/:resourceId/file[?disposition=inline]`: a library file. A
 * download is recorded as engagement; `inline` (the preview on the
 * resource's page) is not, and is honoured only for PDFs and images. Signed
 * out, it sends the person to sign in and back here.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { ctx, headers: sessionHeaders } = await requirePartner(request, context, params)
  const disposition = new URL(request.url).searchParams.get('disposition') === 'inline' ? 'inline' : 'attachment'
  let file: Awaited<ReturnType<typeof readResourceFile>>
  try {
    file = await readResourceFile(ctx, { resourceId: params.resourceId ?? '', disposition })
  } catch (error) {
    const code = appErrorOf(error)?.code
    // Unknown, malformed, not visible to this partner: all the same "not found".
    if (code === 'NOT_FOUND' || code === 'VALIDATION' || code === 'BAD_REQUEST') {
      return new Response('We could not find that file.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
    }
    throw error
  }
  const headers = new Headers(sessionHeaders)
  const extension = resourceFileTypeForMime(file.mime)?.extension ?? 'bin'
  for (const [name, value] of Object.entries(resourceFileHeaders({ mime: file.mime, bytes: file.bytes.byteLength, disposition: file.disposition, title: file.title, extension }))) headers.set(name, value)
  return new Response(file.bytes as Uint8Array<ArrayBuffer>, { status: 200, headers })
}

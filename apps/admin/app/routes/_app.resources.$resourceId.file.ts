import { appErrorOf } from '@accord/api'
import { readResourceFileForStaff, resourceFileHeaders, resourceFileTypeForMime } from '@accord/core'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireStaff } from '~/server/guard.server'

/**
 * GET /resources/:id/file[?disposition=inline] — staff preview or download
 * (drafts and archived included). Inline only for types a browser shows
 * without running anything (PDF, images); everything else is an attachment.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { ctx, headers: sessionHeaders } = await requireStaff(request, context, 'resources.view')
  let file: Awaited<ReturnType<typeof readResourceFileForStaff>>
  try {
    file = await readResourceFileForStaff(ctx, { resourceId: params.resourceId ?? '' })
  } catch (error) {
    const code = appErrorOf(error)?.code
    if (code === 'NOT_FOUND' || code === 'VALIDATION') return new Response('We could not find that file.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
    throw error
  }
  const type = resourceFileTypeForMime(file.mime)
  const inline = new URL(request.url).searchParams.get('disposition') === 'inline' && (type?.previewInline ?? false)
  const headers = new Headers(sessionHeaders)
  for (const [name, value] of Object.entries(resourceFileHeaders({ mime: file.mime, bytes: file.bytes.byteLength, disposition: inline ? 'inline' : 'attachment', title: file.title, extension: type?.extension ?? 'bin' }))) headers.set(name, value)
  return new Response(file.bytes as Uint8Array<ArrayBuffer>, { status: 200, headers })
}

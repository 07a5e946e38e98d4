import { appErrorOf } from '@accord/api'
import { createFileResource, MAX_RESOURCE_FILE_BYTES, replaceResourceFile } from '@accord/core'
import { MaxPartSizeExceededError, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData } from '@remix-run/node'
import { type StaffRequest, notFound, rethrowAsNotFound } from '~/server/guard.server'
import { type FormFailure, failureFromAppError, unexpectedFailure } from './forms'
import { formatBytes, RESOURCE_FIELDS, readResourceForm } from './resources'


export type ResourceSubmitResult = { ok: true; redirectTo: string } | { ok: false; status: number; failure: FormFailure }

function failed(error: unknown, values: Record<string, string>, intent: string): ResourceSubmitResult {
  const appError = appErrorOf(error)
  if (!appError || appError.code === 'INTERNAL') {
    console.error('[admin] resource upload failed:', error)
    const { status, body } = unexpectedFailure({ values, intent })
    return { ok: false, status, failure: body }
  }
  const { status, body } = failureFromAppError(appError, { fields: RESOURCE_FIELDS, values, intent })
  return { ok: false, status, failure: body }
}

const tooLargeMessage = `Files can be at most ${formatBytes(MAX_RESOURCE_FILE_BYTES)}. Share larger files as a link.`

/**
 * The multipart body, files kept in memory up to the library's limit. A
 * bigger file ends the parse; that becomes a message on the file field.
 */
async function readMultipart(request: Request): Promise<FormData | 'too-large' | 'unreadable'> {
  try {
    // One byte over the limit is enough to know; core gives the precise message for smaller files.
    return await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: MAX_RESOURCE_FILE_BYTES + 1 }))
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return 'too-large'
    // Not multipart, no boundary, a truncated body: nothing usable arrived.
    if (error instanceof TypeError || (error instanceof Error && /multipart|boundary|form ?data/i.test(error.message))) return 'unreadable'
    throw error
  }
}

/** A body that is not the form we sent (not multipart, broken): a 400 with a message, never a 500. */
async function readForm(request: Request, multipart: boolean): Promise<FormData | 'too-large' | 'unreadable'> {
  if (multipart) return readMultipart(request)
  try {
    return await request.formData()
  } catch {
    return 'unreadable'
  }
}

const unreadable = (intent: string): ResourceSubmitResult => ({
  ok: false,
  status: 400,
  failure: { ok: false, intent, formError: 'The upload could not be read (it arrived incomplete or in an unexpected format). Please choose the file and try again.', fieldErrors: {}, values: {} },
})

async function bytesOf(form: FormData): Promise<{ bytes: Uint8Array; fileName: string }> {
  const file = form.get('file')
  if (typeof file !== 'object' || file === null) return { bytes: new Uint8Array(), fileName: '' }
  return { bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name.slice(0, 300) }
}

/** New resource: a link (fields only) or a file (multipart). */
export async function submitNewResource(staff: StaffRequest, request: Request): Promise<ResourceSubmitResult> {
  const isMultipart = (request.headers.get('content-type') ?? '').startsWith('multipart/form-data')
  const form = await readForm(request, isMultipart)
  if (form === 'unreadable') return unreadable('resource')
  if (form === 'too-large') {
    return { ok: false, status: 413, failure: { ok: false, intent: 'resource', formError: null, fieldErrors: { file: [tooLargeMessage] }, values: {} } }
  }
  const { input, values } = readResourceForm(form)
  const kind = values.kind === 'link' ? 'link' : 'file'
  try {
    if (kind === 'link') {
      const created = await staff.caller.admin.resources.createLink({ ...input, url: input.url ?? '' })
      return { ok: true, redirectTo: `/resources/${created.resourceId}?done=created` }
    }
    const { url: _url, ...fields } = input
    const created = await createFileResource(staff.ctx, fields, await bytesOf(form))
    return { ok: true, redirectTo: `/resources/${created.resourceId}?done=created` }
  } catch (error) {
    return failed(error, values, 'resource')
  }
}

/** A new version of a resource's file. */
export async function submitReplacementFile(staff: StaffRequest, request: Request, resourceId: string): Promise<ResourceSubmitResult> {
  const form = await readMultipart(request)
  if (form === 'unreadable') return unreadable('replace')
  if (form === 'too-large') {
    return { ok: false, status: 413, failure: { ok: false, intent: 'replace', formError: null, fieldErrors: { file: [tooLargeMessage] }, values: {} } }
  }
  try {
    await replaceResourceFile(staff.ctx, { resourceId }, await bytesOf(form))
    return { ok: true, redirectTo: `/resources/${resourceId}?done=replaced` }
  } catch (error) {
    if (appErrorOf(error)?.code === 'NOT_FOUND') throw notFound('This resource does not exist.')
    return failed(error, {}, 'replace')
  }
}

/** Unknown, malformed and other workspaces' ids all look the same: not found. */
export const rethrowResourceAsNotFound = rethrowAsNotFound('This resource does not exist.')

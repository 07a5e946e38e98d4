import { withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { extractTextIsolated, UnreadableFileError } from './extraction-process.js'

export type ResourceTextExtractionResult = 'extracted' | 'failed' | 'skipped'

/**
 * The `resources.extract-text` job: the file's text into the row, where the
 * generated search vector picks it up. Idempotent: a resource already done,
 * deleted, or whose file was replaced since (another `fileKey`) is skipped.
 * An unreadable file (corrupt or encrypted PDF, or one that takes too long
 * or too much memory — extraction runs in a child process with limits) is
 * recorded as failed, not retried: retrying cannot fix the bytes. Storage
 * errors and a child that cannot start throw, so the job is retried.
 */
export async function runResourceTextExtraction(deps: CoreDeps, input: { tenantId: string; resourceId: string; fileKey: string }, options: { timeoutMs?: number } = {}): Promise<ResourceTextExtractionResult> {
  const scope = { tenantId: input.tenantId }
  const resource = await withTenant(deps.db, scope, (trx) =>
    trx.selectFrom('resources').select(['file_key', 'file_mime', 'extraction_status']).where('id', '=', input.resourceId).executeTakeFirst(),
  )
  if (!resource || resource.file_key !== input.fileKey || !resource.file_mime || resource.extraction_status === 'done') return 'skipped'
  const stored = await deps.storage.get(input.fileKey)
  if (!stored) throw new Error(`Resource file ${input.fileKey} is missing from storage`)
  let text: string
  try {
    text = await extractTextIsolated(stored.bytes, resource.file_mime, { timeoutMs: options.timeoutMs })
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500)
    await withTenant(deps.db, scope, (trx) =>
      trx
        .updateTable('resources')
        .set({ extraction_status: 'failed', extraction_error: message })
        .where('id', '=', input.resourceId)
        .where('file_key', '=', input.fileKey)
        .execute(),
    )
    return 'failed'
  }
  await withTenant(deps.db, scope, (trx) =>
    trx
      .updateTable('resources')
      .set({ extraction_status: 'done', extraction_error: null, extracted_text: text })
      .where('id', '=', input.resourceId)
      .where('file_key', '=', input.fileKey)
      .execute(),
  )
  return 'extracted'
}

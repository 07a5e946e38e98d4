/**
 * Presentation of CSV registration imports in the portal, shared by server
 * and browser code (nothing server-side here).
 */

/** Core refuses larger files (`MAX_IMPORT_BYTES`); the portal says so before sending them on. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024

export const UPLOAD_TOO_LARGE = 'The file is larger than 5 MB; split it into smaller files.'

export type ImportStatus = 'draft' | 'queued' | 'running' | 'succeeded' | 'failed'

type BadgeTone = 'success' | 'warning' | 'danger' | undefined

const statuses: Record<ImportStatus, { label: string; tone: BadgeTone }> = {
  draft: { label: 'Columns to map', tone: 'warning' },
  queued: { label: 'Waiting to start', tone: undefined },
  running: { label: 'Importing', tone: undefined },
  succeeded: { label: 'Finished', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
}

/** Label and badge tone of an import status; an unknown status reads as itself. */
export function importStatus(status: string): { label: string; tone: BadgeTone } {
  return statuses[status as ImportStatus] ?? { label: status.replace(/_/g, ' '), tone: undefined }
}

/** Still being worked on: the page keeps checking until it is not. */
export function importInProgress(status: string): boolean {
  return status === 'queued' || status === 'running'
}

export type RowVerdict = 'accepted' | 'rejected' | 'conflict'

export const rowVerdictDisplay: Record<RowVerdict, { label: string; tone: BadgeTone }> = {
  accepted: { label: 'Accepted', tone: 'success' },
  conflict: { label: 'Flagged for review', tone: 'warning' },
  rejected: { label: 'Rejected', tone: 'danger' },
}

export const ROW_FILTERS = ['all', 'problems'] as const
export type RowFilter = (typeof ROW_FILTERS)[number]
export const rowFilterLabels: Record<RowFilter, string> = { all: 'All rows', problems: 'Problems only' }

export function parseRowFilter(value: string | null): RowFilter {
  return value === 'problems' ? 'problems' : 'all'
}

/** "1,234" */
export function formatCount(value: number): string {
  return new Intl.NumberFormat('en-GB').format(value)
}

/** "1 row", "1,234 rows" */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`
}

/** "2.4 MB", "830 KB" */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toLocaleString('en-GB', { maximumFractionDigits: 1 })} MB`
  return `${Math.max(1, Math.round(bytes / 1024)).toLocaleString('en-GB')} KB`
}

/**
 * A file name safe to put in `Content-Disposition: attachment; filename="…"`:
 * no path, quotes, control or non-ASCII characters (those go in `filename*`),
 * at most 150 characters, always ending in `.csv`.
 */
export function attachmentFileName(name: string, fallback = 'import-results.csv'): string {
  const stem = (name.split(/[\\/]/).pop() ?? '')
    .replace(/\.csv$/i, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._ -]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/ {2,}/g, ' ')
    .replace(/^[ ._-]+|[ ._-]+$/g, '')
    .slice(0, 146)
    .replace(/[ ._-]+$/, '')
  return stem ? `${stem}.csv` : fallback
}

/** The full header value, with the UTF-8 name (RFC 5987) for browsers that read it. */
export function contentDisposition(name: string): string {
  const ascii = attachmentFileName(name)
  const utf8 = name
    .split(/[\\/]/)
    .pop()
    ?.replace(/[\u0000-\u001f\u007f"]+/g, '')
    .trim()
    .slice(0, 150)
  const extended = utf8 && utf8 !== ascii && /\.csv$/i.test(utf8) ? `; filename*=UTF-8''${encodeURIComponent(utf8).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}` : ''
  return `attachment; filename="${ascii}"${extended}`
}

/** A column in the mapping select: its header, or "Column 3" when the header cell is empty. */
export function columnLabel(header: string, index: number): string {
  const text = header.trim()
  return text ? text : `Column ${index + 1}`
}

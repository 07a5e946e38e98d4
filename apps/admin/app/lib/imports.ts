/** Presentation of CSV registration imports (list and detail pages). */

type Tone = 'success' | 'warning' | 'danger' | undefined

const statuses: Record<string, { label: string; tone: Tone }> = {
  draft: { label: 'Waiting for column mapping', tone: 'warning' },
  queued: { label: 'Queued', tone: undefined },
  running: { label: 'Running', tone: undefined },
  succeeded: { label: 'Finished', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
}

export function importStatus(status: string): { label: string; tone: Tone } {
  return statuses[status] ?? { label: status, tone: undefined }
}

const verdicts: Record<string, { label: string; tone: Tone }> = {
  accepted: { label: 'Accepted', tone: 'success' },
  conflict: { label: 'Flagged: possible conflict', tone: 'warning' },
  rejected: { label: 'Rejected', tone: 'danger' },
}

export function importVerdict(verdict: string): { label: string; tone: Tone } {
  return verdicts[verdict] ?? { label: verdict, tone: undefined }
}

export const IMPORT_ROW_FILTERS = ['all', 'problems'] as const
export type ImportRowFilter = (typeof IMPORT_ROW_FILTERS)[number]
export const importRowFilterLabels: Record<ImportRowFilter, string> = { all: 'All rows', problems: 'Problems only' }

export function parseImportRowFilter(value: string | null): ImportRowFilter {
  return value === 'problems' ? 'problems' : 'all'
}

/** "2.4 MB", "820 KB" */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`
  return `${Math.max(1, Math.round(bytes / 1024))} KB`
}

/** The mapping form's value of a field: the column index, "-1" for "not in the file", "" for "choose". */
export function mappingValue(mapping: Record<string, number | undefined>, key: string, required: boolean): string {
  const index = mapping[key]
  if (typeof index === 'number' && index >= 0) return String(index)
  return required ? '' : '-1'
}

/** The submitted mapping as core takes it: field → column index, -1 when not in the file. */
export function readMapping(form: FormData, keys: readonly string[]): { mapping: Record<string, number | string>; values: Record<string, string> } {
  const mapping: Record<string, number | string> = {}
  const values: Record<string, string> = {}
  for (const key of keys) {
    const raw = form.get(`mapping.${key}`)
    const text = typeof raw === 'string' ? raw : ''
    values[`mapping.${key}`] = text
    const index = text === '' ? -1 : Number(text)
    // Anything else goes as typed, so core words the error ("Choose one of the file’s columns.").
    mapping[key] = Number.isInteger(index) ? index : text
  }
  return { mapping, values }
}

/**
 * Presentation of the partner's pipeline (deals shared by the vendor), shared
 * by server and browser code. Which fields a partner sees is the vendor's
 * safelist; this only formats what arrived.
 */

export type Attribution = 'sourced' | 'influenced'

const attributionLabels: Record<Attribution, string> = { sourced: 'Sourced', influenced: 'Influenced' }

/** "Sourced 100 %", "Influenced 30 %" */
export function attributionLabel(attribution: string, percent: number): string {
  const label = attributionLabels[attribution as Attribution] ?? attribution
  return `${label} ${new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(percent)} %`
}

/** Safe fields holding a date or timestamp (ISO strings): shown as days. */
export const DATE_FIELDS: ReadonlySet<string> = new Set(['protection_ends_at', 'last_activity_at', 'expected_close'])

const dealStatusLabels: Record<string, string> = { open: 'Open', won: 'Won', lost: 'Lost' }

export type PipelineValue = string | number | null | undefined

/** A non-date field as text; '' for no value (the page shows a dash). */
export function pipelineText(key: string, value: PipelineValue): string {
  if (value === null || value === undefined || value === '') return ''
  if (typeof value === 'number') return new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(value)
  if (key === 'status') return dealStatusLabels[value] ?? value
  return value
}

/**
 * Deals per stage, most first (ties by name), for the summary chart.
 * Deals without a stage are counted as "No stage".
 */
export function stageCounts(deals: ReadonlyArray<{ fields: Record<string, PipelineValue> }>): Array<{ stage: string; count: number }> {
  const counts = new Map<string, number>()
  for (const deal of deals) {
    const value = deal.fields.stage
    const stage = value === null || value === undefined || value === '' ? 'No stage' : String(value)
    counts.set(stage, (counts.get(stage) ?? 0) + 1)
  }
  return [...counts]
    .map(([stage, count]) => ({ stage, count }))
    .sort((left, right) => right.count - left.count || left.stage.localeCompare(right.stage, 'en'))
}

/**
 * Presentation helpers for the shared pipeline pages, used by server and
 * browser code alike (no server imports here).
 */

export const DEAL_STATUSES = ['open', 'won', 'lost', 'all'] as const
export type DealStatusFilter = (typeof DEAL_STATUSES)[number]
export const dealStatusLabels: Record<DealStatusFilter, string> = { open: 'Open', won: 'Won', lost: 'Lost', all: 'All' }

export function parseDealStatus(value: string | null): DealStatusFilter {
  return (DEAL_STATUSES as readonly string[]).includes(value ?? '') ? (value as DealStatusFilter) : 'open'
}

export const CONTACT_ROLES = ['BDR', 'AE', 'SE', 'CS'] as const
export type ContactRole = (typeof CONTACT_ROLES)[number]
export const contactRoleLabels: Record<ContactRole, string> = {
  BDR: 'BDR (business development)',
  AE: 'AE (account executive)',
  SE: 'SE (sales engineer)',
  CS: 'CS (customer success)',
}

export const ATTRIBUTIONS = ['sourced', 'influenced'] as const
export type Attribution = (typeof ATTRIBUTIONS)[number]
export const attributionLabels: Record<Attribution, string> = { sourced: 'Sourced', influenced: 'Influenced' }

/** Words for a stage's exit fields ("fill these in before the deal can leave this stage"). */
export const exitFieldLabels: Record<string, string> = {
  amount: 'Amount',
  currency: 'Currency',
  expected_close: 'Expected close',
  next_step: 'Next step',
  owner: 'Vendor owner',
  attribution: 'Partner attribution',
}

/** "€48,500" — or "48,500 XYZ" for a code Intl does not format, "—" without an amount. */
export function formatMoney(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return '—'
  if (!currency) return amount.toLocaleString('en-GB', { maximumFractionDigits: 2 })
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount)
  } catch {
    return `${amount.toLocaleString('en-GB', { maximumFractionDigits: 2 })} ${currency}`
  }
}

/** "Sourced · 60 %" */
export function attributionText(attribution: string, percent: number): string {
  const label = attributionLabels[attribution as Attribution] ?? attribution
  return `${label} · ${Number.isInteger(percent) ? percent : percent.toFixed(2)} %`
}

export interface StageCount {
  key: string
  label: string
  count: number
  /** Share of the motion's busiest stage, 0–100 (the bar's length). */
  share: number
}

/** Deals per stage of one motion, in the motion's stage order; deals on an unknown stage are counted apart. */
export function stageCounts(stages: ReadonlyArray<{ key: string; label: string }>, deals: ReadonlyArray<{ stage: string }>): { stages: StageCount[]; other: number } {
  const counts = new Map(stages.map((stage) => [stage.key, 0]))
  let other = 0
  for (const deal of deals) {
    const current = counts.get(deal.stage)
    if (current === undefined) other += 1
    else counts.set(deal.stage, current + 1)
  }
  const max = Math.max(0, ...counts.values())
  return {
    stages: stages.map((stage) => {
      const count = counts.get(stage.key) ?? 0
      return { key: stage.key, label: stage.label, count, share: max === 0 ? 0 : Math.round((count / max) * 100) }
    }),
    other,
  }
}

/** A deal's position in its motion: deals sort by stage order, then by customer. */
export function sortByStage<Deal extends { stage: string; customerName: string }>(stages: ReadonlyArray<{ key: string }>, deals: ReadonlyArray<Deal>): Deal[] {
  const order = new Map(stages.map((stage, index) => [stage.key, index]))
  return [...deals].sort((a, b) => (order.get(a.stage) ?? 999) - (order.get(b.stage) ?? 999) || a.customerName.localeCompare(b.customerName))
}

/** One attribution row as the form sends it (`partners.<row>.<field>`). */
export interface AttributionRow {
  partnerId: string
  attribution: string
  percent: string
  contactRole: string
}

export const ATTRIBUTION_ROW_FIELDS = ['partnerId', 'attribution', 'percent', 'contactRole'] as const
/** The most rows the form offers (core allows 10 partners per deal). */
export const MAX_ATTRIBUTION_ROWS = 10

/**
 * The attribution rows of a submitted form. Rows without a partner are
 * dropped (that is how a row is removed without JavaScript); `rowOf[i]` is the
 * form row of the i-th partner sent, so core's `partners.<i>.percent` errors
 * can be shown on the right row.
 */
export function readAttributionRows(form: FormData): { rows: AttributionRow[]; values: Record<string, string>; sent: Array<{ partnerId: string; attribution: string; percent: string; contactRole: string | null }>; rowOf: number[] } {
  const text = (name: string) => {
    const value = form.get(name)
    return typeof value === 'string' ? value : ''
  }
  const declared = Number.parseInt(text('rowCount'), 10)
  const rowCount = Number.isInteger(declared) && declared > 0 ? Math.min(declared, MAX_ATTRIBUTION_ROWS + 1) : 0
  const rows: AttributionRow[] = []
  const values: Record<string, string> = { rowCount: String(rowCount) }
  const sent: Array<{ partnerId: string; attribution: string; percent: string; contactRole: string | null }> = []
  const rowOf: number[] = []
  for (let index = 0; index < rowCount; index += 1) {
    const row: AttributionRow = {
      partnerId: text(`partners.${index}.partnerId`).trim(),
      attribution: text(`partners.${index}.attribution`) || 'influenced',
      percent: text(`partners.${index}.percent`).trim(),
      contactRole: text(`partners.${index}.contactRole`),
    }
    rows.push(row)
    for (const field of ATTRIBUTION_ROW_FIELDS) values[`partners.${index}.${field}`] = row[field]
    if (!row.partnerId) continue
    sent.push({ partnerId: row.partnerId, attribution: row.attribution, percent: row.percent === '' ? '0' : row.percent.replace(',', '.'), contactRole: row.contactRole || null })
    rowOf.push(index)
  }
  return { rows, values, sent, rowOf }
}

/** Core's `partners.<sent index>.<field>` → the form's `partners.<row>.<field>`; other keys stay. */
export function attributionErrorKey(key: string, rowOf: readonly number[]): string {
  const match = /^partners\.(\d+)(\..+)?$/.exec(key)
  if (!match) return key
  const row = rowOf[Number(match[1])]
  return row === undefined ? 'partners' : `partners.${row}${match[2] ?? ''}`
}

/** A value of a partner-safe field as the partner's table shows it. */
export function safeFieldText(key: string, value: string | number | null | undefined, formatDay: (value: string) => string): string {
  if (value === null || value === undefined || value === '') return '—'
  if (key === 'protection_ends_at' || key === 'expected_close' || key === 'last_activity_at') return formatDay(String(value))
  if (key === 'status') return dealStatusLabels[value as DealStatusFilter] ?? String(value)
  return String(value)
}

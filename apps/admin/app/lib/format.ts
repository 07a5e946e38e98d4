const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' })

type DateInput = Date | string | null | undefined

function toDate(value: DateInput): Date | null {
  if (value === null || value === undefined) return null
  const parsed = value instanceof Date ? value : new Date(value)
  return Number.isNaN(parsed.getTime()) ? null : parsed
}

/** "23 Nov 2026, 10:55 UTC" — one fixed zone so server and browser render the same text. */
export function formatDateTime(value: DateInput, fallback = '—'): string {
  const parsed = toDate(value)
  return parsed ? `${dateTime.format(parsed)} UTC` : fallback
}

export function formatDate(value: DateInput, fallback = '—'): string {
  const parsed = toDate(value)
  return parsed ? date.format(parsed) : fallback
}

/** "in 6 days", "in 3 hours", "2 days ago" relative to `now`. */
export function relativeTime(value: DateInput, now: Date = new Date()): string {
  const parsed = toDate(value)
  if (!parsed) return '—'
  const seconds = Math.round((parsed.getTime() - now.getTime()) / 1000)
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ]
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit)
  }
  return format.format(seconds, 'second')
}

/** Compact one-line JSON for audit details; long values are cut. */
export function compactJson(value: unknown, max = 240): string {
  if (value === null || value === undefined) return ''
  let text: string
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value)
  } catch {
    text = String(value)
  }
  if (text === '{}' || text === '[]') return ''
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

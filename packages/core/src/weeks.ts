import { sql } from '@accord/db'

/** Weekly figures (engagement charts): weeks start on Monday, in UTC, keyed `YYYY-MM-DD`. */

export const DAY_MS = 86_400_000
export const WEEK_MS = 7 * DAY_MS

/** Monday 00:00 UTC of the week containing `date`. */
export function weekStartUtc(date: Date): Date {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7
  return new Date(midnight - sinceMonday * DAY_MS)
}

/** The same week key in SQL, for a row's `created_at`. */
export const weekOfCreatedAt = sql<string>`to_char(date_trunc('week', created_at at time zone 'UTC'), 'YYYY-MM-DD')`

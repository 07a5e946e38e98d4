import { type Database, sql } from '@accord/db'

export interface RateLimitRule {
  limit: number
  windowSeconds: number
}

/**
 * The registration form's instant conflict check, per signed-in person:
 * plenty for typing (one check per pause), but the check must not become an
 * oracle that answers unlimited "is this customer claimed?" questions.
 */
export const precheckRateLimit = { limit: 60, windowSeconds: 60 } satisfies RateLimitRule

export const PRECHECK_RATE_LIMITED = 'The conflict check has been asked very often in the last minute and pauses for a moment. You can still submit the registration; it is checked in full then.'

export const loginRateLimits = {
  perIp: { limit: 30, windowSeconds: 15 * 60 },
  perAccount: { limit: 8, windowSeconds: 15 * 60 },
} satisfies Record<string, RateLimitRule>

/**
 * Fixed-window counter in Postgres (not process memory, so it holds across
 * app instances). Returns whether this hit is allowed and, if not, when to retry.
 */
export async function consumeRateLimit(db: Database, key: string, rule: RateLimitRule, now: Date): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const windowStartBefore = new Date(now.getTime() - rule.windowSeconds * 1000)
  const result = await sql<{ hits: number; window_started_at: Date }>`
    insert into rate_limit_buckets as bucket (key, hits, window_started_at)
    values (${key}, 1, ${now})
    on conflict (key) do update set
      hits = case when bucket.window_started_at <= ${windowStartBefore} then 1 else bucket.hits + 1 end,
      window_started_at = case when bucket.window_started_at <= ${windowStartBefore} then ${now} else bucket.window_started_at end
    returning hits, window_started_at
  `.execute(db)
  const row = result.rows[0]
  if (!row) return { allowed: true, retryAfterSeconds: 0 }
  const retryAfterSeconds = Math.max(1, Math.ceil((row.window_started_at.getTime() + rule.windowSeconds * 1000 - now.getTime()) / 1000))
  return { allowed: row.hits <= rule.limit, retryAfterSeconds }
}

export async function resetRateLimit(db: Database, key: string): Promise<void> {
  await db.deleteFrom('rate_limit_buckets').where('key', '=', key).execute()
}

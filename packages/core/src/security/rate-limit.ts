import { isIP } from 'node:net'
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

/**
 * Progressive lockout for password sign-in. Unlike `consumeRateLimit`, only
 * failures are charged (after the password check failed), and the lock grows:
 * after `threshold` failures within `windowSeconds` the key is locked for
 * `baseLockSeconds`; every further failure once a lock has passed locks it
 * again for twice as long, up to `maxLockSeconds`. The state is forgotten
 * `windowSeconds` after the last failure or lock, whichever is later.
 */
export interface LockoutRule {
  threshold: number
  windowSeconds: number
  baseLockSeconds: number
  maxLockSeconds: number
}

export const signInLockouts = {
  /** One account (workspace + kind + e-mail), whatever address the attempts come from. */
  perAccount: { threshold: 5, windowSeconds: 15 * 60, baseLockSeconds: 60, maxLockSeconds: 60 * 60 },
  /**
   * One client address, across accounts and workspaces. Ten times the
   * account's threshold: an office behind one NAT must not lock itself out
   * through a few mistyped passwords, while a password sprayer still stops.
   */
  perAddress: { threshold: 50, windowSeconds: 15 * 60, baseLockSeconds: 60, maxLockSeconds: 60 * 60 },
} satisfies Record<string, LockoutRule>

/** Seconds until `key` may try again (0: not locked). Charges nothing. */
export async function lockoutRemaining(db: Database, key: string, now: Date): Promise<number> {
  const row = await db.selectFrom('sign_in_lockouts').select('locked_until').where('key', '=', key).executeTakeFirst()
  if (!row?.locked_until || row.locked_until <= now) return 0
  return Math.max(1, Math.ceil((row.locked_until.getTime() - now.getTime()) / 1000))
}

/**
 * Charge one failure to `key`; returns the lock now in force (seconds, 0 if
 * none). One upsert whose update reads the row it has locked, so concurrent
 * failures are all counted.
 */
export async function recordLockoutFailure(db: Database, key: string, rule: LockoutRule, now: Date): Promise<number> {
  const forgetBefore = new Date(now.getTime() - rule.windowSeconds * 1000)
  // Forget the old state when nothing happened within the window (no failure, no lock), or when a first run of failures outlived its window.
  const stale = sql<boolean>`(greatest(b.last_failure_at, coalesce(b.locked_until, b.last_failure_at)) <= ${forgetBefore} or (b.lock_level = 0 and b.window_started_at <= ${forgetBefore}))`
  const failures = sql<number>`(case when ${stale} then 1 else b.failures + 1 end)`
  const level = sql<number>`(case when ${stale} then 0 else b.lock_level end)`
  const lockFor = (currentLevel: typeof level) =>
    sql`${now}::timestamptz + make_interval(secs => least(${rule.maxLockSeconds}::float8, ${rule.baseLockSeconds}::float8 * power(2, least(${currentLevel}, 30))))`
  const locksNow = rule.threshold <= 1
  const result = await sql<{ locked_until: Date | null }>`
    insert into sign_in_lockouts as b (key, failures, window_started_at, last_failure_at, lock_level, locked_until)
    values (${key}, 1, ${now}, ${now}, ${locksNow ? 1 : 0}, ${locksNow ? lockFor(sql<number>`0`) : null})
    on conflict (key) do update set
      failures = ${failures},
      window_started_at = case when ${stale} then ${now}::timestamptz else b.window_started_at end,
      last_failure_at = ${now},
      lock_level = case when ${failures} >= ${rule.threshold} then ${level} + 1 else ${level} end,
      locked_until = case when ${failures} >= ${rule.threshold} then ${lockFor(level)} when ${stale} then null else b.locked_until end
    returning locked_until
  `.execute(db)
  const lockedUntil = result.rows[0]?.locked_until
  if (!lockedUntil || lockedUntil <= now) return 0
  return Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000))
}

/** Forget a key's failures and locks (the account proved itself: right password, reset link, magic link). */
export async function clearLockout(db: Database, key: string): Promise<void> {
  await db.deleteFrom('sign_in_lockouts').where('key', '=', key).execute()
}

/**
 * The key a client address is counted under: an IPv4 address as is (also
 * when written IPv4-mapped, `::ffff:192.0.2.1`), an IPv6 address by its /64
 * network, since one subscriber usually holds a whole /64. Null when there is
 * no usable address: such requests share no bucket (one bucket for every
 * unknown client would let anyone lock everyone out).
 */
export function clientAddressKey(ip: string | null | undefined): string | null {
  if (!ip) return null
  let address = ip.trim().slice(0, 100).toLowerCase()
  const zone = address.indexOf('%')
  if (zone >= 0) address = address.slice(0, zone)
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7)
  const version = isIP(address)
  if (version === 4) return address
  if (version !== 6) return null
  const groups = expandIpv6(address)
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : null
}

/** Eight 16-bit groups (no leading zeros) of a valid IPv6 address, or null. */
function expandIpv6(address: string): string[] | null {
  let text = address
  // A trailing dotted IPv4 part counts as two groups.
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const octets = tail.split('.').map(Number)
    if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) return null
    const [a = 0, b = 0, c = 0, d = 0] = octets
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = halves[0] ? halves[0].split(':') : []
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 1 ? missing !== 0 : missing < 0) return null
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...rest]
  return groups.map((group) => Number.parseInt(group || '0', 16).toString(16))
}

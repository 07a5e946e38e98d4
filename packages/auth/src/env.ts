import { optionalString, parseEnv, z } from '@accord/config/env'

// Empty values (compose passes `${X:-}`) mean unset.
const days = (fallback: number) => optionalString.pipe(z.coerce.number().int().min(1, 'must be at least 1 day').max(365, 'must be at most 365 days').default(fallback))

const schema = z.object({
  /**
   * Absolute session lifetime in days for staff (admin app), counted from
   * sign-in: past it the person signs in again, however active they were.
   * The 30-day sliding expiry (extended while in use) applies besides.
   */
  SESSION_MAX_AGE_DAYS_STAFF: days(30),
  /** The same for partner users (portal). */
  SESSION_MAX_AGE_DAYS_PARTNER: days(30),
  /** Invitations (staff and partner users together) one workspace may send per rolling 24 hours. */
  INVITATIONS_PER_TENANT_PER_DAY: optionalString.pipe(z.coerce.number().int().min(1).max(100_000).default(200)),
})

export type AuthEnv = z.infer<typeof schema>

/** Validate an environment (process.env by default) without caching it. */
export function parseAuthEnv(source: Record<string, string | undefined> = process.env): AuthEnv {
  return parseEnv('@accord/auth', schema, source)
}

let cached: AuthEnv | undefined
export function authEnv(): AuthEnv {
  cached ??= parseAuthEnv()
  return cached
}

import { optionalString, parseEnv, z } from '@accord/config/env'

export const benchEnv = () =>
  parseEnv(
    'bench',
    z.object({
      /** An existing Postgres server to create the bench database on (embedded otherwise). */
      BENCH_DATABASE_URL: optionalString,
      BENCH_SECONDS: z.coerce.number().int().min(1).max(120).default(10),
      /** Foundation bench: processes per app (WEB_CONCURRENCY); 2 = one per core of the reference machine. */
      BENCH_WEB_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
      /** Registrations bench: keep the seeded database (its name is printed) … */
      BENCH_KEEP_DATABASE: z.enum(['0', '1']).default('0'),
      /** … and measure again on it without seeding. */
      BENCH_REUSE_DATABASE: optionalString,
      /** CRM bench: approved registrations to sync. */
      BENCH_CRM_REGISTRATIONS: z.coerce.number().int().min(100).max(100_000).default(10_000),
    }),
  )

/**
 * The CRM benchmark talks to a fake HubSpot on 127.0.0.1: turn the outbound
 * guard's operator settings on for this process (as the test suites do),
 * unless the caller set them explicitly.
 */
export function allowLocalFakeServers(): void {
  process.env.OUTBOUND_ALLOW_CUSTOM_HOSTS ??= 'true'
  process.env.OUTBOUND_ALLOW_PRIVATE_NETWORKS ??= '127.0.0.0/8'
}

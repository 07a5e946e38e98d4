import { optionalString, parseEnv, z } from '@accord/config/env'

export const benchEnv = () =>
  parseEnv(
    'bench',
    z.object({
      /** An existing Postgres server to create the bench database on (embedded otherwise). */
      BENCH_DATABASE_URL: optionalString,
      BENCH_SECONDS: z.coerce.number().int().min(1).max(120).default(10),
    }),
  )

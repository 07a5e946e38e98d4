import { optionalString, parseEnv, z } from '@accord/config/env'

const schema = z.object({
  /** Owner connection: runs migrations. Unset → the dev stack starts embedded Postgres. */
  DATABASE_URL: optionalString,
  /** Runtime connection for apps and worker (role without BYPASSRLS). Derived from DATABASE_URL when unset. */
  APP_DATABASE_URL: optionalString,
  /** Password given to the accord_app role when APP_DATABASE_URL is derived. */
  APP_DATABASE_PASSWORD: z.string().min(8).default('accord-app-local-only'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Tests: an existing server to create throwaway databases on (embedded Postgres otherwise). */
  TEST_DATABASE_URL: optionalString,
})

export type DbEnv = z.infer<typeof schema>

let cached: DbEnv | undefined
export function dbEnv(): DbEnv {
  cached ??= parseEnv('@accord/db', schema)
  return cached
}

/** The runtime URL: explicit APP_DATABASE_URL, or DATABASE_URL with the accord_app role's credentials. */
export function appDatabaseUrl(env: DbEnv = dbEnv()): string {
  if (env.APP_DATABASE_URL) return env.APP_DATABASE_URL
  if (!env.DATABASE_URL) {
    throw new Error('Neither APP_DATABASE_URL nor DATABASE_URL is set. Start the stack with `npm start`, or set DATABASE_URL (see README "Configuration").')
  }
  return deriveAppUrl(env.DATABASE_URL, env.APP_DATABASE_PASSWORD)
}

export function deriveAppUrl(ownerUrl: string, password: string): string {
  const url = new URL(ownerUrl)
  url.username = 'accord_app'
  url.password = password
  return url.toString()
}

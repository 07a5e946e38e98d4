import { deploymentProfile, optionalString, parseEnv, profileFields, z } from '@accord/config/env'

/** The password the local profile gives accord_app; public, so production refuses it. */
export const LOCAL_APP_DATABASE_PASSWORD = 'accord-app-local-only'

const schema = z
  .object({
    /** Owner connection: runs migrations. Unset → the dev stack starts embedded Postgres. */
    DATABASE_URL: optionalString,
    /** Runtime connection for apps and worker (role without BYPASSRLS). Derived from DATABASE_URL when unset. */
    APP_DATABASE_URL: optionalString,
    /** Password given to the accord_app role when APP_DATABASE_URL is derived. */
    APP_DATABASE_PASSWORD: optionalString.pipe(z.string().min(8).optional()),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Tests: an existing server to create throwaway databases on (embedded Postgres otherwise). */
    TEST_DATABASE_URL: optionalString,
    ...profileFields,
  })
  .superRefine((env, ctx) => {
    if (deploymentProfile(env) !== 'production') return
    // The password matters where it is used: to derive APP_DATABASE_URL, and when the migrate step sets it.
    if (env.APP_DATABASE_PASSWORD === LOCAL_APP_DATABASE_PASSWORD) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['APP_DATABASE_PASSWORD'], message: 'is the public local development password; choose a private one (openssl rand -hex 24)' })
    } else if (env.APP_DATABASE_PASSWORD === undefined && env.APP_DATABASE_URL === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['APP_DATABASE_PASSWORD'], message: 'is required in production unless APP_DATABASE_URL is set (openssl rand -hex 24)' })
    }
    if (env.APP_DATABASE_URL !== undefined && passwordOf(env.APP_DATABASE_URL) === LOCAL_APP_DATABASE_PASSWORD) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['APP_DATABASE_URL'], message: 'logs in with the public local development password; give accord_app a private one' })
    }
  })
  .transform(({ NODE_ENV: _nodeEnv, ACCORD_PROFILE: _profile, ...env }) => ({ ...env, APP_DATABASE_PASSWORD: env.APP_DATABASE_PASSWORD ?? LOCAL_APP_DATABASE_PASSWORD }))

function passwordOf(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url).password)
  } catch {
    return null
  }
}

export type DbEnv = z.infer<typeof schema>

/** Validate an environment (process.env by default) without caching it: dbEnv() is the cached one. */
export function parseDbEnv(source: Record<string, string | undefined> = process.env): DbEnv {
  return parseEnv('@accord/db', schema, source)
}

let cached: DbEnv | undefined
export function dbEnv(): DbEnv {
  cached ??= parseDbEnv()
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

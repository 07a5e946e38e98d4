import { optionalString, parseEnv, z } from '@accord/config/env'

const booleanFlag = optionalString.pipe(
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { errorMap: () => ({ message: 'Use true or false.' }) })
    .optional()
    .transform((value) => (value === undefined ? undefined : ['true', '1', 'yes'].includes(value))),
)

const schema = z
  .object({
    ADMIN_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** Public URL of the admin app; the same variable core uses for links in e-mails. */
    ADMIN_URL: z.string().url().default('http://localhost:3000'),
    /** Send cookies with `Secure`. Defaults to on when ADMIN_URL is https (behind TLS). */
    COOKIE_SECURE: booleanFlag,
  })
  .transform((env) => ({ ...env, COOKIE_SECURE: env.COOKIE_SECURE ?? env.ADMIN_URL.startsWith('https:') }))

export type AdminEnv = z.infer<typeof schema>

/** Parse a given environment (tests); `adminEnv()` is the cached process one. */
export function parseAdminEnv(source?: Record<string, string | undefined>): AdminEnv {
  return parseEnv('@accord/admin', schema, source)
}

let cached: AdminEnv | undefined
export function adminEnv(): AdminEnv {
  cached ??= parseAdminEnv()
  return cached
}

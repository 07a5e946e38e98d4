import { optionalString, parseEnv, z } from '@accord/config/env'
import { coreEnv } from '@accord/core/env'

const booleanFlag = optionalString.pipe(
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { errorMap: () => ({ message: 'Use true or false.' }) })
    .optional()
    .transform((value) => (value === undefined ? undefined : ['true', '1', 'yes'].includes(value))),
)

const schema = z.object({
  /** Port the portal's HTTP server listens on. */
  PORTAL_PORT: z.coerce.number().int().min(1).max(65_535).default(3001),
  /** Send session cookies with `Secure`. Defaults to true when PORTAL_URL is https. */
  COOKIE_SECURE: booleanFlag,
})

export interface PortalEnv {
  PORTAL_PORT: number
  COOKIE_SECURE: boolean
}

let cached: PortalEnv | undefined

/** The portal's own settings; PORTAL_URL / PORTAL_BASE_DOMAIN belong to @accord/core (they also shape e-mail links). */
export function portalEnv(): PortalEnv {
  if (cached) return cached
  const parsed = parseEnv('@accord/portal', schema)
  cached = {
    PORTAL_PORT: parsed.PORTAL_PORT,
    COOKIE_SECURE: parsed.COOKIE_SECURE ?? coreEnv().PORTAL_URL.startsWith('https:'),
  }
  return cached
}

import { optionalString, parseEnv, z } from '@accord/config/env'

const schema = z.object({
  DATABASE_URL: optionalString,
  APP_DATABASE_URL: optionalString,
  APP_DATABASE_PASSWORD: z.string().min(8).default('accord-app-local-only'),
  /** Port of the embedded Postgres started when DATABASE_URL is unset. */
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  ADMIN_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  PORTAL_PORT: z.coerce.number().int().min(1).max(65535).default(3001),
  ADMIN_URL: optionalString,
  PORTAL_URL: optionalString,
  /** Skip the demo tenant. */
  SEED_DEMO: z.enum(['true', 'false']).default('true'),
  TEST_DATABASE_URL: optionalString,
})

export type DevstackEnv = z.infer<typeof schema>
export const devstackEnv = (): DevstackEnv => parseEnv('tools/devstack', schema)

/** The environment handed to child processes: the parent's, plus what the stack decided. */
export function childEnvironment(overrides: Record<string, string>): Record<string, string> {
  const inherited: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) inherited[key] = value
  return { ...inherited, ...overrides }
}

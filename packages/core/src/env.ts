import { optionalString, parseEnv, z } from '@accord/config/env'

const schema = z.object({
  /** Public URL of the admin app (links in staff e-mails). */
  ADMIN_URL: z.string().url().default('http://localhost:3000'),
  /** Public URL of the partner portal. With PORTAL_BASE_DOMAIN unset, tenants live under <PORTAL_URL>/t/<slug>. */
  PORTAL_URL: z.string().url().default('http://localhost:3001'),
  /** e.g. `localhost` or `partners.example.com`: tenants are then served at <slug>.<domain> (wildcard DNS). */
  PORTAL_BASE_DOMAIN: optionalString,
  /** Where uploaded files (logos) are kept by the local-disk storage. */
  STORAGE_DIR: optionalString,
  /**
   * Key for CRM credentials at rest (AES-256-GCM): 32 random bytes as base64
   * or hex (`openssl rand -base64 32`). The local default is public, so change
   * it in production; rotating it means reconnecting the CRM.
   */
  CRM_ENCRYPTION_KEY: optionalString.pipe(
    z
      .string()
      .refine((value) => /^[0-9a-f]{64}$/i.test(value) || Buffer.from(value, 'base64').length === 32, 'must be 32 bytes as base64 or 64 hex characters (openssl rand -base64 32)')
      .optional(),
  ),
  /**
   * Key signing the reply addresses on partner notifications
   * (`reply+<token>@<INBOUND_EMAIL_DOMAIN>`, HMAC-SHA256): at least 32
   * characters (`openssl rand -base64 32`). The local default is public, so
   * set it in production; changing it invalidates the reply addresses of
   * e-mails already sent (replies to them are refused politely).
   */
  REPLY_TOKEN_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional()),
})

export type CoreEnv = z.infer<typeof schema>

let cached: CoreEnv | undefined
export function coreEnv(): CoreEnv {
  cached ??= parseEnv('@accord/core', schema)
  return cached
}

import { optionalString, parseEnv, z } from '@accord/config/env'

const booleanFlag = optionalString.pipe(
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { errorMap: () => ({ message: 'Use true or false.' }) })
    .optional()
    .transform((value) => (value === undefined ? undefined : ['true', '1', 'yes'].includes(value))),
)

const schema = z.object({
  /** Public URL of the admin app (links in staff e-mails). */
  ADMIN_URL: z.string().url().default('http://localhost:3000'),
  /** Public URL of the partner portal. With PORTAL_BASE_DOMAIN unset, tenants live under <PORTAL_URL>/t/<slug>. */
  PORTAL_URL: z.string().url().default('http://localhost:3001'),
  /** e.g. `localhost` or `partners.example.com`: tenants are then served at <slug>.<domain> (wildcard DNS). */
  PORTAL_BASE_DOMAIN: optionalString,
  /** Where uploaded files (logos) are kept by the local-disk storage. */
  STORAGE_DIR: optionalString,
  /** Where uploaded files go: `local` (STORAGE_DIR on disk) or `s3` (an S3-compatible bucket, S3_* below). */
  STORAGE_DRIVER: optionalString.pipe(z.enum(['local', 's3']).default('local')),
  /** S3-compatible endpoint (MinIO, Cloudflare R2, …); unset → AWS S3 in S3_REGION. */
  S3_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  /** Region to sign requests for (`auto` for R2). */
  S3_REGION: optionalString.pipe(z.string().default('us-east-1')),
  /** Bucket holding the uploaded files (required with STORAGE_DRIVER=s3). */
  S3_BUCKET: optionalString,
  /** Access key id for the bucket (required with STORAGE_DRIVER=s3). */
  S3_ACCESS_KEY_ID: optionalString,
  /** Secret access key for the bucket (required with STORAGE_DRIVER=s3). */
  S3_SECRET_ACCESS_KEY: optionalString,
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`). Defaults to true when S3_ENDPOINT is set, false for AWS. */
  S3_FORCE_PATH_STYLE: booleanFlag,
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
  .superRefine((env, ctx) => {
    if (env.STORAGE_DRIVER !== 's3') return
    for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (env[name] === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: `${name} is required when STORAGE_DRIVER=s3` })
    }
  })
  .transform((env) => ({ ...env, S3_FORCE_PATH_STYLE: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT !== undefined }))

export type CoreEnv = z.infer<typeof schema>

/** Validate an environment (process.env by default) without caching it: coreEnv() is the cached one. */
export function parseCoreEnv(source: Record<string, string | undefined> = process.env): CoreEnv {
  return parseEnv('@accord/core', schema, source)
}

let cached: CoreEnv | undefined
export function coreEnv(): CoreEnv {
  cached ??= parseCoreEnv()
  return cached
}

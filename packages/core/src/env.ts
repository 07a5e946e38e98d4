import { createHash } from 'node:crypto'
import { deploymentProfile, optionalString, parseEnv, profileFields, z } from '@accord/config/env'
import { parseKeyMaterial } from './encryption/key-material.js'

/**
 * The public values the local profile runs with when a secret is unset. They
 * are in the source code, so production refuses to boot with them (or with
 * the secret unset).
 */
export const LOCAL_DEVELOPMENT_SECRETS = {
  crmEncryptionKeyHex: createHash('sha256').update('accord-local-only-crm-credentials').digest('hex'),
  replyTokenSecret: 'accord-local-only-reply-token-secret-change-me',
  /** Names the local key in CRM_ENCRYPTION_PREVIOUS_KEYS, to move data sealed with it to a real key. */
  previousKeyAlias: 'local-development-key',
} as const

const keyRule = 'must be 32 bytes as base64 or 64 hex characters (openssl rand -base64 32)'

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
      .refine((value) => parseKeyMaterial(value) !== null, keyRule)
      .optional(),
  ),
  /**
   * Earlier keys, comma-separated, kept while secrets sealed with them are
   * re-encrypted under CRM_ENCRYPTION_KEY (the worker does it at start-up);
   * `local-development-key` names the built-in local key.
   */
  CRM_ENCRYPTION_PREVIOUS_KEYS: optionalString.transform((value, ctx) => {
    const entries = (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
    for (const entry of entries) {
      if (entry !== LOCAL_DEVELOPMENT_SECRETS.previousKeyAlias && parseKeyMaterial(entry) === null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `each key ${keyRule}` })
    }
    return entries
  }),
  /**
   * Key signing the reply addresses on partner notifications
   * (`reply+<token>@<INBOUND_EMAIL_DOMAIN>`, HMAC-SHA256): at least 32
   * characters (`openssl rand -base64 32`). The local default is public, so
   * set it in production; changing it invalidates the reply addresses of
   * e-mails already sent (replies to them are refused politely).
   */
  REPLY_TOKEN_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional()),
  ...profileFields,
})
  .superRefine((env, ctx) => {
    if (deploymentProfile(env) === 'production') productionRules(env, ctx)
    if (env.STORAGE_DRIVER !== 's3') return
    for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (env[name] === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: `${name} is required when STORAGE_DRIVER=s3` })
    }
  })
  .transform((env) => ({ ...env, S3_FORCE_PATH_STYLE: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT !== undefined }))

/** Production fails closed: no missing secrets, no public local ones. */
function productionRules(env: { CRM_ENCRYPTION_KEY?: string | undefined; REPLY_TOKEN_SECRET?: string | undefined }, ctx: z.RefinementCtx) {
  const localKey = Buffer.from(LOCAL_DEVELOPMENT_SECRETS.crmEncryptionKeyHex, 'hex')
  if (env.CRM_ENCRYPTION_KEY === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['CRM_ENCRYPTION_KEY'], message: `is required in production: it encrypts CRM and Slack secrets at rest; ${keyRule}` })
  } else if (parseKeyMaterial(env.CRM_ENCRYPTION_KEY)?.equals(localKey)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['CRM_ENCRYPTION_KEY'], message: 'is the public local development key; generate a private one (openssl rand -base64 32)' })
  }
  if (env.REPLY_TOKEN_SECRET === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['REPLY_TOKEN_SECRET'], message: 'is required in production: it signs the reply addresses of partner e-mails (openssl rand -base64 32)' })
  } else if (env.REPLY_TOKEN_SECRET === LOCAL_DEVELOPMENT_SECRETS.replyTokenSecret) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['REPLY_TOKEN_SECRET'], message: 'is the public local development secret; generate a private one (openssl rand -base64 32)' })
  }
}

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

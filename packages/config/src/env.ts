import { z } from 'zod'

/**
 * Parse an environment with a zod schema and fail with one readable message
 * naming every bad variable, instead of a stack trace deep inside a package.
 */
export function parseEnv<Schema extends z.ZodTypeAny>(
  owner: string,
  schema: Schema,
  source: Record<string, string | undefined> = process.env,
): z.infer<Schema> {
  const result = schema.safeParse(source)
  if (result.success) return result.data
  const problems = result.error.issues
    .map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('\n')
  throw new Error(`Invalid environment for ${owner}:\n${problems}\nSee README.md, section "Configuration".`)
}

/** Empty strings in env files mean "unset". */
export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))

export { z }

/**
 * Which rules the environment is held to:
 * - `production`: NODE_ENV=production (or ACCORD_PROFILE=production). Every
 *   secret must be set to a private value; public local defaults refuse to boot.
 * - `local`: ACCORD_PROFILE=local, set only by the dev stack (`npm start`,
 *   `npm run dev`, the end-to-end stack): public development secrets and the
 *   dev mailbox are allowed even though the apps run their production builds.
 * - `development`: anything else (tests, a package run by hand).
 */
export type DeploymentProfile = 'production' | 'local' | 'development'

/** Add to a package's env schema so it can tell which profile it runs under. */
export const profileFields = {
  NODE_ENV: optionalString,
  ACCORD_PROFILE: optionalString.pipe(z.enum(['local', 'production'], { errorMap: () => ({ message: 'Use local (only for the dev stack) or production, or leave it unset.' }) }).optional()),
}

export function deploymentProfile(env: { NODE_ENV?: string | undefined; ACCORD_PROFILE?: 'local' | 'production' | undefined }): DeploymentProfile {
  if (env.ACCORD_PROFILE === 'local') return 'local'
  if (env.ACCORD_PROFILE === 'production' || env.NODE_ENV === 'production') return 'production'
  return 'development'
}

/** The line every process of the local profile prints at boot, so nobody mistakes it for a deployment. */
export const LOCAL_PROFILE_NOTICE = 'local profile: public development secrets, dev mailbox on — never expose this to the internet'

/** A URL only this machine can reach: localhost, *.localhost, 127.0.0.0/8 or ::1. */
export function isLocalUrl(value: string): boolean {
  let host: string
  try {
    host = new URL(value).hostname.toLowerCase()
  } catch {
    return false
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '[::1]' || host === '::1') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

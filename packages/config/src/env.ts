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

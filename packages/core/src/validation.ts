import { z } from 'zod'
import { AppError, type FieldErrors } from './errors.js'

/** Parse with zod; on failure throw a VALIDATION AppError with per-field messages. */
export function parseInput<Schema extends z.ZodTypeAny>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw AppError.validation(zodFieldErrors(result.error))
}

export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const fieldErrors: FieldErrors = {}
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '_form'
    ;(fieldErrors[key] ??= []).push(issue.message)
  }
  return fieldErrors
}

// Shared field schemas: messages are written for the person filling the form.
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/

export const personName = z
  .string({ required_error: 'Enter a name.' })
  .trim()
  .min(1, 'Enter a name.')
  .max(120, 'Keep the name under 120 characters.')
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'The name contains invisible control characters.')

export const organisationName = z
  .string({ required_error: 'Enter a name.' })
  .trim()
  .min(2, 'Enter at least 2 characters.')
  .max(120, 'Keep the name under 120 characters.')
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'The name contains invisible control characters.')

export const emailAddress = z
  .string({ required_error: 'Enter an e-mail address.' })
  .trim()
  .min(1, 'Enter an e-mail address.')
  .max(254, 'That e-mail address is too long.')
  .email('Enter a valid e-mail address, like name@company.com.')
  .transform((value) => value.toLowerCase())

export const newPassword = z
  .string({ required_error: 'Choose a password.' })
  .min(10, 'Use at least 10 characters.')
  .max(200, 'Keep the password under 200 characters.')
  .refine((value) => new Set(value).size >= 5, 'This password is too repetitive.')
  .refine((value) => !COMMON_PASSWORDS.has(value.toLowerCase()), 'This password is too common; choose another.')

const COMMON_PASSWORDS = new Set([
  'password', 'password1', 'password12', 'password123', 'password1234', '1234567890', '12345678910', 'qwertyuiop',
  'letmein123', 'welcome123', 'iloveyou123', 'admin12345', 'qwerty12345', 'passw0rd123', 'abcdefghij', 'changeme123',
])

export const hexColour = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'Use a colour like #2563eb.')
  .transform((value) => value.toLowerCase())

export const uuid = z.string().uuid('Not a valid id.')

export const optionalText = (max: number, label = 'This field') =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters.`)
    .optional()
    .transform((value) => (value === undefined || value === '' ? null : value))

/** Free text typed into a search box: control characters (NUL breaks Postgres text) become spaces. */
export const searchText = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((value) => value.replace(/[\u0000-\u001F\u007F]/g, ' ').trim().slice(0, max))

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

export const CONTROL_CHARACTER_MESSAGE = 'This field contains invisible control characters.'

/**
 * True for text Postgres or a person cannot take: C0 controls other than tab,
 * line feed and carriage return (NUL ends a Postgres text value with an
 * error), DEL, and lone UTF-16 surrogates (not valid Unicode; jsonb refuses
 * them). One pass over the string, no regular expression.
 */
export function hasControlCharacters(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index)
    if (code < 0x20) {
      if (code !== 0x09 && code !== 0x0a && code !== 0x0d) return true
    } else if (code === 0x7f) return true
    else if (code >= 0xd800 && code <= 0xdfff) {
      const next = index + 1 < value.length ? value.charCodeAt(index + 1) : 0
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) index++
      else return true
    }
  }
  return false
}

/** The same characters (tab, line breaks included) replaced by spaces: for search boxes, where refusing helps nobody. */
export function controlCharactersToSpaces(value: string): string {
  let out = ''
  let start = 0
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index)
    let bad = code < 0x20 || code === 0x7f
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = index + 1 < value.length ? value.charCodeAt(index + 1) : 0
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        index++
        continue
      }
      bad = true
    }
    if (bad) {
      out += `${value.slice(start, index)} `
      start = index + 1
    }
  }
  return start === 0 ? value : out + value.slice(start)
}

/** The refused characters removed, tab and line breaks kept: for rich-text bodies, where the sanitiser has the last word anyway. */
export function removeControlCharacters(value: string): string {
  if (!hasControlCharacters(value)) return value
  let out = ''
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index)
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = index + 1 < value.length ? value.charCodeAt(index + 1) : 0
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value.slice(index, index + 2)
        index++
      }
      continue
    }
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f || (code >= 0xdc00 && code <= 0xdfff)) continue
    out += value[index]
  }
  return out
}

export interface ControlCharacterScan {
  /** Field paths (`fields.companyName`, `partners.2.note`) to strip instead of refuse: search boxes. */
  strip?: readonly string[]
  /** Deeper nesting than this is refused as a whole (no form or procedure nests that deep). */
  maxDepth?: number
}

/**
 * The one boundary for string input (tRPC procedures, Remix form readers,
 * mail readers): walks any value (objects, arrays, strings; keys too) and
 * reports each field whose text has control characters, by the same dotted
 * path zod uses for its messages. Returns the value with `strip` paths
 * cleaned, and the field errors (null when there are none).
 */
export function scanForControlCharacters(input: unknown, options: ControlCharacterScan = {}): { value: unknown; fieldErrors: FieldErrors | null } {
  const maxDepth = options.maxDepth ?? 12
  const strip = new Set(options.strip ?? [])
  const fieldErrors: FieldErrors = {}
  const refuse = (path: string, message = CONTROL_CHARACTER_MESSAGE) => {
    const key = path || '_form'
    if (!fieldErrors[key]?.includes(message)) (fieldErrors[key] ??= []).push(message)
  }
  const walk = (value: unknown, path: string, depth: number): unknown => {
    if (typeof value === 'string') {
      if (!hasControlCharacters(value)) return value
      if (strip.has(path)) return controlCharactersToSpaces(value)
      refuse(path)
      return value
    }
    if (typeof value !== 'object' || value === null) return value
    if (depth >= maxDepth) {
      refuse(path, 'This value is nested too deeply.')
      return value
    }
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null
      value.forEach((item, index) => {
        const cleaned = walk(item, path ? `${path}.${index}` : String(index), depth + 1)
        if (cleaned !== item) (copy ??= [...value])[index] = cleaned
      })
      return copy ?? value
    }
    // Plain records only (JSON, superjson, FormData entries); dates, files and the like carry no free text.
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) return value
    let copy: Record<string, unknown> | null = null
    for (const [key, item] of Object.entries(value)) {
      const itemPath = path ? `${path}.${key}` : key
      if (hasControlCharacters(key)) refuse(path || '_form')
      const cleaned = walk(item, itemPath, depth + 1)
      if (cleaned !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = cleaned
    }
    return copy ?? value
  }
  const value = walk(input, '', 0)
  return { value, fieldErrors: Object.keys(fieldErrors).length > 0 ? fieldErrors : null }
}

/** scanForControlCharacters as a guard: the (search-cleaned) value, or a VALIDATION AppError naming each field. */
export function refuseControlCharacters<Value>(input: Value, options: ControlCharacterScan = {}): Value {
  const { value, fieldErrors } = scanForControlCharacters(input, options)
  if (fieldErrors) throw AppError.validation(fieldErrors)
  return value as Value
}

/**
 * A submitted form's text fields checked at the boundary (Remix form
 * readers): the field errors by field name (null when clean) and the values
 * worth echoing back into the form (controls removed, passwords left out).
 * Files are not text and are not looked at.
 */
export function scanFormData(form: FormData): { fieldErrors: FieldErrors | null; values: Record<string, string> } {
  const fieldErrors: FieldErrors = {}
  const values: Record<string, string> = {}
  for (const [name, value] of form.entries()) {
    const nameIsBad = hasControlCharacters(name)
    if (typeof value !== 'string') {
      if (nameIsBad) fieldErrors._form = [CONTROL_CHARACTER_MESSAGE]
      continue
    }
    if (nameIsBad || hasControlCharacters(value)) fieldErrors[nameIsBad ? '_form' : name] = [CONTROL_CHARACTER_MESSAGE]
    if (!nameIsBad && !(name in values) && !/password/i.test(name)) values[name] = removeControlCharacters(value)
  }
  return { fieldErrors: Object.keys(fieldErrors).length > 0 ? fieldErrors : null, values }
}

const LINE_BREAK = /[\n\r\u2028\u2029\u0085\u000B\u000C]/
// Whitespace, format characters (zero-width space/joiners U+200B–U+200D, word joiner U+2060, BOM U+FEFF, bidi marks) and combining marks: nothing a reader sees.
const INVISIBLE = /[\s\p{Cf}\p{M}\u115F\u1160\u3164\uFFA0]/gu

/** True when nothing of the text would be visible (after removing spaces, zero-width and format characters and lone combining marks). */
export function isInvisibleText(value: string): boolean {
  return value.replace(INVISIBLE, '') === ''
}

interface TextFieldOptions {
  /** Minimum length after trimming; 0 (the default) allows empty text. */
  min?: number
  /** Message when shorter than `min` (or missing). */
  required?: string
  /** Refuse text with nothing visible in it (only spaces, zero-width or format characters, combining marks), with this message. */
  visible?: string
}

function boundedText(max: number, label: string, options: TextFieldOptions, singleLine: boolean) {
  const required = options.required ?? `Enter the ${label}.`
  const min = options.min ?? 0
  return z
    .string({ required_error: required, invalid_type_error: required })
    .trim()
    .superRefine((value, context) => {
      if (hasControlCharacters(value)) context.addIssue({ code: z.ZodIssueCode.custom, message: CONTROL_CHARACTER_MESSAGE })
      else if (singleLine && LINE_BREAK.test(value)) context.addIssue({ code: z.ZodIssueCode.custom, message: `Keep the ${label} on one line.` })
      else if (value.length < min) context.addIssue({ code: z.ZodIssueCode.custom, message: required })
      else if (options.visible && value !== '' && isInvisibleText(value)) context.addIssue({ code: z.ZodIssueCode.custom, message: options.visible })
      else if (value.length > max) context.addIssue({ code: z.ZodIssueCode.custom, message: `Keep the ${label} under ${max.toLocaleString('en')} characters.` })
    })
}

/** A single-line text field (names, company, domain, territory, titles): no control characters, no line breaks. */
export const singleLineText = (max: number, label: string, options: TextFieldOptions = {}) => boundedText(max, label, options, true)

/** A multi-line text field (notes, reasons, answers, bodies): no control characters; tab and line breaks are fine. */
export const multiLineText = (max: number, label: string, options: TextFieldOptions = {}) => boundedText(max, label, options, false)

/** Optional single-line text: empty or missing becomes null. */
export const optionalSingleLineText = (max: number, label: string) =>
  z
    .preprocess((value) => (value === null ? undefined : value), singleLineText(max, label).optional())
    .transform((value) => (value === undefined || value === '' ? null : value))

/** Optional multi-line text: empty or missing becomes null. */
export const optionalMultiLineText = (max: number, label: string) =>
  z
    .preprocess((value) => (value === null ? undefined : value), multiLineText(max, label).optional())
    .transform((value) => (value === undefined || value === '' ? null : value))

/** A title: single-line, and something must be visible ("​" or a lone combining mark is not a title). */
export const titleText = (max: number, message = 'Enter a title.') => singleLineText(max, 'title', { min: 1, required: message, visible: message })

export const personName = singleLineText(120, 'name', { min: 1, required: 'Enter a name.', visible: 'Enter a name.' })

export const organisationName = singleLineText(120, 'name', { min: 2, required: 'Enter at least 2 characters.', visible: 'Enter a name.' })

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
    .refine((value) => !hasControlCharacters(value), CONTROL_CHARACTER_MESSAGE)
    .optional()
    .transform((value) => (value === undefined || value === '' ? null : value))

/** Free text typed into a search box: control characters (NUL breaks Postgres text) become spaces. */
export const searchText = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((value) => controlCharactersToSpaces(value).trim().slice(0, max))

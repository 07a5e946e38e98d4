import { z } from 'zod'
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacters, multiLineText, singleLineText } from '../validation.js'

/**
 * The fields of a lead or deal registration, shared by every capture path
 * (portal form, public link, e-mail in, CSV upload, admin on behalf): each
 * path turns its raw input into this shape and calls `submitRegistration`.
 *
 * Raw values arrive as strings from forms, mails and CSV cells, so every
 * field accepts strings and coerces; messages are written for the person
 * filling the form. Free text is stored verbatim (trimmed) and escaped on
 * output, never "sanitised".
 */

export const REGISTRATION_KINDS = ['lead', 'deal'] as const
export type RegistrationKind = (typeof REGISTRATION_KINDS)[number]

export const STAGE_GUESSES = ['exploring', 'active_project', 'budget_approved', 'vendor_selection'] as const
export type StageGuess = (typeof STAGE_GUESSES)[number]
export const stageGuessLabels: Record<StageGuess, string> = {
  exploring: 'Just exploring',
  active_project: 'Active project',
  budget_approved: 'Budget approved',
  vendor_selection: 'Choosing a vendor',
}

/** ISO 4217 codes the runtime knows (Intl), so "EUR" passes and "EURO" is refused. */
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : ['EUR', 'USD', 'GBP', 'CHF'],
)

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value)

/** Names, company, domain, region …: one line. Descriptions (problem, next step): several lines. */
const text = (label: string, max: number, lines: 'single' | 'multi' = 'single') =>
  (lines === 'single' ? singleLineText : multiLineText)(max, label, { min: 1, required: `Enter the ${label}.`, visible: `Enter the ${label}.` })

const optionalText = (label: string, max: number, lines: 'single' | 'multi' = 'single') =>
  z.preprocess(emptyToUndefined, text(label, max, lines).optional()).transform((value) => value ?? null)

/** "1.234,50", "1,234.50", "12000", "€ 5k" are all amounts people type; anything else is refused. */
export function parseAmount(raw: string): number | null {
  let cleaned = raw.replace(/[\s\u00a0'€$£¥]|[A-Z]{3}/gi, '')
  const thousands = /k$/i.test(cleaned)
  if (thousands) cleaned = cleaned.slice(0, -1)
  if (!/^-?[\d.,]+$/.test(cleaned)) return null
  const lastComma = cleaned.lastIndexOf(',')
  const lastDot = cleaned.lastIndexOf('.')
  if (lastComma > lastDot) {
    // German style "1.234,50" — or "1,234" (thousands) when exactly three digits follow.
    const decimals = cleaned.length - lastComma - 1
    cleaned = decimals === 3 && lastDot === -1 ? cleaned.replace(/,/g, '') : cleaned.replace(/\./g, '').replace(',', '.')
  } else if (lastComma === -1 && /^-?\d{1,3}(\.\d{3})+$/.test(cleaned)) {
    // "48.500" / "1.234.567": German thousands separators (three decimals are not a price).
    cleaned = cleaned.replace(/\./g, '')
  } else {
    cleaned = cleaned.replace(/,/g, '')
  }
  if ((cleaned.match(/\./g) ?? []).length > 1) return null
  const value = Number(cleaned)
  if (!Number.isFinite(value)) return null
  return thousands ? value * 1000 : value
}

const amount = (label: string) =>
  z.preprocess(
    (value) => {
      const present = emptyToUndefined(value)
      if (typeof present === 'string') return parseAmount(present) ?? Number.NaN
      return present
    },
    z
      .number({ invalid_type_error: `Enter the ${label} as a number, like 25000.` })
      .refine((value) => !Number.isNaN(value), `Enter the ${label} as a number, like 25000.`)
      .refine((value) => value > 0, `The ${label} must be more than zero.`)
      .refine((value) => value < 1e12, `The ${label} is too large.`)
      .transform((value) => Math.round(value * 100) / 100),
  )

const booleanLike = z.preprocess((value) => {
  if (typeof value === 'string') return ['on', 'true', 'yes', '1', 'y', 'ja', 'x'].includes(value.trim().toLowerCase())
  return value ?? false
}, z.boolean())

const listOfWords = (label: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value, context) => {
      const entries = (Array.isArray(value) ? value : (value ?? '').split(/[,;\n]+/)).map((entry) => entry.trim()).filter(Boolean)
      if (entries.some((entry) => hasControlCharacters(entry) || /[\r\n]/.test(entry))) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: CONTROL_CHARACTER_MESSAGE })
        return z.NEVER
      }
      if (entries.length > 20) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: `List at most 20 ${label}.` })
        return z.NEVER
      }
      const tooLong = entries.find((entry) => entry.length > 120)
      if (tooLong) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: `Keep each of the ${label} under 120 characters.` })
        return z.NEVER
      }
      return [...new Set(entries)]
    })

/** ISO date "2027-03-31" (what <input type=date> sends); also accepts "31.03.2027" and "03/31/2027"-free ISO only in CSV. */
export function parseDay(raw: string): string | null {
  const trimmed = raw.trim()
  let match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed)
  let year: number, month: number, day: number
  if (match) {
    year = Number(match[1]); month = Number(match[2]); day = Number(match[3])
  } else if ((match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(trimmed))) {
    day = Number(match[1]); month = Number(match[2]); year = Number(match[3])
  } else return null
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null
  return date.toISOString().slice(0, 10)
}

/**
 * The registration fields. `today` (the tenant's calendar day, ISO) rejects
 * expected close dates in the past.
 */
export function registrationFieldsSchema(today: string) {
  return z
    .object({
      kind: z.enum(REGISTRATION_KINDS, { errorMap: () => ({ message: 'Choose lead or deal.' }) }).default('lead'),
      companyName: text('company name', 200),
      website: optionalText('website or domain', 300),
      contactName: text('contact name', 120),
      contactEmail: z.preprocess(
        emptyToUndefined,
        z
          .string({ required_error: 'Enter the contact’s e-mail address.' })
          .trim()
          .max(254, 'That e-mail address is too long.')
          .email('Enter a valid e-mail address, like jane@customer.com.')
          .transform((value) => value.toLowerCase()),
      ),
      contactRole: optionalText('contact role', 120),
      problem: text('problem and fit', 10_000, 'multi'),
      stageGuess: z.preprocess(emptyToUndefined, z.enum(STAGE_GUESSES, { errorMap: () => ({ message: 'Choose how far along the customer is.' }) }).default('exploring')),
      consent: booleanLike.refine((value) => value === true, 'Confirm that the contact agreed to be contacted by the vendor.'),
      region: optionalText('region', 80),
      targetRevenue: z.preprocess(emptyToUndefined, amount('target revenue').optional()).transform((value) => value ?? null),
      productInterest: listOfWords('products'),
      competitors: optionalText('competitors', 1000),
      // Deal fields: required for a deal, ignored (null) for a lead.
      amount: z.preprocess(emptyToUndefined, amount('amount').optional()).transform((value) => value ?? null),
      currency: z
        .preprocess(emptyToUndefined, z.string().trim().toUpperCase().optional())
        .refine((value) => value === undefined || KNOWN_CURRENCIES.has(value), 'Use a currency code such as EUR, USD or GBP.')
        .transform((value) => value ?? null),
      expectedClose: z
        .preprocess(emptyToUndefined, z.string().optional())
        .transform((value, context) => {
          if (value === undefined) return null
          const day = parseDay(value)
          if (!day) {
            context.addIssue({ code: z.ZodIssueCode.custom, message: 'Enter the expected close date as YYYY-MM-DD.' })
            return z.NEVER
          }
          if (day < today) {
            context.addIssue({ code: z.ZodIssueCode.custom, message: 'The expected close date is in the past.' })
            return z.NEVER
          }
          return day
        }),
      dealStage: optionalText('deal stage', 60),
      nextStep: optionalText('next step', 2000, 'multi'),
      coSellRequested: booleanLike.default(false),
    })
    .superRefine((fields, context) => {
      if (fields.kind !== 'deal') return
      if (fields.amount === null) context.addIssue({ code: z.ZodIssueCode.custom, path: ['amount'], message: 'A deal needs an amount.' })
      if (fields.currency === null) context.addIssue({ code: z.ZodIssueCode.custom, path: ['currency'], message: 'A deal needs a currency.' })
      if (fields.expectedClose === null) context.addIssue({ code: z.ZodIssueCode.custom, path: ['expectedClose'], message: 'A deal needs an expected close date.' })
    })
    .transform((fields) =>
      fields.kind === 'lead' ? { ...fields, amount: null, currency: null, expectedClose: null, dealStage: null, nextStep: fields.nextStep, coSellRequested: false } : fields,
    )
}

export type RegistrationFields = z.output<ReturnType<typeof registrationFieldsSchema>>
export type RegistrationFieldsInput = z.input<ReturnType<typeof registrationFieldsSchema>>

/** The form/CSV/e-mail field names, with the label people see. */
export const registrationFieldLabels: Record<keyof RegistrationFields, string> = {
  kind: 'Lead or deal',
  companyName: 'Company',
  website: 'Website or domain',
  contactName: 'Contact name',
  contactEmail: 'Contact e-mail',
  contactRole: 'Contact role',
  problem: 'Problem and fit',
  stageGuess: 'Stage',
  consent: 'Consent to be contacted',
  region: 'Region',
  targetRevenue: 'Target revenue',
  productInterest: 'Product interest',
  competitors: 'Competitors',
  amount: 'Amount',
  currency: 'Currency',
  expectedClose: 'Expected close',
  dealStage: 'Deal stage',
  nextStep: 'Next step',
  coSellRequested: 'Co-sell requested',
}

import type { RegistrationStatus } from '@accord/core'

/**
 * Presentation of lead/deal registrations in the portal, shared by server and
 * browser code. Only types come from core (its labels reach pages through
 * loader data), so nothing server-side ends up in the browser bundle.
 */

export const REGISTRATION_VIEWS = ['all', 'open', 'approved', 'closed'] as const
export type RegistrationView = (typeof REGISTRATION_VIEWS)[number]
export const registrationViewLabels: Record<RegistrationView, string> = { all: 'All', open: 'Open', approved: 'Approved', closed: 'Closed' }

export function parseRegistrationView(value: string | null): RegistrationView {
  return (REGISTRATION_VIEWS as readonly string[]).includes(value ?? '') ? (value as RegistrationView) : 'all'
}

type BadgeTone = 'success' | 'warning' | 'danger' | undefined

const statuses: Record<RegistrationStatus, { label: string; tone: BadgeTone }> = {
  submitted: { label: 'Submitted', tone: undefined },
  under_review: { label: 'Under review', tone: undefined },
  info_requested: { label: 'Information requested', tone: 'warning' },
  approved: { label: 'Approved', tone: 'success' },
  rejected: { label: 'Rejected', tone: 'danger' },
  won: { label: 'Won', tone: 'success' },
  lost: { label: 'Lost', tone: undefined },
  expired: { label: 'Expired', tone: undefined },
}

/** Label and badge tone of a status; an unknown status reads as itself. */
export function registrationStatus(status: string): { label: string; tone: BadgeTone } {
  return statuses[status as RegistrationStatus] ?? { label: status.replace(/_/g, ' '), tone: undefined }
}

export const kindLabels: Record<string, string> = { lead: 'Lead', deal: 'Deal' }

export type Verdict = 'clear' | 'possible_conflict' | 'needs_review'

/** How each pre-check / submission verdict is shown; the text under the title is always the server's message. */
export const verdictDisplay: Record<Verdict, { title: string; className: string }> = {
  clear: { title: 'No other claim found.', className: 'verdict clear' },
  possible_conflict: { title: 'Possible conflict.', className: 'verdict conflict' },
  needs_review: { title: 'Needs review.', className: 'verdict review' },
}

/**
 * A day for people: "21 Feb 2027". Loader data arrives through JSON, so dates
 * are ISO strings (date-only "2027-03-31" or full timestamps). Formatted in
 * UTC so the server render and the browser agree whatever their time zones.
 */
export function formatDay(value: string | Date | null | undefined, dateStyle: 'medium' | 'long' = 'medium'): string {
  if (value === null || value === undefined || value === '') return ''
  const date = typeof value === 'string' ? new Date(value) : value
  if (Number.isNaN(date.getTime())) return typeof value === 'string' ? value : ''
  return new Intl.DateTimeFormat('en-GB', { dateStyle, timeZone: 'UTC' }).format(date)
}

/** `<time dateTime>`: the ISO value as received. */
export function isoOf(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString()
}

export function formatAmount(amount: number | null, currency: string | null): string {
  if (amount === null) return ''
  if (currency) {
    try {
      return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(amount)
    } catch {
      // Not a code Intl knows: show the number and the code as stored.
    }
  }
  return `${new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(amount)}${currency ? ` ${currency}` : ''}`
}

/** Currency codes offered first; any ISO 4217 code can be typed. */
export const COMMON_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'CAD', 'AUD', 'JPY', 'INR', 'SGD'] as const

/** A tenant's look in e-mails: vendor name, logo, colour, where to ask for help. */
export interface Brand {
  name: string
  /** Absolute URL; null → the name is shown as a wordmark. */
  logoUrl: string | null
  /** `#rrggbb` */
  primaryColor: string
  supportEmail: string | null
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/
export const FALLBACK_COLOR = '#2563eb'

/** Only a plain hex colour reaches a style attribute (no CSS injection through branding). */
export function brandColor(brand: Brand): string {
  return HEX_COLOR.test(brand.primaryColor) ? brand.primaryColor : FALLBACK_COLOR
}

/** White or near-black text, whichever contrasts more with the brand colour (WCAG relative luminance). */
export function textColorOn(hex: string): string {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
  const contrastWithWhite = 1.05 / (luminance + 0.05)
  const contrastWithDark = (luminance + 0.05) / 0.05 // against #000-ish text
  return contrastWithWhite >= contrastWithDark ? '#ffffff' : '#111827'
}

/** Links in e-mails must be web links; anything else is a bug upstream. */
export function assertWebUrl(url: string, what: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`E-mail ${what} is not a valid URL`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`E-mail ${what} must be an http(s) URL`)
  return url
}

/** 15 → "15 minutes", 60 → "1 hour", 2880 → "2 days". */
export function formatDuration(minutes: number): string {
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`
  if (minutes >= 1440 && minutes % 1440 === 0) return plural(minutes / 1440, 'day')
  if (minutes >= 60 && minutes % 60 === 0) return plural(minutes / 60, 'hour')
  return plural(Math.max(1, Math.round(minutes)), 'minute')
}

const expiryFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' })

/** "25 November 2026 at 14:30 UTC": recipients live in many zones, so say which one. */
export function formatExpiry(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) throw new Error('E-mail expiresAt is not a valid ISO date')
  return `${expiryFormat.format(date)} UTC`
}

/** Subjects are one line: a stray newline must never become a header. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim()
}

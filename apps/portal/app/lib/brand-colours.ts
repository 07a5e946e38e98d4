/**
 * Vendor colour → the CSS variables the portal paints with. Vendors pick any
 * colour; these helpers keep text on and around it readable (WCAG AA), so a
 * pale or mid-tone brand never produces unreadable buttons or links.
 */
import { contrastText } from '@accord/ui'

export const DEFAULT_BRAND = '#2563eb'
const PAGE_BACKGROUND = '#f7f8fa'
const AA_NORMAL_TEXT = 4.5

type Rgb = [number, number, number]

function parseHex(hex: string): Rgb | null {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim())
  if (!match) return null
  return [Number.parseInt(match[1] ?? '0', 16), Number.parseInt(match[2] ?? '0', 16), Number.parseInt(match[3] ?? '0', 16)]
}

function toHex([red, green, blue]: Rgb): string {
  return `#${[red, green, blue].map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`
}

function luminance([red, green, blue]: Rgb): number {
  const linear = (value: number) => {
    const channel = value / 255
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
}

export function contrastRatio(first: string, second: string): number {
  const a = parseHex(first)
  const b = parseHex(second)
  if (!a || !b) return 1
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (light + 0.05) / (dark + 0.05)
}

/**
 * Black or white text on the brand colour: the shared `contrastText`, unless
 * the other choice reads better. (`contrastText` switches at luminance 0.4,
 * which leaves white text on mid-tones such as #10b981 at about 2.5:1.)
 */
export function readableOn(background: string): '#000000' | '#ffffff' {
  const suggested = contrastText(background)
  const other = suggested === '#ffffff' ? '#000000' : '#ffffff'
  return contrastRatio(background, other) > contrastRatio(background, suggested) ? other : suggested
}

/** The brand colour darkened just enough to be read as link text on the page background. */
export function brandTextColour(brand: string, background = PAGE_BACKGROUND): string {
  const rgb = parseHex(brand)
  if (!rgb) return '#1d4ed8'
  let current: Rgb = rgb
  for (let step = 0; step < 40 && contrastRatio(toHex(current), background) < AA_NORMAL_TEXT; step += 1) {
    current = current.map((channel) => channel * 0.92) as Rgb
  }
  return toHex(current)
}

export interface BrandColours {
  brand: string
  brandContrast: string
  brandText: string
}

export function brandColours(primaryColor: string | null | undefined): BrandColours {
  const brand = primaryColor && parseHex(primaryColor) ? primaryColor.toLowerCase() : DEFAULT_BRAND
  return { brand, brandContrast: readableOn(brand), brandText: brandTextColour(brand) }
}

/** Inline style for <html>: the shared stylesheet reads --brand / --brand-contrast; the portal adds --brand-text. */
export function brandStyle(primaryColor: string | null | undefined): Record<string, string> {
  const colours = brandColours(primaryColor)
  return { '--brand': colours.brand, '--brand-contrast': colours.brandContrast, '--brand-text': colours.brandText }
}

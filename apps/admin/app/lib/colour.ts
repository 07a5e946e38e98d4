/** "#2563EB" / "2563eb" → "#2563eb"; anything else → null. */
export function normaliseHex(value: string): string | null {
  const match = /^#?([0-9a-f]{6})$/i.exec(value.trim())
  return match ? `#${match[1]!.toLowerCase()}` : null
}

function luminance(hex: string): number {
  const channel = (offset: number) => {
    const c = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

/** WCAG contrast ratio of two colours (1–21). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (light + 0.05) / (dark + 0.05)
}

/**
 * Black or white text on a brand colour, whichever contrasts more. (The
 * luminance where both are equal is ≈0.18, so a fixed 0.4 cut-off picks white
 * text on mid tones such as #e11d48 or #16a34a where black reads better.)
 */
export function readableTextOn(background: string): '#000000' | '#ffffff' {
  const hex = normaliseHex(background)
  if (!hex) return '#ffffff'
  return contrastRatio(hex, '#000000') >= contrastRatio(hex, '#ffffff') ? '#000000' : '#ffffff'
}

import { describe, expect, it } from 'vitest'
import { brandColours, contrastRatio } from './brand-colours'

describe('brandColours', () => {
  it('keeps text on the brand colour readable (WCAG AA)', () => {
    for (const colour of ['#2563eb', '#10b981', '#fbbf24', '#111827', '#ffffff', '#e11d48', '#7c3aed', '#0ea5e9']) {
      const { brand, brandContrast, brandText } = brandColours(colour)
      expect(contrastRatio(brand, brandContrast)).toBeGreaterThanOrEqual(4.5)
      expect(contrastRatio(brandText, '#f7f8fa')).toBeGreaterThanOrEqual(4.5)
      expect(contrastRatio(brandText, '#ffffff')).toBeGreaterThanOrEqual(4.5)
    }
  })

  it('falls back to the default brand for invalid colours', () => {
    expect(brandColours('not-a-colour').brand).toBe('#2563eb')
    expect(brandColours(null).brand).toBe('#2563eb')
  })
})

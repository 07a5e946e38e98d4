import { describe, expect, it } from 'vitest'
import { contrastRatio, normaliseHex, readableTextOn } from './colour'

describe('colours', () => {
  it('normalises hex input', () => {
    expect(normaliseHex(' #2563EB ')).toBe('#2563eb')
    expect(normaliseHex('0f766e')).toBe('#0f766e')
    expect(normaliseHex('#abc')).toBeNull()
    expect(normaliseHex('red')).toBeNull()
  })

  it.each(['#2563eb', '#0f766e', '#e11d48', '#16a34a', '#facc15', '#ffffff', '#000000', '#777777'])('picks text on %s with the better contrast', (background) => {
    const text = readableTextOn(background)
    const other = text === '#000000' ? '#ffffff' : '#000000'
    expect(contrastRatio(background, text)).toBeGreaterThanOrEqual(contrastRatio(background, other))
    expect(contrastRatio(background, text)).toBeGreaterThanOrEqual(4.5)
  })
})

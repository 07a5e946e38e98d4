import { describe, expect, it } from 'vitest'
import { formatBytes, libraryHref } from './resources'

describe('libraryHref', () => {
  it('adds, replaces and removes filters, and goes back to page 1 when they change', () => {
    const current = { q: 'pricing', contentType: 'battle_card', page: 3 }
    expect(libraryHref('/t/acme/resources', current, { industry: 'Retail' })).toBe('/t/acme/resources?q=pricing&contentType=battle_card&industry=Retail')
    expect(libraryHref('/t/acme/resources', current, { contentType: null })).toBe('/t/acme/resources?q=pricing')
    expect(libraryHref('/resources', current, { page: '4' })).toBe('/resources?q=pricing&contentType=battle_card&page=4')
    expect(libraryHref('/resources', { page: 2 }, { page: '1' })).toBe('/resources')
  })

  it('encodes values so a tag cannot break out of its parameter', () => {
    expect(libraryHref('/resources', {}, { industry: 'Oil & Gas' })).toBe('/resources?industry=Oil+%26+Gas')
  })
})

describe('formatBytes', () => {
  it('reads like a file manager', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(2048)).toBe('2 KB')
    expect(formatBytes(3_500_000)).toBe('3.3 MB')
    expect(formatBytes(null)).toBe('')
  })
})

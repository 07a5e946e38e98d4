import { describe, expect, it } from 'vitest'
import { noticeFor } from './notices'
import { compactJson, relativeTime } from './format'

describe('noticeFor', () => {
  it('shows only known notices, with the address from the session', () => {
    expect(noticeFor('welcome', 'ada@acme.example')?.text).toContain('ada@acme.example')
    expect(noticeFor('<script>alert(1)</script>')).toBeNull()
    expect(noticeFor('toString')).toBeNull()
    expect(noticeFor(null)).toBeNull()
  })
})

describe('format helpers', () => {
  it('writes audit details compactly', () => {
    expect(compactJson({})).toBe('')
    expect(compactJson({ name: 'Contoso', type: 'reseller' })).toBe('{"name":"Contoso","type":"reseller"}')
    expect(compactJson({ long: 'x'.repeat(500) }, 20)).toHaveLength(20)
  })

  it('says when something expires', () => {
    const now = new Date('2026-01-01T00:00:00Z')
    expect(relativeTime(new Date('2026-01-08T00:00:00Z'), now)).toBe('in 7 days')
    expect(relativeTime(new Date('2025-12-31T21:00:00Z'), now)).toBe('3 hours ago')
  })
})

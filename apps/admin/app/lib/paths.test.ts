import { describe, expect, it } from 'vitest'
import { loginPath, pagePath, safeRedirectPath } from './paths'

describe('safeRedirectPath', () => {
  it.each([
    ['/partners?status=all', '/partners?status=all'],
    ['/partners/1#invite', '/partners/1#invite'],
  ])('keeps the local path %s', (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected)
  })

  it.each([null, '', 'https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/\u0000x', 42])('refuses %s', (input) => {
    expect(safeRedirectPath(input)).toBe('/')
  })
})

describe('pagePath', () => {
  it('turns single-fetch data URLs back into page paths', () => {
    expect(pagePath('http://x/partners.data?_routes=routes%2F_app&status=all')).toBe('/partners?status=all')
    expect(pagePath('http://x/_root.data')).toBe('/')
    expect(pagePath('http://x/settings/team')).toBe('/settings/team')
  })
})

describe('loginPath', () => {
  it('adds redirectTo except for the dashboard', () => {
    expect(loginPath('/')).toBe('/login')
    expect(loginPath('/partners?q=a b')).toBe('/login?redirectTo=%2Fpartners%3Fq%3Da%20b')
  })
})

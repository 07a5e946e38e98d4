import { describe, expect, it } from 'vitest'
import { loginPath, pagePath, safeRedirectPath } from './paths'

describe('safeRedirectPath', () => {
  it.each([
    ['/partners?status=all', '/partners?status=all'],
    ['/partners/1#invite', '/partners/1#invite'],
    ['/', '/'],
    ['/settings/team', '/settings/team'],
    ['/partners/./1', '/partners/1'],
    ['/a/../partners', '/partners'],
    ['/search?q=%2F%2Fnot-a-host', '/search?q=%2F%2Fnot-a-host'],
  ])('keeps the local path %s', (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected)
  })

  it.each([
    null,
    '',
    'https://evil.example',
    'https://evil',
    '//evil.example/x',
    '//evil',
    '/\\evil.example',
    '/\\evil',
    '/%5Cevil',
    '/%5cevil',
    '/%2F%2Fevil',
    '/.//evil.example',
    '/%2e//x',
    '/%2E//x',
    '/..//x',
    '/./%2e/..//x',
    '/%2e%2e//x',
    '\\\\evil',
    'javascript:alert(1)',
    'javascript:',
    '/\u0000x',
    '/\t/evil',
    42,
  ])('refuses %s', (input) => {
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

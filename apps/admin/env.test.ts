import { describe, expect, it } from 'vitest'
import { parseAdminEnv } from './env'

describe('admin env', () => {
  it('defaults the port and derives secure cookies from the URL', () => {
    expect(parseAdminEnv({})).toEqual({ ADMIN_PORT: 3000, ADMIN_URL: 'http://localhost:3000', COOKIE_SECURE: false })
    expect(parseAdminEnv({ ADMIN_URL: 'https://admin.example.com' }).COOKIE_SECURE).toBe(true)
    expect(parseAdminEnv({ ADMIN_URL: 'https://admin.example.com', COOKIE_SECURE: 'false' }).COOKIE_SECURE).toBe(false)
    expect(parseAdminEnv({ ADMIN_PORT: '3100', COOKIE_SECURE: '' }).ADMIN_PORT).toBe(3100)
  })

  it('names every bad variable', () => {
    expect(() => parseAdminEnv({ ADMIN_PORT: 'abc', COOKIE_SECURE: 'maybe' })).toThrow(/ADMIN_PORT[\s\S]*COOKIE_SECURE|COOKIE_SECURE[\s\S]*ADMIN_PORT/)
  })
})

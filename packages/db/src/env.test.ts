import { describe, expect, it } from 'vitest'
import { appDatabaseUrl, LOCAL_APP_DATABASE_PASSWORD, parseDbEnv } from './env.js'

const owner = 'postgres://postgres:owner-secret@db.internal:5432/accord'

describe('db env: production fails closed', () => {
  it('keeps the local password as the default outside production', () => {
    const env = parseDbEnv({ DATABASE_URL: owner })
    expect(env.APP_DATABASE_PASSWORD).toBe(LOCAL_APP_DATABASE_PASSWORD)
    expect(appDatabaseUrl(env)).toBe(`postgres://accord_app:${LOCAL_APP_DATABASE_PASSWORD}@db.internal:5432/accord`)
    expect(parseDbEnv({ DATABASE_URL: owner, NODE_ENV: 'production', ACCORD_PROFILE: 'local' }).APP_DATABASE_PASSWORD).toBe(LOCAL_APP_DATABASE_PASSWORD)
  })

  it('refuses the default password in production where it would be used', () => {
    // Derived runtime URL: the password must be given, and not the local one.
    expect(() => parseDbEnv({ NODE_ENV: 'production', DATABASE_URL: owner })).toThrow(/APP_DATABASE_PASSWORD: is required in production unless APP_DATABASE_URL is set/)
    expect(() => parseDbEnv({ NODE_ENV: 'production', DATABASE_URL: owner, APP_DATABASE_PASSWORD: LOCAL_APP_DATABASE_PASSWORD })).toThrow(/APP_DATABASE_PASSWORD: is the public local development password/)
    expect(() => parseDbEnv({ NODE_ENV: 'production', APP_DATABASE_URL: `postgres://accord_app:${LOCAL_APP_DATABASE_PASSWORD}@db:5432/accord` })).toThrow(/APP_DATABASE_URL: logs in with the public local development password/)
  })

  it('boots in production with a private password, or with an explicit runtime URL and no password', () => {
    expect(parseDbEnv({ NODE_ENV: 'production', DATABASE_URL: owner, APP_DATABASE_PASSWORD: 'a-private-password-123' }).APP_DATABASE_PASSWORD).toBe('a-private-password-123')
    expect(parseDbEnv({ NODE_ENV: 'production', APP_DATABASE_URL: 'postgres://accord_app:private@db:5432/accord' }).APP_DATABASE_URL).toContain('private')
  })
})

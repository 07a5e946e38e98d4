import { describe, expect, it } from 'vitest'
import { configuredEmailTransport } from './configured-transport.js'
import { emailMode, parseEmailEnv } from './env.js'

describe('email env', () => {
  it('defaults to local mode and the Accord sender', () => {
    const env = parseEmailEnv({ RESEND_API_KEY: '  ', EMAIL_FROM: '' })
    expect(env.EMAIL_FROM).toBe('Accord <no-reply@accord.localhost>')
    expect(emailMode(env)).toBe('local')
    expect(configuredEmailTransport(env)).toBeNull()
  })

  it('switches to Resend when a key is set', () => {
    const env = parseEmailEnv({ RESEND_API_KEY: 're_123', RESEND_BASE_URL: 'http://127.0.0.1:9999', EMAIL_FROM: 'Acme <a@acme.test>' })
    expect(emailMode(env)).toBe('resend')
    expect(configuredEmailTransport(env)?.name).toBe('resend')
  })

  it('rejects a base URL that is not a URL', () => {
    expect(() => parseEmailEnv({ RESEND_BASE_URL: 'nope' })).toThrow(/RESEND_BASE_URL/)
  })
})

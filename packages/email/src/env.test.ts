import { describe, expect, it } from 'vitest'
import { configuredEmailTransport } from './configured-transport.js'
import { emailMode, parseEmailEnv } from './env.js'
import { emailStreamOf, oneTimeSecretsOf } from './secrets.js'

describe('email env', () => {
  it('defaults to local mode and the Accord sender; without the dev mailbox nothing pretends to send', async () => {
    const env = parseEmailEnv({ RESEND_API_KEY: '  ', EMAIL_FROM: '' })
    expect(env.EMAIL_FROM).toBe('Accord <no-reply@accord.localhost>')
    expect(emailMode(env)).toBe('local')
    expect(env).toMatchObject({ RESEND_REQUESTS_PER_SECOND: 2, EMAIL_RETENTION_DAYS: 30, DEV_MAILBOX_LINK_MINUTES: 60 })
    const none = configuredEmailTransport(env)
    expect(none?.name).toBe('none')
    await expect(none?.send({ from: 'a@b.test', to: 'c@d.test', subject: 's', html: 'h', text: 't', idempotencyKey: 'k' })).rejects.toMatchObject({ retryable: false, code: 'no_provider' })
    expect(configuredEmailTransport(parseEmailEnv({ DEV_MAILBOX: 'on' }))).toBeNull()
  })

  it('switches to Resend when a key is set, paced at the configured rate', () => {
    const env = parseEmailEnv({ RESEND_API_KEY: 're_123', RESEND_BASE_URL: 'http://127.0.0.1:9999', EMAIL_FROM: 'Acme <a@acme.test>', RESEND_REQUESTS_PER_SECOND: '10' })
    expect(emailMode(env)).toBe('resend')
    const transport = configuredEmailTransport(env)
    expect(transport?.name).toBe('resend')
    expect(transport?.pacing?.requestsPerSecond).toBe(10)
    // The API key is named by a hash, never stored.
    expect(transport?.pacing?.key).toMatch(/^resend:[0-9a-f]{16}$/)
    expect(transport?.pacing?.key).not.toContain('re_123')
  })

  it('rejects a base URL that is not a URL', () => {
    expect(() => parseEmailEnv({ RESEND_BASE_URL: 'nope' })).toThrow(/RESEND_BASE_URL/)
  })

  it('refuses the dev mailbox on an admin app that is not on this machine, in every profile', () => {
    for (const profile of [{}, { NODE_ENV: 'production' }, { NODE_ENV: 'production', ACCORD_PROFILE: 'local' }]) {
      expect(() => parseEmailEnv({ ...profile, DEV_MAILBOX: 'on', ADMIN_URL: 'https://admin.example.com' })).toThrow(/DEV_MAILBOX: must be off when ADMIN_URL \(https:\/\/admin\.example\.com\) is not a localhost address/)
      expect(parseEmailEnv({ ...profile, DEV_MAILBOX: 'off', ADMIN_URL: 'https://admin.example.com' }).DEV_MAILBOX).toBe('off')
    }
    for (const local of ['http://localhost:3000', 'http://northwind.localhost:3000', 'http://127.0.0.1:4100', 'http://[::1]:3000']) {
      expect(parseEmailEnv({ NODE_ENV: 'production', DEV_MAILBOX: 'on', ADMIN_URL: local }).DEV_MAILBOX).toBe('on')
    }
    // Names look-alikes as public.
    expect(() => parseEmailEnv({ DEV_MAILBOX: 'on', ADMIN_URL: 'http://localhost.example.com' })).toThrow(/DEV_MAILBOX/)
  })
})

describe('mail streams and one-time secrets', () => {
  const brand = { name: 'Acme', logoUrl: null, primaryColor: '#2563eb', supportEmail: null }
  it('sends sign-in, reset, invitation and verification mail as transactional, the rest in batches', () => {
    expect(['verify-email', 'password-reset', 'staff-invitation', 'partner-invitation', 'magic-link'].map(emailStreamOf)).toEqual(Array(5).fill('transactional'))
    expect(['registration-update', 'announcement', 'anything-new'].map(emailStreamOf)).toEqual(['bulk', 'bulk', 'bulk'])
  })

  it('names the secret link of every template that carries one', () => {
    expect(oneTimeSecretsOf({ name: 'magic-link', props: { brand, recipientName: 'A', signInUrl: 'https://p.test/magic/tok', expiresInMinutes: 15 } })).toEqual(['https://p.test/magic/tok'])
    expect(oneTimeSecretsOf({ name: 'verify-email', props: { brand, recipientName: 'A', verifyUrl: 'https://a.test/verify-email/tok' } })).toEqual(['https://a.test/verify-email/tok'])
    expect(oneTimeSecretsOf({ name: 'password-reset', props: { brand, recipientName: 'A', resetUrl: 'https://a.test/reset/tok', expiresInMinutes: 60 } })).toEqual(['https://a.test/reset/tok'])
    expect(oneTimeSecretsOf({ name: 'staff-invitation', props: { brand, inviterName: 'G', recipientName: null, role: 'Admin', acceptUrl: 'https://a.test/invite/tok', expiresAt: '2026-12-01T00:00:00Z' } })).toEqual(['https://a.test/invite/tok'])
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEmailEnv } from './env.js'
import { authoriseInbound, fetchReceivedEmail, signResendWebhook, verifyResendWebhook } from './inbound.js'
import { type FakeResendServer, startFakeResendServer } from './testing/fake-resend-server.js'

let resend: FakeResendServer
beforeAll(async () => {
  resend = await startFakeResendServer()
})
afterAll(async () => {
  await resend.close()
})

const secret = `whsec_${Buffer.from('a-test-signing-secret-of-32-bytes!').toString('base64')}`
const now = new Date('2026-11-23T12:00:00Z')
const timestamp = Math.floor(now.getTime() / 1000)

describe('inbound e-mail', () => {
  it('verifies Resend (Svix) webhook signatures and refuses tampering and replays', () => {
    const body = JSON.stringify({ type: 'email.received', data: { email_id: 'abc' } })
    const signature = signResendWebhook(secret, 'msg_1', timestamp, body)
    expect(verifyResendWebhook(secret, { id: 'msg_1', timestamp: String(timestamp), signature }, body, now)).toBe(true)
    expect(verifyResendWebhook(secret, { id: 'msg_1', timestamp: String(timestamp), signature: `v1,bogus ${signature}` }, body, now)).toBe(true)
    expect(verifyResendWebhook(secret, { id: 'msg_1', timestamp: String(timestamp), signature }, `${body} `, now)).toBe(false)
    expect(verifyResendWebhook(secret, { id: 'msg_2', timestamp: String(timestamp), signature }, body, now)).toBe(false)
    expect(verifyResendWebhook(secret, { id: 'msg_1', timestamp: String(timestamp - 3600), signature: signResendWebhook(secret, 'msg_1', timestamp - 3600, body) }, body, now)).toBe(false)
  })

  it('lets in: a valid signature, the bearer token, or the local stack; nothing unconfigured in production', () => {
    const body = '{}'
    const signed = { authorization: null, svixId: 'm', svixTimestamp: String(timestamp), svixSignature: signResendWebhook(secret, 'm', timestamp, body), body }
    expect(authoriseInbound(signed, parseEmailEnv({ RESEND_WEBHOOK_SECRET: secret }), now)).toEqual({ ok: true, via: 'resend_signature' })
    expect(authoriseInbound({ ...signed, svixSignature: 'v1,wrong' }, parseEmailEnv({ RESEND_WEBHOOK_SECRET: secret }), now)).toMatchObject({ ok: false, status: 401 })
    const plain = { authorization: 'Bearer relay-token-123', svixId: null, svixTimestamp: null, svixSignature: null, body }
    expect(authoriseInbound(plain, parseEmailEnv({ INBOUND_EMAIL_TOKEN: 'relay-token-123' }), now)).toEqual({ ok: true, via: 'token' })
    expect(authoriseInbound({ ...plain, authorization: 'Bearer nope' }, parseEmailEnv({ INBOUND_EMAIL_TOKEN: 'relay-token-123' }), now)).toMatchObject({ ok: false, status: 401 })
    expect(authoriseInbound(plain, parseEmailEnv({ DEV_MAILBOX: 'on' }), now)).toEqual({ ok: true, via: 'local' })
    expect(authoriseInbound(plain, parseEmailEnv({}), now)).toMatchObject({ ok: false, status: 503 })
  })

  it('fetches a received message body through the real SDK', async () => {
    const id = resend.addReceivedEmail({ from: 'Rita <rita@partner.com>', to: ['registrations+acme@inbound.example'], subject: 'Lead: Acme', text: 'Company: Acme' })
    const email = (await fetchReceivedEmail({ apiKey: resend.apiKey, baseUrl: resend.url }, id)) as { subject: string; text: string }
    expect(email).toMatchObject({ subject: 'Lead: Acme', text: 'Company: Acme' })
    await expect(fetchReceivedEmail({ apiKey: resend.apiKey, baseUrl: resend.url }, 'missing')).rejects.toThrow(/could not return/)
  })
})

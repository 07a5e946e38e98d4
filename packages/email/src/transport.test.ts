import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FakeResendServer, startFakeResendServer } from './testing/fake-resend-server.js'
import { createResendTransport, EmailSendError, type OutgoingEmail } from './transport.js'

let server: FakeResendServer

beforeAll(async () => {
  server = await startFakeResendServer()
})
afterAll(async () => {
  await server.close()
})
beforeEach(() => server.reset())

function message(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    from: 'Acme Partners <partners@acme.test>',
    to: 'ada@example.com',
    replyTo: 'support@acme.test',
    subject: 'Hello',
    html: '<p>Hello</p>',
    text: 'Hello',
    idempotencyKey: 'outbox-1',
    ...overrides,
  }
}

async function sendError(promise: Promise<unknown>): Promise<EmailSendError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(EmailSendError)
  return error as EmailSendError
}

describe('Resend transport through the real SDK', () => {
  it('sends with bearer auth, the idempotency key and Resend field names', async () => {
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    const { providerMessageId } = await transport.send(message())
    expect(server.accepted).toHaveLength(1)
    const [accepted] = server.accepted
    expect(accepted).toMatchObject({ id: providerMessageId, from: 'Acme Partners <partners@acme.test>', to: ['ada@example.com'], replyTo: ['support@acme.test'], subject: 'Hello', text: 'Hello', idempotencyKey: 'outbox-1' })
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${server.apiKey}`)
  })

  it('returns the same id for a repeated idempotency key and accepts the message once', async () => {
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    const first = await transport.send(message())
    const second = await transport.send(message())
    expect(second.providerMessageId).toBe(first.providerMessageId)
    expect(server.accepted).toHaveLength(1)
    expect(server.requests).toHaveLength(2)
  })

  it('treats rate limits as retryable and reports retry-after', async () => {
    server.failNext(1, { kind: 'rate_limit', retryAfterSeconds: 3 })
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    const error = await sendError(transport.send(message()))
    expect(error).toMatchObject({ retryable: true, statusCode: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 3 })
    // The next attempt with the same key goes through.
    await transport.send(message())
    expect(server.accepted).toHaveLength(1)
  })

  it('treats server errors and dropped connections as retryable', async () => {
    server.failNext(1, { kind: 'server_error' })
    server.failNext(1, { kind: 'network' })
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    expect(await sendError(transport.send(message()))).toMatchObject({ retryable: true, statusCode: 500, code: 'internal_server_error' })
    expect(await sendError(transport.send(message()))).toMatchObject({ retryable: true, statusCode: null })
    expect(server.accepted).toHaveLength(0)
  })

  it('treats an unreachable provider as retryable', async () => {
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: 'http://127.0.0.1:1' })
    expect(await sendError(transport.send(message()))).toMatchObject({ retryable: true, statusCode: null })
  })

  it('treats validation errors as permanent', async () => {
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    expect(await sendError(transport.send(message({ to: 'not-an-address' })))).toMatchObject({ retryable: false, statusCode: 422, code: 'validation_error' })
    expect(await sendError(transport.send(message({ from: 'nobody', idempotencyKey: 'outbox-2' })))).toMatchObject({ retryable: false, statusCode: 422, code: 'invalid_from_address' })
    expect(server.accepted).toHaveLength(0)
  })

  it('rejects a reused key with a different payload as permanent', async () => {
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    await transport.send(message())
    expect(await sendError(transport.send(message({ subject: 'Changed' })))).toMatchObject({ retryable: false, statusCode: 409, code: 'invalid_idempotent_request' })
  })

  it('rejects a wrong API key as permanent', async () => {
    const transport = createResendTransport({ apiKey: 're_wrong', baseUrl: server.url })
    expect(await sendError(transport.send(message()))).toMatchObject({ retryable: false, statusCode: 403, code: 'invalid_api_key' })
  })

  it('answers a missing bearer token with 401 in Resend’s error format', async () => {
    const response = await fetch(`${server.url}/emails`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ statusCode: 401, name: 'missing_api_key' })
  })
})

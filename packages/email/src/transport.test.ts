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

describe('Resend batch endpoint through the real SDK', () => {
  const batch = (count: number, overrides: (index: number) => Partial<OutgoingEmail> = () => ({})) =>
    Array.from({ length: count }, (_unused, index) => {
      const { idempotencyKey: _key, ...rest } = message({ to: `person${index}@example.com`, subject: `Hello ${index}`, ...overrides(index) })
      return rest
    })

  it('sends up to 100 messages in one request with one idempotency key, and a repeat sends nobody twice', async () => {
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    const first = await transport.sendBatch?.(batch(3), { idempotencyKey: 'accord-batch/1' })
    expect(first).toHaveLength(3)
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0]).toMatchObject({ path: '/emails/batch', status: 200 })
    expect(server.requests[0]?.headers['idempotency-key']).toBe('accord-batch/1')
    expect(server.requests[0]?.headers['x-batch-validation']).toBe('permissive')
    expect(server.accepted.map((email) => [email.to[0], email.batchIndex, email.idempotencyKey])).toEqual([
      ['person0@example.com', 0, 'accord-batch/1'],
      ['person1@example.com', 1, 'accord-batch/1'],
      ['person2@example.com', 2, 'accord-batch/1'],
    ])
    expect(first).toEqual(server.accepted.map((email) => ({ ok: true, providerMessageId: email.id })))

    const again = await transport.sendBatch?.(batch(3), { idempotencyKey: 'accord-batch/1' })
    expect(again).toEqual(first)
    expect(server.accepted).toHaveLength(3)
    // The same key with other messages is a bug, not a retry.
    await expect(transport.sendBatch?.(batch(2), { idempotencyKey: 'accord-batch/1' })).rejects.toMatchObject({ retryable: false, statusCode: 409 })
  })

  it('refuses one bad address without losing the rest of the batch', async () => {
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    const results = await transport.sendBatch?.(batch(3, (index) => (index === 1 ? { to: 'not-an-address' } : {})), { idempotencyKey: 'accord-batch/2' })
    expect(results?.map((result) => result.ok)).toEqual([true, false, true])
    expect(results?.[1]).toMatchObject({ ok: false, error: expect.stringContaining('Invalid `to` field') })
    expect(server.accepted.map((email) => email.to[0])).toEqual(['person0@example.com', 'person2@example.com'])
    expect(results?.[2]).toEqual({ ok: true, providerMessageId: server.accepted[1]?.id })
  })

  it('answers a strict batch with one bad message with a 422 naming it', async () => {
    const response = await fetch(`${server.url}/emails/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ from: 'a@acme.test', to: 'b@acme.test', subject: 'x', text: 'y' }, { from: 'a@acme.test', to: 'nope', subject: 'x', text: 'y' }]),
    })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({ statusCode: 422, name: 'validation_error', message: expect.stringMatching(/^emails\[1\]/) })
    expect(server.accepted).toHaveLength(0)
  })

  it('refuses more than 100 messages before sending anything', async () => {
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    await expect(transport.sendBatch?.(batch(101), { idempotencyKey: 'accord-batch/3' })).rejects.toThrow(/at most 100/)
    expect(server.requests).toHaveLength(0)
  })

  it('treats a rate-limited or failed batch as retryable', async () => {
    server.failNext(1, { kind: 'rate_limit', retryAfterSeconds: 2 })
    server.failNext(1, { kind: 'server_error', status: 502 })
    const transport = createResendTransport({ apiKey: server.apiKey, baseUrl: server.url })
    expect(await sendError(transport.sendBatch?.(batch(2), { idempotencyKey: 'accord-batch/4' }) as Promise<unknown>)).toMatchObject({ retryable: true, statusCode: 429, retryAfterSeconds: 2 })
    expect(await sendError(transport.sendBatch?.(batch(2), { idempotencyKey: 'accord-batch/4' }) as Promise<unknown>)).toMatchObject({ retryable: true, statusCode: 502 })
    expect(await transport.sendBatch?.(batch(2), { idempotencyKey: 'accord-batch/4' })).toHaveLength(2)
    expect(server.accepted).toHaveLength(2)
  })
})

describe('the fake server’s rate limit', () => {
  it('answers with ratelimit headers and 429 + retry-after beyond the configured requests per second', async () => {
    const limited = await startFakeResendServer({ requestsPerSecond: 2 })
    try {
      const transport = createResendTransport({ apiKey: limited.apiKey, baseUrl: limited.url })
      await transport.send(message({ idempotencyKey: 'r1' }))
      await transport.send(message({ idempotencyKey: 'r2' }))
      const error = await sendError(transport.send(message({ idempotencyKey: 'r3' })))
      expect(error).toMatchObject({ retryable: true, statusCode: 429, code: 'rate_limit_exceeded' })
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1)
      expect(limited.rateLimited).toBe(1)
      expect(limited.requests.map((request) => request.status)).toEqual([200, 200, 429])
      const response = await fetch(`${limited.url}/emails`, { method: 'POST', headers: { authorization: `Bearer ${limited.apiKey}` }, body: '{}' })
      expect(response.headers.get('ratelimit-limit')).toBe('2')
      expect(response.headers.get('ratelimit-remaining')).toBe('0')
      expect(response.headers.get('retry-after')).toBe('1')
      // After a second the bucket has room again.
      await new Promise((resolve) => setTimeout(resolve, 1100))
      await transport.send(message({ idempotencyKey: 'r4' }))
      expect(limited.accepted).toHaveLength(3)
    } finally {
      await limited.close()
    }
  })
})

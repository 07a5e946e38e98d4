import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local stand-in for the Resend API (POST /emails, POST /emails/batch,
 * GET /emails/receiving/:id) that speaks its wire format: Bearer auth,
 * `{ statusCode, name, message }` error bodies, 422 validation errors,
 * Idempotency-Key replay (per request, so one key per batch), batch
 * validation modes (`x-batch-validation: strict | permissive`, the latter
 * answering `{ data, errors: [{ index, message }] }`), and — when started
 * with `requestsPerSecond` — Resend's rate limit: `ratelimit-*` headers on
 * every answer and 429 with `retry-after` beyond it (a token bucket holding
 * one second's worth). Tests drive the real `resend` SDK against it via `baseUrl`.
 */

export interface AcceptedEmail {
  id: string
  from: string
  to: string[]
  subject: string
  html?: string
  text?: string
  replyTo?: string[]
  idempotencyKey: string | null
  /** Position in its batch request; null for a single send. */
  batchIndex: number | null
  receivedAt: Date
}

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
  /** Status the fake answered with (0 when the connection was dropped). */
  status: number
}

export type InjectedFault =
  | { kind: 'rate_limit'; retryAfterSeconds?: number }
  | { kind: 'server_error'; status?: 500 | 502 | 503 }
  /** Drop the connection without answering. */
  | { kind: 'network' }

export interface FakeResendServer {
  /** Pass as the SDK's `baseUrl`. */
  url: string
  apiKey: string
  /** Every message accepted once (replays of an idempotency key are not repeated here). */
  accepted: AcceptedEmail[]
  /** Every request that reached the server, in order. */
  requests: RecordedRequest[]
  /** The next `count` POST /emails or /emails/batch requests (after auth) get this fault instead of being processed. */
  failNext(count: number, fault: InjectedFault): void
  /** Requests refused with 429 because they went over `requestsPerSecond` (injected faults not counted). */
  readonly rateLimited: number
  /** Store a received (inbound) e-mail as Resend would; returns its id for the webhook. */
  addReceivedEmail(email: { from: string; to: string[]; subject: string; text?: string | null; html?: string | null; messageId?: string; headers?: Record<string, string> }): string
  reset(): void
  close(): Promise<void>
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/
const NAMED_EMAIL = /^[^<>]*<([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)>$/

function isAddress(value: string): boolean {
  return EMAIL.test(value) || NAMED_EMAIL.test(value.trim())
}

function asList(value: unknown): string[] | null {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[]
  return null
}

type Validated = { ok: true; email: Omit<AcceptedEmail, 'id' | 'idempotencyKey' | 'batchIndex' | 'receivedAt'> } | { ok: false; name: string; message: string }

/** One message as Resend checks it: required fields, address formats, html or text. */
function validateEmail(value: unknown, options: { batch: boolean }): Validated {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, name: 'validation_error', message: 'Invalid email object.' }
  const payload = value as Record<string, unknown>
  for (const field of ['from', 'to', 'subject'] as const) {
    if (payload[field] === undefined || payload[field] === '') return { ok: false, name: 'missing_required_field', message: `Missing \`${field}\` field.` }
  }
  if (typeof payload.from !== 'string' || !isAddress(payload.from)) {
    return { ok: false, name: 'invalid_from_address', message: 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.' }
  }
  const to = asList(payload.to)
  if (!to || to.length === 0 || to.length > 50 || !to.every(isAddress)) {
    return { ok: false, name: 'validation_error', message: 'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.' }
  }
  const replyTo = payload.reply_to === undefined ? undefined : asList(payload.reply_to)
  if (replyTo === null || (replyTo && !replyTo.every(isAddress))) {
    return { ok: false, name: 'validation_error', message: 'Invalid `reply_to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.' }
  }
  if (typeof payload.subject !== 'string') return { ok: false, name: 'validation_error', message: 'Invalid `subject` field.' }
  if (typeof payload.html !== 'string' && typeof payload.text !== 'string') return { ok: false, name: 'validation_error', message: 'Missing `html` or `text` field.' }
  if (options.batch && (payload.attachments !== undefined || payload.scheduled_at !== undefined)) {
    return { ok: false, name: 'validation_error', message: 'Attachments and scheduled sending are not supported in batch requests.' }
  }
  return {
    ok: true,
    email: {
      from: payload.from,
      to,
      subject: payload.subject,
      html: typeof payload.html === 'string' ? payload.html : undefined,
      text: typeof payload.text === 'string' ? payload.text : undefined,
      replyTo,
    },
  }
}

export async function startFakeResendServer(options: { apiKey?: string; requestsPerSecond?: number } = {}): Promise<FakeResendServer> {
  const apiKey = options.apiKey ?? `re_test_${randomUUID().replaceAll('-', '')}`
  const accepted: AcceptedEmail[] = []
  const requests: RecordedRequest[] = []
  // Per key: the request's body hash and the exact answer, replayed for a repeat.
  const idempotency = new Map<string, { bodyHash: string; status: number; payload: unknown }>()
  let faults: InjectedFault[] = []
  const received = new Map<string, Record<string, unknown>>()
  const limit = options.requestsPerSecond ?? null
  let tokens = limit ?? 0
  let refilledAt = performance.now()
  let rateLimited = 0

  /** Take one request from the bucket; null = allowed, else seconds until one is free. */
  function takeToken(): number | null {
    if (limit === null) return null
    const now = performance.now()
    tokens = Math.min(limit, tokens + ((now - refilledAt) / 1000) * limit)
    refilledAt = now
    if (tokens >= 1) {
      tokens -= 1
      return null
    }
    return (1 - tokens) / limit
  }

  function rateHeaders(): Record<string, string> {
    if (limit === null) return {}
    return { 'ratelimit-limit': String(limit), 'ratelimit-remaining': String(Math.max(0, Math.floor(tokens))), 'ratelimit-reset': String(Math.max(1, Math.ceil((1 - Math.min(1, tokens)) / limit))) }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const record: RecordedRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', headers: req.headers, body, status: 0 }
      requests.push(record)
      handle(req, res, record)
    })
  })

  function reply(res: ServerResponse, record: RecordedRequest, status: number, payload: unknown, headers: Record<string, string> = {}) {
    record.status = status
    res.writeHead(status, { 'content-type': 'application/json', ...rateHeaders(), ...headers })
    res.end(JSON.stringify(payload))
  }

  function error(res: ServerResponse, record: RecordedRequest, status: number, name: string, message: string, headers: Record<string, string> = {}) {
    reply(res, record, status, { statusCode: status, name, message }, headers)
  }

  function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest) {
    const receiving = /^\/emails\/receiving\/([^/]+)$/.exec(record.path)
    if (receiving) {
      if (record.method !== 'GET') return error(res, record, 405, 'method_not_allowed', 'Method is not allowed for the requested path.')
      if (req.headers.authorization !== `Bearer ${apiKey}`) return error(res, record, 401, 'missing_api_key', 'Missing API key in the authorization header.')
      const email = received.get(decodeURIComponent(receiving[1] ?? ''))
      if (!email) return error(res, record, 404, 'not_found', 'Email not found')
      return reply(res, record, 200, email)
    }
    const batch = record.path === '/emails/batch'
    if (record.path !== '/emails' && !batch) return error(res, record, 404, 'not_found', 'The requested endpoint does not exist.')
    if (record.method !== 'POST') return error(res, record, 405, 'method_not_allowed', 'Method is not allowed for the requested path.')

    const authorization = req.headers.authorization
    if (!authorization?.startsWith('Bearer ') || authorization.length <= 'Bearer '.length) {
      return error(res, record, 401, 'missing_api_key', 'Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY')
    }
    if (authorization.slice('Bearer '.length) !== apiKey) return error(res, record, 403, 'invalid_api_key', 'API key is invalid')

    const fault = faults.shift()
    if (fault?.kind === 'network') {
      record.status = 0
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'rate_limit') {
      const retryAfter = String(fault.retryAfterSeconds ?? 1)
      return error(res, record, 429, 'rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.', {
        'retry-after': retryAfter,
        'ratelimit-limit': '2',
        'ratelimit-remaining': '0',
        'ratelimit-reset': retryAfter,
      })
    }
    if (fault?.kind === 'server_error') return error(res, record, fault.status ?? 500, 'internal_server_error', 'An unexpected error occurred.')

    const wait = takeToken()
    if (wait !== null) {
      rateLimited += 1
      const retryAfter = String(Math.max(1, Math.ceil(wait)))
      return error(res, record, 429, 'rate_limit_exceeded', `Too many requests. You can only make ${limit} requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.`, { 'retry-after': retryAfter, 'ratelimit-reset': retryAfter })
    }

    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null
    if (idempotencyKey !== null && (idempotencyKey.length < 1 || idempotencyKey.length > 256)) {
      return error(res, record, 400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.')
    }

    let parsed: unknown
    try {
      parsed = JSON.parse(record.body)
    } catch {
      return error(res, record, 422, 'validation_error', 'Invalid JSON body.')
    }

    const bodyHash = createHash('sha256').update(record.body).digest('hex')
    // Batch and single-send keys live apart, as at Resend.
    const replayKey = idempotencyKey === null ? null : `${batch ? 'batch' : 'single'}:${idempotencyKey}`
    if (replayKey !== null) {
      const previous = idempotency.get(replayKey)
      if (previous && previous.bodyHash !== bodyHash) {
        return error(res, record, 409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload. Change your idempotency key or payload.')
      }
      if (previous) return reply(res, record, previous.status, previous.payload)
    }
    const remember = (status: number, payload: unknown) => {
      if (replayKey !== null) idempotency.set(replayKey, { bodyHash, status, payload })
      return reply(res, record, status, payload)
    }

    if (!batch) {
      const checked = validateEmail(parsed, { batch: false })
      if (!checked.ok) return error(res, record, 422, checked.name, checked.message)
      const id = randomUUID()
      accepted.push({ id, ...checked.email, idempotencyKey, batchIndex: null, receivedAt: new Date() })
      return remember(200, { id })
    }

    if (!Array.isArray(parsed)) return error(res, record, 422, 'validation_error', 'The batch must be an array of emails.')
    if (parsed.length === 0) return error(res, record, 422, 'validation_error', 'The batch must contain at least one email.')
    if (parsed.length > 100) return error(res, record, 422, 'validation_error', 'Too many emails in the batch. The maximum is 100.')
    const mode = req.headers['x-batch-validation'] === 'permissive' ? 'permissive' : 'strict'
    const checked = parsed.map((item) => validateEmail(item, { batch: true }))
    if (mode === 'strict') {
      const index = checked.findIndex((result) => !result.ok)
      const first = checked[index]
      if (first && !first.ok) return error(res, record, 422, first.name, `emails[${index}]: ${first.message}`)
    }
    const data: Array<{ id: string }> = []
    const errors: Array<{ index: number; message: string }> = []
    checked.forEach((result, index) => {
      if (!result.ok) {
        errors.push({ index, message: result.message })
        return
      }
      const id = randomUUID()
      data.push({ id })
      accepted.push({ id, ...result.email, idempotencyKey, batchIndex: index, receivedAt: new Date() })
    })
    return remember(200, mode === 'permissive' ? { data, errors } : { data })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    accepted,
    requests,
    get rateLimited() {
      return rateLimited
    },
    failNext(count, fault) {
      for (let i = 0; i < count; i += 1) faults.push(fault)
    },
    addReceivedEmail(email) {
      const id = randomUUID()
      // The shape of GET /emails/receiving/:id (GetReceivingEmailResponseSuccess in the SDK).
      received.set(id, {
        object: 'email',
        id,
        to: email.to,
        from: email.from,
        created_at: new Date().toISOString(),
        subject: email.subject,
        bcc: null,
        cc: null,
        reply_to: null,
        received_for: email.to,
        html: email.html ?? null,
        text: email.text ?? null,
        headers: { ...email.headers, 'message-id': email.messageId ?? `<${id}@inbound.resend.test>` },
        message_id: email.messageId ?? `<${id}@inbound.resend.test>`,
        raw: null,
        attachments: [],
      })
      return id
    },
    reset() {
      received.clear()
      accepted.length = 0
      requests.length = 0
      idempotency.clear()
      faults = []
      rateLimited = 0
      tokens = limit ?? 0
      refilledAt = performance.now()
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local stand-in for the Resend API (POST /emails, GET /emails/receiving/:id) that speaks its wire
 * format: Bearer auth, `{ statusCode, name, message }` error bodies, 422
 * validation errors, Idempotency-Key replay, 429 with rate-limit headers.
 * Tests drive the real `resend` SDK against it via `baseUrl`.
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
  /** The next `count` POST /emails requests (after auth) get this fault instead of being processed. */
  failNext(count: number, fault: InjectedFault): void
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

export async function startFakeResendServer(options: { apiKey?: string } = {}): Promise<FakeResendServer> {
  const apiKey = options.apiKey ?? `re_test_${randomUUID().replaceAll('-', '')}`
  const accepted: AcceptedEmail[] = []
  const requests: RecordedRequest[] = []
  const idempotency = new Map<string, { bodyHash: string; id: string }>()
  let faults: InjectedFault[] = []
  const received = new Map<string, Record<string, unknown>>()

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
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
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
    if (record.path !== '/emails') return error(res, record, 404, 'not_found', 'The requested endpoint does not exist.')
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

    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null
    if (idempotencyKey !== null && (idempotencyKey.length < 1 || idempotencyKey.length > 256)) {
      return error(res, record, 400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.')
    }

    let payload: Record<string, unknown>
    try {
      const parsed: unknown = JSON.parse(record.body)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
      payload = parsed as Record<string, unknown>
    } catch {
      return error(res, record, 422, 'validation_error', 'Invalid JSON body.')
    }

    const bodyHash = createHash('sha256').update(record.body).digest('hex')
    if (idempotencyKey !== null) {
      const previous = idempotency.get(idempotencyKey)
      if (previous && previous.bodyHash !== bodyHash) {
        return error(res, record, 409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload. Change your idempotency key or payload.')
      }
      if (previous) return reply(res, record, 200, { id: previous.id })
    }

    for (const field of ['from', 'to', 'subject'] as const) {
      if (payload[field] === undefined || payload[field] === '') return error(res, record, 422, 'missing_required_field', `Missing \`${field}\` field.`)
    }
    if (typeof payload.from !== 'string' || !isAddress(payload.from)) {
      return error(res, record, 422, 'invalid_from_address', 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.')
    }
    const to = asList(payload.to)
    if (!to || to.length === 0 || to.length > 50 || !to.every(isAddress)) {
      return error(res, record, 422, 'validation_error', 'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.')
    }
    const replyTo = payload.reply_to === undefined ? undefined : asList(payload.reply_to)
    if (replyTo === null || (replyTo && !replyTo.every(isAddress))) {
      return error(res, record, 422, 'validation_error', 'Invalid `reply_to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.')
    }
    if (typeof payload.subject !== 'string') return error(res, record, 422, 'validation_error', 'Invalid `subject` field.')
    if (typeof payload.html !== 'string' && typeof payload.text !== 'string') {
      return error(res, record, 422, 'validation_error', 'Missing `html` or `text` field.')
    }

    const id = randomUUID()
    if (idempotencyKey !== null) idempotency.set(idempotencyKey, { bodyHash, id })
    accepted.push({
      id,
      from: payload.from,
      to,
      subject: payload.subject,
      html: typeof payload.html === 'string' ? payload.html : undefined,
      text: typeof payload.text === 'string' ? payload.text : undefined,
      replyTo,
      idempotencyKey,
      receivedAt: new Date(),
    })
    return reply(res, record, 200, { id })
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
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

import { createHash } from 'node:crypto'
import { type ErrorResponse, Resend } from 'resend'

/** One fully rendered message, ready for a provider. */
export interface OutgoingEmail {
  from: string
  to: string
  replyTo?: string | null
  subject: string
  html: string
  text: string
  /** Same key → the provider sends at most once (we use the outbox row id). */
  idempotencyKey: string
}

/** One message of a batch; the batch as a whole carries the idempotency key. */
export type OutgoingBatchEmail = Omit<OutgoingEmail, 'idempotencyKey'>

/** Per message, in the order sent: accepted with the provider's id, or refused for good (bad address …). */
export type BatchMessageResult = { ok: true; providerMessageId: string } | { ok: false; error: string }

/** Most messages one batch request may carry (Resend's limit). */
export const MAX_BATCH_SIZE = 100

export interface EmailTransport {
  /** Recorded on the outbox row (`transport` column); defaults to 'resend' when absent. */
  readonly name?: string
  /**
   * The provider's request budget: every process sending with the same `key`
   * shares `requestsPerSecond` (paced through the database). Absent: not paced.
   */
  readonly pacing?: { key: string; requestsPerSecond: number }
  send(message: OutgoingEmail): Promise<{ providerMessageId: string }>
  /**
   * Up to MAX_BATCH_SIZE messages in one request. The same key with the same
   * messages is sent at most once (a retry gets the first answer back).
   * Throws EmailSendError when the request as a whole fails.
   */
  sendBatch?(messages: OutgoingBatchEmail[], options: { idempotencyKey: string }): Promise<BatchMessageResult[]>
}

/**
 * A provider refused or could not be reached. `retryable` decides between
 * "try again later" (rate limits, outages, network) and "this will never work"
 * (bad address, bad payload, bad credentials).
 */
export class EmailSendError extends Error {
  readonly retryable: boolean
  /** HTTP status; null when no response arrived (network, timeout). */
  readonly statusCode: number | null
  /** Provider error code, e.g. `rate_limit_exceeded`. */
  readonly code: string
  readonly retryAfterSeconds: number | null

  constructor(message: string, details: { retryable: boolean; statusCode: number | null; code: string; retryAfterSeconds?: number | null; cause?: unknown }) {
    super(message, { cause: details.cause })
    this.name = 'EmailSendError'
    this.retryable = details.retryable
    this.statusCode = details.statusCode
    this.code = details.code
    this.retryAfterSeconds = details.retryAfterSeconds ?? null
  }
}

export function isEmailSendError(error: unknown): error is EmailSendError {
  return error instanceof EmailSendError
}

/** 429, 5xx, no response, or a key still in flight elsewhere: worth retrying. Other 4xx: not. */
export function isRetryableStatus(statusCode: number | null, code: string): boolean {
  if (statusCode === null) return true
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return true
  return code === 'concurrent_idempotent_requests'
}

const DEFAULT_BASE_URL = 'https://api.resend.com'

export interface ResendTransportOptions {
  apiKey: string
  /** For tests and self-hosted proxies; default https://api.resend.com. */
  baseUrl?: string
  /** Give up on one request after this long (then it is retried by the job). */
  timeoutMs?: number
  /** The API key's rate limit (Resend's default: 2 requests per second). */
  requestsPerSecond?: number
}

/** Names an API key in the pacer table without storing it. */
export function pacingKeyOf(apiKey: string): string {
  return `resend:${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`
}

export function createResendTransport(options: ResendTransportOptions): EmailTransport {
  if (!options.apiKey) throw new Error('createResendTransport needs an API key')
  // baseUrl always passed: the SDK would otherwise read RESEND_BASE_URL from the environment itself.
  const resend = new Resend(options.apiKey, { baseUrl: (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/$/, '') })
  const timeoutMs = options.timeoutMs ?? 20_000
  return {
    name: 'resend',
    pacing: { key: pacingKeyOf(options.apiKey), requestsPerSecond: options.requestsPerSecond ?? 2 },
    async send(message) {
      let response: Awaited<ReturnType<typeof resend.emails.send>>
      try {
        response = await resend.emails.send(
          {
            from: message.from,
            to: message.to,
            replyTo: message.replyTo ?? undefined,
            subject: message.subject,
            html: message.html,
            text: message.text,
          },
          { idempotencyKey: message.idempotencyKey, signal: AbortSignal.timeout(timeoutMs) },
        )
      } catch (cause) {
        throw new EmailSendError('Could not reach the e-mail provider.', { retryable: true, statusCode: null, code: 'network_error', cause })
      }
      if (response.error) throw toSendError(response.error, response.headers)
      if (!response.data?.id) throw new EmailSendError('The e-mail provider accepted the message but returned no id.', { retryable: true, statusCode: null, code: 'malformed_response' })
      return { providerMessageId: response.data.id }
    },
    async sendBatch(messages, { idempotencyKey }) {
      if (messages.length === 0) return []
      if (messages.length > MAX_BATCH_SIZE) throw new Error(`A batch holds at most ${MAX_BATCH_SIZE} messages`)
      let response: Awaited<ReturnType<typeof resend.batch.send<{ batchValidation: 'permissive' }>>>
      try {
        response = await resend.batch.send(
          messages.map((message) => ({
            from: message.from,
            to: message.to,
            replyTo: message.replyTo ?? undefined,
            subject: message.subject,
            html: message.html,
            text: message.text,
          })),
          // Permissive: one bad address fails that message, not the other 99.
          { idempotencyKey, batchValidation: 'permissive', signal: AbortSignal.timeout(timeoutMs) },
        )
      } catch (cause) {
        throw new EmailSendError('Could not reach the e-mail provider.', { retryable: true, statusCode: null, code: 'network_error', cause })
      }
      if (response.error) throw toSendError(response.error, response.headers)
      const accepted = response.data?.data
      if (!Array.isArray(accepted)) throw new EmailSendError('The e-mail provider answered the batch without ids.', { retryable: true, statusCode: null, code: 'malformed_response' })
      const refused = new Map((response.data?.errors ?? []).map((error) => [error.index, error.message]))
      // Accepted ids come in request order, skipping the refused messages.
      const results: BatchMessageResult[] = []
      let next = 0
      for (let index = 0; index < messages.length; index += 1) {
        const refusal = refused.get(index)
        if (refusal !== undefined) {
          results.push({ ok: false, error: refusal })
          continue
        }
        const id = accepted[next++]?.id
        if (!id) throw new EmailSendError('The e-mail provider answered the batch with fewer ids than messages.', { retryable: true, statusCode: null, code: 'malformed_response' })
        results.push({ ok: true, providerMessageId: id })
      }
      return results
    },
  }
}

function toSendError(error: ErrorResponse, headers: Record<string, string> | null): EmailSendError {
  const statusCode = typeof error.statusCode === 'number' ? error.statusCode : null
  const retryAfter = Number(headers?.['retry-after'])
  return new EmailSendError(`Resend ${statusCode ?? 'network'} ${error.name}: ${error.message}`, {
    retryable: isRetryableStatus(statusCode, error.name),
    statusCode,
    code: error.name,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
  })
}

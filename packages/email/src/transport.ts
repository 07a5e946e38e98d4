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

export interface EmailTransport {
  /** Recorded on the outbox row (`transport` column); defaults to 'resend' when absent. */
  readonly name?: string
  send(message: OutgoingEmail): Promise<{ providerMessageId: string }>
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
}

export function createResendTransport(options: ResendTransportOptions): EmailTransport {
  if (!options.apiKey) throw new Error('createResendTransport needs an API key')
  // baseUrl always passed: the SDK would otherwise read RESEND_BASE_URL from the environment itself.
  const resend = new Resend(options.apiKey, { baseUrl: (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/$/, '') })
  const timeoutMs = options.timeoutMs ?? 20_000
  return {
    name: 'resend',
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

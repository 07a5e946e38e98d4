/**
 * The one error a guarded request fails with. Its `message` is safe to show
 * a tenant: it names the service and the kind of failure, never the remote
 * answer, the address or the socket error, so a form cannot be turned into a
 * probe of the network behind Accord. `detail` and `cause` are for server
 * logs only.
 */

export type OutboundFailure =
  /** The URL, a redirect or a resolved address is not one the policy and settings allow. No connection was made. */
  | 'not_allowed'
  /** A redirect when the caller asked for none. */
  | 'redirected'
  /** DNS, connection, TLS or the connection dropped. */
  | 'unreachable'
  /** No complete answer within the time limit. */
  | 'timeout'
  /** The answer was larger than the cap. */
  | 'too_large'
  /** An answer came, with an HTTP status the caller treats as failure. */
  | 'http_status'

const CODES = {
  not_allowed: 'EOUTBOUND_NOT_ALLOWED',
  redirected: 'EOUTBOUND_REDIRECTED',
  unreachable: 'EOUTBOUND_UNREACHABLE',
  timeout: 'EOUTBOUND_TIMEOUT',
  too_large: 'EOUTBOUND_TOO_LARGE',
  http_status: 'EOUTBOUND_HTTP_STATUS',
} as const satisfies Record<OutboundFailure, string>

export type OutboundErrorCode = (typeof CODES)[OutboundFailure]

const FAILURE_BY_CODE = new Map<string, OutboundFailure>(Object.entries(CODES).map(([failure, code]) => [code, failure as OutboundFailure]))

export function describeOutboundFailure(service: string, failure: OutboundFailure, status?: number): string {
  switch (failure) {
    case 'not_allowed':
      return `Could not reach ${service} (the address is not allowed).`
    case 'redirected':
      return `Could not reach ${service} (it answered with a redirect).`
    case 'unreachable':
      return `Could not reach ${service} (no connection).`
    case 'timeout':
      return `Could not reach ${service} (no answer in time).`
    case 'too_large':
      return `Could not reach ${service} (the answer was too large).`
    case 'http_status':
      return `Could not reach ${service} (HTTP ${status ?? 'error'}).`
  }
}

export class OutboundError extends Error {
  override readonly name = 'OutboundError'
  /**
   * Survives wrappers that keep only an error's code (node-fetch's FetchError
   * copies `code` from the socket error it wraps).
   */
  readonly code: OutboundErrorCode
  readonly status: number | undefined

  constructor(
    readonly failure: OutboundFailure,
    readonly service: string,
    options: { status?: number; detail?: string; cause?: unknown } = {},
  ) {
    super(describeOutboundFailure(service, failure, options.status), options.cause === undefined ? undefined : { cause: options.cause })
    this.code = CODES[failure]
    this.status = options.status
    this.detail = options.detail ?? failure
  }

  /** What exactly happened (the refused address, the socket error): for server logs, never for tenants. */
  readonly detail: string

  /** The message a tenant sees. Same as `message`; named so call sites read as a choice. */
  get userMessage(): string {
    return this.message
  }
}

export function isOutboundError(error: unknown): error is OutboundError {
  return error instanceof OutboundError
}

/**
 * Whatever a guarded request (or an SDK wrapping it) threw, as an
 * OutboundError: the original one if it is anywhere in the chain (`cause`,
 * the Slack SDKs' `original`), one rebuilt from an EOUTBOUND_* code that a
 * wrapper copied, a timeout for abort/timeout errors, otherwise
 * `unreachable` with the original kept as the cause.
 */
export function toOutboundError(error: unknown, service: string): OutboundError {
  const seen = new Set<unknown>()
  let current: unknown = error
  let code: OutboundFailure | undefined
  let timedOut = false
  while (current && typeof current === 'object' && !seen.has(current) && seen.size < 10) {
    seen.add(current)
    if (current instanceof OutboundError) return current.service === service ? current : new OutboundError(current.failure, service, { status: current.status, detail: current.detail, cause: current.cause })
    const record = current as { code?: unknown; name?: unknown; type?: unknown; cause?: unknown; original?: unknown }
    if (typeof record.code === 'string') code ??= FAILURE_BY_CODE.get(record.code)
    if (record.name === 'TimeoutError' || record.code === 'ETIMEDOUT' || record.type === 'request-timeout' || record.type === 'body-timeout') timedOut = true
    current = record.original ?? record.cause
  }
  if (code) return new OutboundError(code, service, { detail: describeCause(error), cause: error })
  return new OutboundError(timedOut ? 'timeout' : 'unreachable', service, { detail: describeCause(error), cause: error })
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`.slice(0, 500)
  }
  return String(error).slice(0, 500)
}

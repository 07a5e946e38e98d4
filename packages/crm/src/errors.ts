/**
 * What went wrong talking to a CRM, in the terms the sync engine acts on:
 * - rate_limited: wait `retryAfterMs` and try again (policy says whether it
 *   was the short rolling window or the daily quota);
 * - transient: 5xx, timeouts, dropped connections — back off and retry;
 * - invalid: the CRM refused the content (bad property value…) — retrying
 *   the same content will not help; the engine isolates the record;
 * - auth: credentials are wrong or revoked — stop and tell the vendor;
 * - not_found: the object/record does not exist.
 */
import { type OutboundError, type OutboundFailure, toOutboundError } from '@accord/outbound'

export type CrmErrorKind = 'rate_limited' | 'transient' | 'invalid' | 'auth' | 'not_found'

export type RateLimitPolicy = 'rolling' | 'daily'

export class CrmError extends Error {
  override readonly name = 'CrmError'
  constructor(
    readonly kind: CrmErrorKind,
    message: string,
    readonly details: {
      status?: number
      retryAfterMs?: number
      policy?: RateLimitPolicy
      /** A documented provider error code (e.g. Salesforce's INVALID_LOGIN), only ever one from Accord's own lists. */
      code?: string
      /** Set when the outbound guard stopped the request: `message` is then the guard's tenant-safe text. */
      outbound?: OutboundFailure
      cause?: unknown
    } = {},
  ) {
    super(message)
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'transient'
  }
}

export function isCrmError(error: unknown): error is CrmError {
  return error instanceof CrmError
}

/**
 * A request the outbound guard refused or could not complete, as a CrmError
 * whose message is the guard's tenant-safe text (never the socket error or
 * the remote answer). A refused address will not change by retrying, so it
 * stops the sync like bad credentials do; the rest is transient.
 */
export function crmErrorFromOutbound(error: OutboundError, what: string): CrmError {
  const refused = error.failure === 'not_allowed' || error.failure === 'redirected'
  return new CrmError(refused ? 'auth' : 'transient', `${what}: ${error.message}`, { outbound: error.failure, cause: error })
}

/** Anything thrown on the wire (by the guard, a wrapped guard error, or the HTTP stack) as a tenant-safe CrmError. */
export function crmErrorFromNetwork(error: unknown, service: string, what: string): CrmError {
  if (error instanceof CrmError) return error
  return crmErrorFromOutbound(toOutboundError(error, service), what)
}

/**
 * Text a CRM put in its structured error fields (HubSpot's `message`,
 * Salesforce's `message`), trimmed for a sync log: no control characters,
 * at most 300 characters. Raw bodies are never shown.
 */
export function crmErrorText(text: string): string {
  let out = ''
  for (const character of text.slice(0, 600)) {
    const code = character.codePointAt(0) ?? 0
    out += code < 0x20 || code === 0x7f ? ' ' : character
  }
  out = out.replace(/\s+/g, ' ').trim()
  return out.length > 300 ? `${out.slice(0, 299)}…` : out
}

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
export type CrmErrorKind = 'rate_limited' | 'transient' | 'invalid' | 'auth' | 'not_found'

export type RateLimitPolicy = 'rolling' | 'daily'

export class CrmError extends Error {
  override readonly name = 'CrmError'
  constructor(
    readonly kind: CrmErrorKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; policy?: RateLimitPolicy; cause?: unknown } = {},
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

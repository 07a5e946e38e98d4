import type http from 'node:http'
import type { ResponseContext } from '@hubspot/api-client/lib/codegen/crm/objects/http/http.js'
import { type OutboundClient, OutboundError } from '@accord/outbound'
import { CrmError, crmErrorFromNetwork, crmErrorFromOutbound, crmErrorText, type RateLimitPolicy } from '../errors.js'
import type { CrmRequestHooks } from '../connector.js'

/**
 * The HTTP edge of the HubSpot connector: every SDK call goes through
 * `HubspotTransport.send`, which checks the base URL with the outbound
 * guard, paces the call through the engine's hooks, bounds it with a
 * timeout and turns whatever went wrong into a CrmError. The SDK's own
 * sockets come from the guard's agent (`guardedSdkAgent`).
 */

/** A non-2xx answer, captured raw by the SDK middleware before the SDK deserialises (and trims) the error body. */
export class HubspotHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly bodyText: string,
  ) {
    super(`HubSpot answered ${status}`)
  }

  get body(): Record<string, unknown> | null {
    try {
      const parsed: unknown = JSON.parse(this.bodyText)
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null
    } catch {
      return null
    }
  }
}

/**
 * SDK middleware: throw on every non-2xx response with the raw body and
 * headers. The SDK's own error model drops `policyName` (and chokes on HTML
 * 502 pages), which we need to tell the rolling limit from the daily one.
 * Generic so one object fits every generated API module's context classes.
 */
export const rejectHttpErrors = {
  pre: <Context>(context: Context): Promise<Context> => Promise.resolve(context),
  post: async <Context>(context: Context): Promise<Context> => {
    const response = context as unknown as ResponseContext
    if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) return context
    const text = await response.body.text().catch(() => '')
    throw new HubspotHttpError(response.httpStatusCode, response.headers, text)
  },
}

/**
 * Per-call SDK options. @hubspot/api-client 13.5.0 only runs configured
 * middleware (including the one that installs `httpAgent`) when a call passes
 * options of its own, so every call passes these; 'append' keeps the
 * configured header and agent middleware in front of ours.
 */
export const SDK_CALL_OPTIONS = { middleware: [rejectHttpErrors], middlewareMergeStrategy: 'append' as const }

/**
 * The SDK's `httpAgent`: the outbound guard's agent for each URL's scheme.
 * node-fetch (inside the SDK) accepts a function here, so a redirect to
 * another scheme is judged by the guard instead of failing inside Node.
 * The guard's agent pins each connection to a checked address and caps each
 * request's size and time, redirects included.
 */
export function guardedSdkAgent(outbound: OutboundClient): http.Agent {
  const pick = (url: URL) => outbound.agentFor(url)
  return pick as unknown as http.Agent
}

export class HubspotTransport {
  constructor(
    private readonly hooks: CrmRequestHooks,
    private readonly timeoutMs: number,
    private readonly outbound: OutboundClient,
    private readonly baseUrl: string,
  ) {}

  /** One HTTP request: checked by the guard, paced by the engine, bounded in time, every failure a CrmError. */
  async send<T>(what: string, call: () => Promise<{ httpStatusCode: number; data: T }>): Promise<T> {
    try {
      // Before pacing and before any socket: a refused base URL costs nothing and says so.
      this.outbound.check(this.baseUrl)
    } catch (error) {
      throw crmErrorFromNetwork(error, 'HubSpot', what)
    }
    await this.hooks.beforeRequest?.()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OutboundError('timeout', 'HubSpot', { detail: `no answer within ${this.timeoutMs} ms` })), this.timeoutMs)
    })
    try {
      const response = await Promise.race([call(), deadline])
      this.hooks.afterResponse?.(response.httpStatusCode)
      return response.data
    } catch (error) {
      this.hooks.afterResponse?.(error instanceof HubspotHttpError ? error.status : 0)
      throw toCrmError(error, what)
    } finally {
      clearTimeout(timer)
    }
  }
}

export function toCrmError(error: unknown, what: string): CrmError {
  if (error instanceof CrmError) return error
  if (error instanceof HubspotHttpError) return httpErrorToCrmError(error, what)
  if (error instanceof OutboundError) return crmErrorFromOutbound(error, what)
  // node-fetch's FetchError around a guard refusal (its EOUTBOUND_* code), ECONNRESET, a bad body…: never the raw text.
  return crmErrorFromNetwork(error, 'HubSpot', what)
}

function httpErrorToCrmError(error: HubspotHttpError, what: string): CrmError {
  const { status } = error
  const body = error.body
  // HubSpot's own structured message names the property or value at fault; a body that is not HubSpot's JSON error is never shown.
  const hubspotMessage = describeHubspotError(body)
  const message = `${what}: HubSpot answered HTTP ${status}${hubspotMessage ? `: ${crmErrorText(hubspotMessage)}` : ''}`
  if (status === 429) return rateLimitError(error.headers, body, message)
  if (status === 401 || status === 403) return new CrmError('auth', message, { status, cause: error })
  if (status === 404) return new CrmError('not_found', message, { status, cause: error })
  if (status >= 500 || status === 408 || status === 423) return new CrmError('transient', message, { status, cause: error })
  return new CrmError('invalid', message, { status, cause: error })
}

/** HubSpot's message plus the per-field details it puts in `errors` (which property, what was wrong). */
function describeHubspotError(body: Record<string, unknown> | null): string | null {
  if (!body || typeof body.message !== 'string') return null
  const details = Array.isArray(body.errors)
    ? body.errors
        .map((detail: unknown) => (detail && typeof detail === 'object' && typeof (detail as { message?: unknown }).message === 'string' ? (detail as { message: string }).message : null))
        .filter((detail): detail is string => detail !== null && !body.message?.toString().includes(detail))
    : []
  return details.length > 0 ? `${body.message} (${details.join('; ')})` : body.message
}

const ROLLING_WINDOW_MS = 10_000
const SECONDLY_WINDOW_MS = 1_000

/**
 * 429 → how long to wait. Retry-After wins when HubSpot sends it. Otherwise
 * the policy decides: the ten-secondly rolling window frees up within its
 * interval (sooner when requests remain, i.e. another limit tripped); the
 * search endpoints' secondly limit within a second; the daily quota resets at
 * midnight in the portal's time zone, which we do not know without another
 * call, so we wait until the next UTC midnight — the engine re-asks then and
 * gets a fresh 429 (and a fresh wait) if the portal's midnight is later.
 */
export function rateLimitError(headers: Record<string, string>, body: Record<string, unknown> | null, message: string): CrmError {
  const policyName = typeof body?.policyName === 'string' ? body.policyName.toUpperCase() : ''
  const bodyMessage = typeof body?.message === 'string' ? body.message.toLowerCase() : ''
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'))
  const daily = policyName === 'DAILY' || (policyName === '' && bodyMessage.includes('daily'))
  const policy: RateLimitPolicy = daily ? 'daily' : 'rolling'
  let wait = retryAfterMs
  if (wait === undefined) {
    if (daily) wait = msUntilNextUtcMidnight(Date.now())
    else if (policyName === 'SECONDLY' || bodyMessage.includes('secondly limit')) wait = SECONDLY_WINDOW_MS
    else {
      const interval = parsePositive(header(headers, 'x-hubspot-ratelimit-interval-milliseconds')) ?? ROLLING_WINDOW_MS
      const remaining = parsePositive(header(headers, 'x-hubspot-ratelimit-remaining'))
      wait = remaining !== undefined && remaining > 0 ? Math.min(SECONDLY_WINDOW_MS, interval) : interval
    }
  }
  return new CrmError('rate_limited', message, { status: 429, policy, retryAfterMs: wait })
}

export function msUntilNextUtcMidnight(now: number): number {
  const date = new Date(now)
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1) - now
}

function header(headers: Record<string, string>, name: string): string | undefined {
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1]
}

function parsePositive(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const number = Number(value)
  return Number.isFinite(number) && number >= 0 ? number : undefined
}

/** Retry-After is seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = parsePositive(value)
  if (seconds !== undefined) return Math.round(seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

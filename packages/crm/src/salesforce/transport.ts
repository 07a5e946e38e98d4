import { PassThrough } from 'node:stream'
import type { OutboundClient } from '@accord/outbound'
import type { HttpRequest, HttpResponse, StreamPromise } from 'jsforce'
import type { CrmRequestHooks } from '../connector.js'
import { CrmError, crmErrorFromNetwork, type CrmErrorKind, crmErrorText, type RateLimitPolicy } from '../errors.js'

/**
 * Salesforce's 24-hour org limit (REQUEST_LIMIT_EXCEEDED "TotalRequests")
 * is a rolling 24-hour window with no reset time in the response; one hour
 * lets some of the window roll off without hammering the org meanwhile.
 */
export const DAILY_LIMIT_RETRY_MS = 60 * 60 * 1000
/** Concurrent-request limits (429/503, ConcurrentPerOrgLongTxn) clear as soon as running requests finish. */
export const CONCURRENT_LIMIT_RETRY_MS = 30 * 1000

/**
 * Replaces jsforce's transport for every HTTP request a connection makes
 * (REST, Tooling, SOAP login, OAuth token): the engine's hooks see each
 * request, each one gets a hard timeout, and nothing is retried here —
 * jsforce's own fetch wrapper retries 5xx/network errors up to 5 times,
 * which would hide requests from the rate limiter and double its waits.
 * Failed responses are turned into CrmError right here, where the status and
 * headers are still known. Every request goes through the outbound guard:
 * the login URL is the tenant's and the instance URL comes back from the
 * login, so each URL is checked, not just the first.
 */
export class SalesforceTransport {
  constructor(
    private readonly hooks: CrmRequestHooks,
    private readonly outbound: OutboundClient,
  ) {}

  httpRequest(request: HttpRequest, _options?: unknown): StreamPromise<HttpResponse> {
    // jsforce pipes its lazy stream through ours; nothing is streamed, so an idle PassThrough is enough.
    // (StreamPromise is not importable as a value from ESM, hence the hand-made one.)
    const promise = this.send(request) as StreamPromise<HttpResponse>
    promise.stream = () => new PassThrough()
    return promise
  }

  getRequestStreamCreator(): never {
    throw new Error('The Salesforce connector does not stream requests')
  }

  private async send(request: HttpRequest): Promise<HttpResponse> {
    const what = describeRequest(request)
    try {
      // Before pacing and before any socket: a refused URL costs nothing and says so.
      this.outbound.check(request.url)
    } catch (error) {
      throw crmErrorFromNetwork(error, 'Salesforce', what)
    }
    await this.hooks.beforeRequest?.()
    let status = 0
    try {
      // The guard's fetch reads the whole (capped) body under its time limit: a stalled body is as bad as no answer.
      const response = await this.outbound.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: requestBody(request),
      })
      const body = await response.text()
      status = response.status
      const headers: Record<string, string> = {}
      response.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value
      })
      if (status >= 400) throw classifyFailedResponse(status, headers, body, what)
      return { statusCode: status, headers, body }
    } catch (error) {
      // Refused, unreachable, too slow or too large: the guard's tenant-safe text, never the socket error.
      throw crmErrorFromNetwork(error, 'Salesforce', what)
    } finally {
      this.hooks.afterResponse?.(status)
    }
  }
}

function requestBody(request: HttpRequest): string | undefined {
  if (request.body == null || ['GET', 'HEAD'].includes(request.method)) return undefined
  if (typeof request.body === 'string') return request.body
  // Every call the connector makes sends JSON, XML or a form: text.
  if (Buffer.isBuffer(request.body)) return request.body.toString('utf8')
  throw new Error(`Unsupported request body for ${describeRequest(request)}`)
}

function describeRequest(request: HttpRequest): string {
  try {
    const url = new URL(request.url)
    return `${request.method} ${url.pathname}`
  } catch {
    return `${request.method} ${request.url}`
  }
}

/** The first error of a failed response, whichever of Salesforce's three error formats it uses. */
interface SalesforceFault {
  code: string | null
  message: string
}

/** Salesforce's faults are small; a larger body is judged by its first 64 KB (the patterns below stay cheap). */
const FAULT_SCAN_LIMIT = 64 * 1024

function parseFault(fullBody: string): SalesforceFault {
  const body = fullBody.length > FAULT_SCAN_LIMIT ? fullBody.slice(0, FAULT_SCAN_LIMIT) : fullBody
  // SOAP (login): <faultcode>sf:INVALID_LOGIN</faultcode><faultstring>…</faultstring>
  const soapCode = /<faultcode>(?:[\w-]+:)?([^<]+)<\/faultcode>/.exec(body)
  if (soapCode) {
    const soapMessage = /<faultstring>([^<]*)<\/faultstring>/.exec(body)
    return { code: soapCode[1] ?? null, message: soapMessage?.[1] ?? '' }
  }
  try {
    const parsed: unknown = JSON.parse(body)
    // REST: [{ message, errorCode, fields }]
    const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed
    if (first && typeof first === 'object') {
      const record = first as Record<string, unknown>
      if (typeof record.errorCode === 'string') return { code: record.errorCode, message: String(record.message ?? '') }
      // OAuth token endpoint: { error, error_description }
      if (typeof record.error === 'string') return { code: record.error, message: String(record.error_description ?? record.error) }
    }
  } catch {
    // not JSON: an HTML error page from a proxy or maintenance page
  }
  // Not one of Salesforce's error formats (a proxy's HTML page, or not Salesforce at all): the status says enough.
  return { code: null, message: '' }
}

/** Codes meaning the credentials or the integration user's permissions are wrong: a retry cannot help. */
const AUTH_CODES = new Set([
  'INVALID_SESSION_ID',
  'INVALID_LOGIN',
  'LOGIN_MUST_USE_SECURITY_TOKEN',
  'PASSWORD_LOCKOUT',
  'INVALID_OPERATION_WITH_EXPIRED_PASSWORD',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'unauthorized_client',
  'inactive_user',
  'inactive_org',
])

/** Codes that mean "try again shortly" whatever the status says. */
const TRANSIENT_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'UNKNOWN_EXCEPTION', 'QUERY_TIMEOUT'])

export function classifyFailedResponse(status: number, headers: Record<string, string>, body: string, what: string): CrmError {
  const fault = parseFault(body)
  const code = fault.code
  const text = `Salesforce answered HTTP ${status}${code ? ` ${crmErrorText(code).slice(0, 80)}` : ''} to ${what}${fault.message ? `: ${crmErrorText(fault.message)}` : ''}`
  const known = code !== null && (AUTH_CODES.has(code) || TRANSIENT_CODES.has(code) || code === 'REQUEST_LIMIT_EXCEEDED') ? code : undefined
  const details = { status, ...(known ? { code: known } : {}), cause: { code, body: body.slice(0, 2000) } }

  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    // The same code covers the 24-hour org quota and the concurrent long-request limit.
    return /concurren/i.test(fault.message)
      ? rateLimited(text, details, 'rolling', retryAfter(headers) ?? CONCURRENT_LIMIT_RETRY_MS)
      : rateLimited(text, details, 'daily', retryAfter(headers) ?? DAILY_LIMIT_RETRY_MS)
  }
  if (status === 429) return rateLimited(text, details, 'rolling', retryAfter(headers) ?? CONCURRENT_LIMIT_RETRY_MS)
  if (status === 503 && (headers['retry-after'] || /limit|concurren/i.test(fault.message))) {
    return rateLimited(text, details, 'rolling', retryAfter(headers) ?? CONCURRENT_LIMIT_RETRY_MS)
  }
  let kind: CrmErrorKind
  if (status === 401 || (code && AUTH_CODES.has(code))) kind = 'auth'
  else if (code && TRANSIENT_CODES.has(code)) kind = 'transient'
  else if (status >= 500) kind = 'transient'
  else if (status === 404 || code === 'NOT_FOUND') kind = 'not_found'
  else if (status === 403) kind = 'auth'
  else if (status === 400 && (code === 'invalid_request' || code === 'unsupported_grant_type')) kind = 'auth'
  else kind = 'invalid'
  return new CrmError(kind, text, details)
}

function rateLimited(message: string, details: { status: number; code?: string; cause: unknown }, policy: RateLimitPolicy, retryAfterMs: number): CrmError {
  return new CrmError('rate_limited', message, { ...details, policy, retryAfterMs })
}

function retryAfter(headers: Record<string, string>): number | undefined {
  const value = headers['retry-after']
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/** A 401 on an API call: the session expired or was revoked, so one fresh login may fix it. */
export function isExpiredSession(error: unknown): boolean {
  return error instanceof CrmError && error.kind === 'auth' && error.details.status === 401
}

/** Per-record errors inside a 200 sObject Collections answer. */
export interface SalesforceRecordError {
  code: string
  message: string
  fields: string[]
}

export function recordErrors(errors: unknown): SalesforceRecordError[] {
  if (!Array.isArray(errors)) return []
  return errors.map((error: unknown) => {
    const record = (error ?? {}) as Record<string, unknown>
    // Collections use `statusCode`; jsforce's types (and single-record calls) say `errorCode`.
    const code = typeof record.statusCode === 'string' ? record.statusCode : typeof record.errorCode === 'string' ? record.errorCode : 'UNKNOWN'
    const fields = Array.isArray(record.fields) ? record.fields.map(String) : []
    return { code, message: String(record.message ?? ''), fields }
  })
}

/** What the engine should do about a record the CRM refused inside an otherwise successful call. */
export function recordErrorKind(code: string): CrmErrorKind {
  if (code === 'REQUEST_LIMIT_EXCEEDED') return 'rate_limited'
  if (TRANSIENT_CODES.has(code)) return 'transient'
  if (AUTH_CODES.has(code)) return 'auth'
  return 'invalid'
}

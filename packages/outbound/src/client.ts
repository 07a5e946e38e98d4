import http from 'node:http'
import https from 'node:https'
import { createGuardedAgents } from './agent.js'
import { type OutboundSettings, outboundSettings } from './env.js'
import { OutboundError } from './errors.js'
import { type OutboundResolver, systemResolver } from './lookup.js'
import { checkOutboundUrl, type OutboundPolicy } from './policy.js'

export interface OutboundClientOptions {
  policy: OutboundPolicy
  /** Defaults to the operator's settings (OUTBOUND_ALLOW_* variables). */
  settings?: OutboundSettings
  /** Defaults to the operating system's resolver; tests pass their own. */
  resolve?: OutboundResolver
  /** Per request, connect to last byte (a redirected request's hops share it). Default 30 s. */
  timeoutMs?: number
  /** Largest answer body accepted. Default 16 MiB. */
  maxResponseBytes?: number
  /** Redirects followed (each one checked like the first URL). Default 3. */
  maxRedirects?: number
  /** Keep connections open between requests (one client per connector run). Default true. */
  keepAlive?: boolean
}

/** What a connector lets its caller (tests, mostly) change about its guard; the policy is the connector's own. */
export type OutboundOverrides = Pick<OutboundClientOptions, 'settings' | 'resolve' | 'maxResponseBytes'>

export interface OutboundClient {
  readonly policy: OutboundPolicy
  readonly settings: OutboundSettings
  /** The URL if the policy and settings allow it; throws OutboundError('not_allowed') without touching the network. */
  check(url: string | URL): URL
  /**
   * A WHATWG fetch for SDKs that take one (Slack's, our Salesforce
   * transport). Reads the whole answer (capped) before resolving; follows
   * redirects only after checking each target, per `redirect` ('error' and
   * 'manual' are honoured). Fails with OutboundError, or the caller's own
   * abort reason.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** For SDKs that take a Node agent (node-fetch, http.request): the guarded agent for the URL's scheme. */
  agentFor(url: string | URL): http.Agent
  readonly httpAgent: http.Agent
  readonly httpsAgent: https.Agent
  /** Closes pooled connections. */
  close(): void
}

export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
const DEFAULT_MAX_REDIRECTS = 3
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

export function createOutboundClient(options: OutboundClientOptions): OutboundClient {
  const policy = options.policy
  const settings = options.settings ?? outboundSettings()
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS
  const agents = createGuardedAgents({ policy, settings, resolve: options.resolve ?? systemResolver, timeoutMs, maxResponseBytes, keepAlive: options.keepAlive ?? true })
  const service = policy.service
  const check = (url: string | URL) => checkOutboundUrl(url, policy, settings)

  async function guardedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init)
    const signal = request.signal
    let url = check(request.url)
    let method = request.method
    const headers = new Headers(request.headers)
    let body: Buffer | undefined = request.body ? Buffer.from(await request.arrayBuffer()) : undefined
    const deadline = Date.now() + timeoutMs
    for (let redirects = 0; ; redirects++) {
      const answer = await send({ url, method, headers, body, signal, deadline })
      const location = answer.headers.get('location')
      if (!REDIRECT_STATUSES.has(answer.status) || location === null || request.redirect === 'manual') return toResponse(answer)
      if (request.redirect === 'error') throw new OutboundError('redirected', service, { detail: `${answer.status} to ${location.slice(0, 200)}` })
      if (redirects >= maxRedirects) throw new OutboundError('not_allowed', service, { detail: `more than ${maxRedirects} redirects` })
      let next: URL
      try {
        next = check(new URL(location, url))
      } catch (error) {
        throw error instanceof OutboundError ? error : new OutboundError('not_allowed', service, { detail: 'redirect to something that is not a URL' })
      }
      if (answer.status === 303 ? method !== 'HEAD' : (answer.status === 301 || answer.status === 302) && method === 'POST') {
        method = 'GET'
        body = undefined
        for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name)
      }
      // Credentials meant for one origin are not handed to another.
      if (next.origin !== url.origin) for (const name of ['authorization', 'cookie', 'proxy-authorization']) headers.delete(name)
      url = next
    }
  }

  interface Answer {
    status: number
    statusText: string
    headers: Headers
    body: Buffer
  }

  function send(request: { url: URL; method: string; headers: Headers; body: Buffer | undefined; signal: AbortSignal; deadline: number }): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      if (request.signal.aborted) return reject(abortReason(request.signal, service))
      const remaining = request.deadline - Date.now()
      if (remaining <= 0) return reject(new OutboundError('timeout', service, { detail: 'time limit reached across redirects' }))
      const outgoing: Record<string, string> = {}
      request.headers.forEach((value, name) => {
        outgoing[name] = value
      })
      if (request.body) outgoing['content-length'] = String(request.body.length)
      const transport = request.url.protocol === 'https:' ? https : http
      let settled = false
      const finish = (error: unknown, answer?: Answer) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        request.signal.removeEventListener('abort', onAbort)
        if (answer) resolve(answer)
        else reject(error instanceof OutboundError || isAbortError(error) ? error : toFailure(error))
      }
      const toFailure = (error: unknown) => new OutboundError('unreachable', service, { detail: error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`.slice(0, 300) : String(error), cause: error })
      const req = transport.request(request.url, { method: request.method, headers: outgoing, agent: agentFor(request.url) })
      const timer = setTimeout(() => req.destroy(new OutboundError('timeout', service, { detail: 'time limit reached across redirects' })), remaining)
      const onAbort = () => {
        const reason = abortReason(request.signal, service)
        req.destroy(reason instanceof Error ? reason : undefined)
        finish(reason)
      }
      request.signal.addEventListener('abort', onAbort, { once: true })
      req.on('error', (error) => finish(error))
      req.on('response', (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          // The agent enforces the cap too; this keeps memory bounded whatever the agent was given.
          if (size > maxResponseBytes) {
            req.destroy(new OutboundError('too_large', service, { detail: `answer over the ${maxResponseBytes} byte cap` }))
            return
          }
          chunks.push(chunk)
        })
        // A request destroyed mid-answer (time or size cap) errors the answer with that reason, then closes it.
        response.on('error', (error) => finish(error))
        response.on('close', () => {
          if (!response.complete) finish(new OutboundError('unreachable', service, { detail: 'connection closed mid-answer' }))
        })
        response.on('end', () => {
          const headers = new Headers()
          const raw = response.rawHeaders
          for (let index = 0; index + 1 < raw.length; index += 2) {
            try {
              headers.append(raw[index]!, raw[index + 1]!)
            } catch {
              // A header value fetch would refuse is dropped, not fatal.
            }
          }
          finish(null, { status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers, body: Buffer.concat(chunks) })
        })
      })
      req.end(request.body)
    })
  }

  function toResponse(answer: Answer): Response {
    if (answer.status < 200 || answer.status > 599) throw new OutboundError('unreachable', service, { detail: `HTTP status ${answer.status} is not one fetch can carry` })
    return new Response(NULL_BODY_STATUSES.has(answer.status) ? null : new Uint8Array(answer.body), { status: answer.status, statusText: answer.statusText, headers: answer.headers })
  }

  function agentFor(url: string | URL): http.Agent {
    const protocol = typeof url === 'string' ? new URL(url).protocol : url.protocol
    return protocol === 'http:' ? agents.http : agents.https
  }

  return {
    policy,
    settings,
    check,
    fetch: guardedFetch,
    agentFor,
    httpAgent: agents.http,
    httpsAgent: agents.https,
    close() {
      agents.http.destroy()
      agents.https.destroy()
    },
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError'
}

/** A timeout signal (AbortSignal.timeout, as the Slack SDKs use) is our timeout; any other abort is the caller's. */
function abortReason(signal: AbortSignal, service: string): unknown {
  const reason: unknown = signal.reason
  if (reason instanceof Error && reason.name === 'TimeoutError') return new OutboundError('timeout', service, { detail: 'the caller’s time limit passed', cause: reason })
  if (reason instanceof Error) return reason
  return new DOMException('The operation was aborted.', 'AbortError')
}

import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import type { OutboundSettings } from './env.js'
import { OutboundError } from './errors.js'
import { guardedLookup, type OutboundResolver } from './lookup.js'
import { checkHostName, hostMatches, normaliseHost, type OutboundPolicy } from './policy.js'

export interface GuardOptions {
  policy: OutboundPolicy
  settings: OutboundSettings
  resolve: OutboundResolver
  /** Whole request, from asking for a socket to the last byte of the answer. */
  timeoutMs: number
  /** Answer body, after any content decoding. */
  maxResponseBytes: number
  keepAlive: boolean
}

type RequestWithAgentHooks = http.Agent & {
  addRequest(request: http.ClientRequest, options: http.RequestOptions, ...legacy: unknown[]): void
}

/**
 * Makes a Node agent enforce the guard on every connection it opens and
 * every request it carries, whoever builds the request (our fetch, or an
 * SDK such as @hubspot/api-client that takes an `httpAgent` and follows
 * redirects on its own):
 * - a connection is only opened to a host the policy allows, over a scheme
 *   it allows, with the name resolved by the guarded lookup (pinned);
 * - each request asks for an uncompressed answer and is aborted past the
 *   time limit or the size cap; a compressed answer is refused, because
 *   the SDK reading it would inflate it without any limit.
 * Failures surface as OutboundError (its EOUTBOUND_* code survives
 * wrappers like node-fetch's FetchError).
 */
function guard<AgentType extends http.Agent>(agent: AgentType, scheme: 'http:' | 'https:', options: GuardOptions): AgentType {
  const { policy, settings } = options
  const lookup = guardedLookup(policy.service, settings, options.resolve)
  const connect = agent.createConnection.bind(agent)
  agent.createConnection = (connectOptions, callback) => {
    try {
      checkConnection(connectOptions, scheme, options)
    } catch (error) {
      process.nextTick(() => callback?.(error as Error, undefined as unknown as Duplex))
      return undefined
    }
    return connect({ ...connectOptions, lookup } as http.ClientRequestArgs, callback)
  }
  const hooked = agent as unknown as RequestWithAgentHooks
  const addRequest = hooked.addRequest.bind(agent)
  hooked.addRequest = (request, requestOptions, ...legacy) => {
    if (!request.headersSent) request.setHeader('accept-encoding', 'identity')
    watchRequest(request, options)
    addRequest(request, requestOptions, ...legacy)
  }
  return agent
}

function checkConnection(connectOptions: http.ClientRequestArgs, scheme: 'http:' | 'https:', options: GuardOptions): void {
  const { policy, settings } = options
  const host = normaliseHost(String(connectOptions.host ?? connectOptions.hostname ?? ''))
  const refuse = (detail: string) => new OutboundError('not_allowed', policy.service, { detail })
  if (connectOptions.socketPath) throw refuse('unix sockets are not allowed')
  if (host === '') throw refuse('no host')
  if (!settings.allowCustomHosts) {
    if (scheme !== 'https:') throw refuse(`scheme ${scheme} not allowed`)
    const port = Number(connectOptions.port ?? 443)
    if (port !== 443) throw refuse(`port ${port} not allowed`)
    if (!policy.hosts.some((pattern) => hostMatches(host, pattern))) throw refuse(`host ${host} is not one of ${policy.service}'s`)
  }
  checkHostName(host, policy.service, settings)
}

function watchRequest(request: http.ClientRequest, options: GuardOptions): void {
  const service = options.policy.service
  let finished = false
  const fail = (error: OutboundError) => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    request.destroy(error)
  }
  const timer = setTimeout(() => fail(new OutboundError('timeout', service, { detail: `no complete answer within ${options.timeoutMs} ms` })), options.timeoutMs)
  const stop = () => {
    finished = true
    clearTimeout(timer)
  }
  let answer: http.IncomingMessage | undefined
  request.once('error', stop)
  request.once('close', () => {
    // An answer still streaming keeps its clock until it ends or closes.
    if (!answer || answer.complete) stop()
  })
  request.once('response', (response: http.IncomingMessage) => {
    answer = response
    const cap = options.maxResponseBytes
    const tooLarge = (detail: string) => fail(new OutboundError('too_large', service, { detail }))
    // Asked for identity (below): a compressed answer could inflate without limit in the SDK reading it.
    const encoding = response.headers['content-encoding']?.trim().toLowerCase()
    if (encoding && encoding !== 'identity') return tooLarge(`compressed answer (${encoding.slice(0, 40)}) refused`)
    const declared = Number(response.headers['content-length'])
    if (Number.isFinite(declared) && declared > cap) return tooLarge(`answer of ${declared} bytes over the ${cap} byte cap`)
    let received = 0
    response.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received > cap) tooLarge(`answer over the ${cap} byte cap`)
    })
    response.once('end', stop)
    response.once('close', stop)
  })
}

export function createGuardedAgents(options: GuardOptions): { http: http.Agent; https: https.Agent } {
  // `timeout` closes idle pooled sockets; the per-request limit is the watchRequest timer.
  const agentOptions = { keepAlive: options.keepAlive, timeout: options.timeoutMs }
  return {
    http: guard(new http.Agent(agentOptions), 'http:', options),
    https: guard(new https.Agent(agentOptions), 'https:', options),
  }
}

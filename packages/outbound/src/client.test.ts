import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseCidr } from './address.js'
import { createOutboundClient, type OutboundClient, type OutboundClientOptions } from './client.js'
import { type OutboundSettings, STRICT_SETTINGS } from './env.js'
import { OutboundError, toOutboundError } from './errors.js'
import type { OutboundResolver, ResolvedAddress } from './lookup.js'
import { HUBSPOT_POLICY, type OutboundPolicy } from './policy.js'

/**
 * The guard against a real HTTP server on 127.0.0.1. The settings allow
 * exactly 127.0.0.1/32 (and custom hosts), so the server is reachable and
 * every other internal address — 127.0.0.2 included — is not.
 */
const ONLY_THE_TEST_SERVER: OutboundSettings = { allowCustomHosts: true, privateNetworks: [parseCidr('127.0.0.1/32')!] }
const TEST_POLICY: OutboundPolicy = { service: 'HubSpot', hosts: [] }

interface Seen {
  path: string
  authorization: string | undefined
  acceptEncoding: string | undefined
}

const seen: Seen[] = []
const sockets = new Set<Socket>()
let base = ''
let port = 0
const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://x')
  seen.push({ path: url.pathname, authorization: request.headers.authorization, acceptEncoding: request.headers['accept-encoding'] })
  switch (url.pathname) {
    case '/ok':
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }))
      return
    case '/refuse':
      response.writeHead(401, { 'content-type': 'text/plain' }).end('SECRET-INTERNAL-BODY db=10.0.0.5:5432')
      return
    case '/redirect':
      response.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/ok' }).end()
      return
    case '/loop':
      response.writeHead(302, { location: '/loop' }).end()
      return
    case '/declared-big':
      response.writeHead(200, { 'content-length': String(64 * 1024 * 1024) })
      response.write('x')
      return // never finishes: the client must give up on the header alone
    case '/streamed-big': {
      response.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = Buffer.alloc(64 * 1024, 120)
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) {
          /* fill the socket */
        }
        if (!response.destroyed) response.once('drain', pump)
      }
      pump()
      return
    }
    case '/gzip':
      response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }).end(gzipSync(Buffer.alloc(1024 * 1024, 48)))
      return
    case '/slow': {
      response.writeHead(200, { 'content-type': 'text/plain' })
      const timer = setInterval(() => response.write('.'), 50)
      response.on('close', () => clearInterval(timer))
      return
    }
    case '/silent':
      return // accepts the request and never answers
    default:
      response.writeHead(404).end()
  }
})
server.on('connection', (socket) => {
  sockets.add(socket)
  socket.on('close', () => sockets.delete(socket))
})

beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  server.close()
})

const clients: OutboundClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.close()
  seen.length = 0
})

function client(options: Partial<OutboundClientOptions> = {}): OutboundClient {
  const made = createOutboundClient({ policy: TEST_POLICY, settings: ONLY_THE_TEST_SERVER, timeoutMs: 2_000, ...options })
  clients.push(made)
  return made
}

/** A resolver that records every question and answers from a script (the last answer repeats). */
function scriptedResolver(...answers: string[][]): OutboundResolver & { calls: string[] } {
  const calls: string[] = []
  const resolve = (async (hostname: string) => {
    calls.push(hostname)
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)] ?? []
    return answer.map((address): ResolvedAddress => ({ address, family: address.includes(':') ? 6 : 4 }))
  }) as OutboundResolver & { calls: string[] }
  resolve.calls = calls
  return resolve
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof OutboundError) return error
    throw error
  }
  throw new Error('expected the request to fail')
}

describe('refused before any connection', () => {
  it.each([
    'http://127.0.0.2/ok',
    'http://[::1]/ok',
    'http://localhost/ok',
    'http://2130706433/ok',
    'http://0x7f.1/ok',
    'http://10.0.0.5:5432/',
    'http://172.16.0.1/',
    'http://192.168.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://[fc00::1]/',
    'http://[fe80::1]/',
    'http://[::ffff:10.0.0.5]/',
  ])('%s', async (url) => {
    // Custom hosts allowed, private networks not: only the address rules can refuse these.
    const resolve = scriptedResolver(['127.0.0.1'])
    const error = await failure(client({ resolve, settings: { allowCustomHosts: true, privateNetworks: 'none' } }).fetch(url))
    expect(error.failure).toBe('not_allowed')
    expect(error.message).toBe('Could not reach HubSpot (the address is not allowed).')
    expect(resolve.calls).toEqual([])
  })

  it('a host that is not on the provider allow-list, and http: where https is required (strict mode)', async () => {
    const strict = client({ policy: HUBSPOT_POLICY, settings: STRICT_SETTINGS, resolve: scriptedResolver(['127.0.0.1']) })
    expect((await failure(strict.fetch('https://api.hubapi.com.evil.example/')))).toMatchObject({ failure: 'not_allowed' })
    expect((await failure(strict.fetch('http://api.hubapi.com/')))).toMatchObject({ failure: 'not_allowed' })
    expect((await failure(strict.fetch(`${base}/ok`)))).toMatchObject({ failure: 'not_allowed' })
    expect(seen).toEqual([])
  })
})

describe('names are resolved once, judged, and connected to as judged', () => {
  it('refuses a name that resolves to loopback', async () => {
    const resolve = scriptedResolver(['127.0.0.2'])
    const error = await failure(client({ resolve }).fetch(`http://crm.example.com:${port}/ok`))
    expect(error.failure).toBe('not_allowed')
    expect(error.detail).toContain('127.0.0.2')
    expect(resolve.calls).toEqual(['crm.example.com'])
  })

  it.each([['10.0.0.5'], ['169.254.169.254'], ['::ffff:10.0.0.5'], ['fd00:ec2::254']])('refuses a name that resolves to %s', async (address) => {
    const error = await failure(client({ resolve: scriptedResolver([address]) }).fetch(`http://crm.example.com:${port}/ok`))
    expect(error.failure).toBe('not_allowed')
  })

  it('refuses a name when any one of its addresses is internal', async () => {
    const error = await failure(client({ resolve: scriptedResolver(['127.0.0.1', '10.0.0.5']) }).fetch(`http://crm.example.com:${port}/ok`))
    expect(error.failure).toBe('not_allowed')
    expect(seen).toEqual([])
  })

  it('pins the connection to the address it checked: a DNS answer that changes afterwards is never used', async () => {
    // Rebinding: the first answer is the allowed test server, every later one an internal address.
    const resolve = scriptedResolver(['127.0.0.1'], ['10.0.0.5'])
    const guarded = client({ resolve, keepAlive: false })
    const response = await guarded.fetch(`http://crm.example.com:${port}/ok`)
    expect(await response.json()).toEqual({ ok: true })
    // One resolution served both the check and the connection; nothing asked DNS a second time.
    expect(resolve.calls).toEqual(['crm.example.com'])
    expect(seen.map((request) => request.path)).toEqual(['/ok'])
    // A new connection asks again, and the changed answer is judged again.
    const error = await failure(guarded.fetch(`http://crm.example.com:${port}/ok`))
    expect(error.failure).toBe('not_allowed')
    expect(resolve.calls).toHaveLength(2)
    expect(seen).toHaveLength(1)
  })

  it('reaches an allowed address, asking for an uncompressed answer', async () => {
    const response = await client().fetch(`${base}/ok`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
    expect(seen[0]?.acceptEncoding).toBe('identity')
  })
})

describe('redirects', () => {
  it.each([
    ['http://10.0.0.5:5432/', 'a private address'],
    ['http://127.0.0.2/ok', 'another loopback address'],
    ['http://169.254.169.254/latest/meta-data/iam/', 'the metadata address'],
    ['http://[::ffff:10.0.0.5]/', 'an IPv4-mapped private address'],
    ['file:///etc/passwd', 'a file'],
  ])('refuses a redirect to %s (%s)', async (target) => {
    const error = await failure(client().fetch(`${base}/redirect?to=${encodeURIComponent(target)}`))
    expect(error.failure).toBe('not_allowed')
    expect(seen.map((request) => request.path)).toEqual(['/redirect'])
  })

  it('refuses a redirect to a name that resolves to a private address', async () => {
    const resolve = scriptedResolver(['10.0.0.5'])
    const error = await failure(client({ resolve }).fetch(`${base}/redirect?to=${encodeURIComponent('http://internal.example.com/')}`))
    expect(error.failure).toBe('not_allowed')
    expect(resolve.calls).toEqual(['internal.example.com'])
  })

  it('refuses a redirect off the provider allow-list', async () => {
    const listed: OutboundPolicy = { service: 'HubSpot', hosts: ['crm.example.com'] }
    const settings: OutboundSettings = { allowCustomHosts: false, privateNetworks: [parseCidr('127.0.0.1/32')!] }
    // Strict hosts need https on 443, which a test cannot listen on; the check runs before any connection anyway.
    const guarded = client({ policy: listed, settings, resolve: scriptedResolver(['127.0.0.1']) })
    expect(guarded.check('https://crm.example.com/x')).toBeInstanceOf(URL)
    expect(() => guarded.check('https://other.example.com/x')).toThrow(OutboundError)
  })

  it('follows a redirect it allows, and drops credentials when the origin changes', async () => {
    const resolve = scriptedResolver(['127.0.0.1'])
    const response = await client({ resolve }).fetch(`${base}/redirect?to=${encodeURIComponent(`http://other.example.com:${port}/ok`)}`, { headers: { authorization: 'Bearer secret' } })
    expect(response.status).toBe(200)
    expect(seen.map((request) => [request.path, request.authorization])).toEqual([
      ['/redirect', 'Bearer secret'],
      ['/ok', undefined],
    ])
  })

  it('gives up after a few redirects', async () => {
    expect((await failure(client().fetch(`${base}/loop`))).failure).toBe('not_allowed')
    expect(seen.length).toBe(4)
  })

  it("honours redirect: 'error' (the Slack SDKs ask for it) and 'manual'", async () => {
    expect((await failure(client().fetch(`${base}/redirect?to=/ok`, { redirect: 'error' }))).failure).toBe('redirected')
    const manual = await client().fetch(`${base}/redirect?to=/ok`, { redirect: 'manual' })
    expect(manual.status).toBe(302)
  })
})

describe('size and time caps', () => {
  it('refuses an answer that declares itself too large', async () => {
    const started = Date.now()
    const error = await failure(client({ maxResponseBytes: 1024 * 1024 }).fetch(`${base}/declared-big`))
    expect(error.failure).toBe('too_large')
    expect(error.message).toBe('Could not reach HubSpot (the answer was too large).')
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it('aborts a streamed answer past the cap, without reading it all', async () => {
    const error = await failure(client({ maxResponseBytes: 256 * 1024 }).fetch(`${base}/streamed-big`))
    expect(error.failure).toBe('too_large')
  })

  it('refuses a compressed answer (it could inflate past any cap in the SDK reading it)', async () => {
    expect((await failure(client().fetch(`${base}/gzip`))).failure).toBe('too_large')
  })

  it('gives up on a slow answer at the time limit', async () => {
    const started = Date.now()
    const error = await failure(client({ timeoutMs: 300 }).fetch(`${base}/slow`))
    expect(error.failure).toBe('timeout')
    expect(error.message).toBe('Could not reach HubSpot (no answer in time).')
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it('gives up on a server that never answers', async () => {
    expect((await failure(client({ timeoutMs: 300 }).fetch(`${base}/silent`))).failure).toBe('timeout')
  })

  it('turns a caller timeout signal into the same timeout', async () => {
    expect((await failure(client().fetch(`${base}/silent`, { signal: AbortSignal.timeout(200) }))).failure).toBe('timeout')
  })
})

describe('the guarded agent (for SDKs that bring their own HTTP client)', () => {
  function get(agentClient: OutboundClient, url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, { agent: agentClient.agentFor(url) }, (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
        response.on('error', reject)
      })
      request.on('error', reject)
    })
  }

  it('refuses internal addresses, pins names, and caps size and time for plain http.request users', async () => {
    const guarded = client({ resolve: scriptedResolver(['10.0.0.5']), maxResponseBytes: 256 * 1024, timeoutMs: 300 })
    await expect(get(guarded, 'http://10.0.0.5:5432/')).rejects.toMatchObject({ code: 'EOUTBOUND_NOT_ALLOWED' })
    await expect(get(guarded, 'http://[::ffff:7f00:2]/')).rejects.toMatchObject({ code: 'EOUTBOUND_NOT_ALLOWED' })
    await expect(get(guarded, `http://crm.example.com:${port}/ok`)).rejects.toMatchObject({ code: 'EOUTBOUND_NOT_ALLOWED' })
    await expect(get(guarded, `${base}/streamed-big`)).rejects.toMatchObject({ code: 'EOUTBOUND_TOO_LARGE' })
    await expect(get(guarded, `${base}/slow`)).rejects.toMatchObject({ code: 'EOUTBOUND_TIMEOUT' })
    expect(await get(guarded, `${base}/ok`)).toEqual({ status: 200, body: '{"ok":true}' })
  })

  it('refuses plain http and other hosts in strict mode', async () => {
    const strict = client({ policy: HUBSPOT_POLICY, settings: STRICT_SETTINGS })
    await expect(get(strict, `${base}/ok`)).rejects.toMatchObject({ code: 'EOUTBOUND_NOT_ALLOWED' })
    expect(seen).toEqual([])
  })
})

describe('what a tenant is told', () => {
  it('never the remote body, the address or the socket error', async () => {
    const closed = http.createServer()
    closed.listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const closedPort = (closed.address() as AddressInfo).port
    closed.close()
    const error = await failure(client().fetch(`http://127.0.0.1:${closedPort}/`))
    expect(error.failure).toBe('unreachable')
    expect(error.message).toBe('Could not reach HubSpot (no connection).')
    expect(error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\d{4,5}/)
    // The socket error is kept for the server log.
    expect(error.detail).toContain('ECONNREFUSED')
  })

  it('an HTTP failure is a status and nothing of the body', async () => {
    const response = await client().fetch(`${base}/refuse`)
    const error = new OutboundError('http_status', 'HubSpot', { status: response.status, detail: await response.text() })
    expect(error.message).toBe('Could not reach HubSpot (HTTP 401).')
    expect(error.message).not.toContain('SECRET')
  })

  it('recognises the guard’s errors inside SDK wrappers that keep only the code', () => {
    const wrapped = Object.assign(new Error('request to http://x failed, reason: whatever 10.0.0.5'), { code: 'EOUTBOUND_NOT_ALLOWED' })
    expect(toOutboundError(wrapped, 'Slack').message).toBe('Could not reach Slack (the address is not allowed).')
    const original = new OutboundError('timeout', 'Slack')
    expect(toOutboundError({ original }, 'Slack')).toBe(original)
    expect(toOutboundError(new Error('connect ECONNREFUSED 10.0.0.5:5432'), 'Slack').message).toBe('Could not reach Slack (no connection).')
  })
})

import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A local Slack speaking the formats Accord uses:
 *
 * - Incoming webhooks: `POST /services/<path>` with JSON → 200 `ok`,
 *   404 `no_service` (unknown or removed hook), 400 `invalid_payload`
 *   (no text/blocks or bad JSON), 429 with `Retry-After`.
 * - Web API: `POST /api/auth.test`, `/api/chat.postMessage`, `/api/users.info`
 *   (form or JSON bodies, `Authorization: Bearer`) → `{ ok: true, … }` or
 *   `{ ok: false, error: 'invalid_auth' | 'channel_not_found' | 'user_not_found' }`,
 *   HTTP 429 with `Retry-After` when rate limited.
 *
 * Faults (429, 500) are injected on demand; every accepted message is logged.
 */

export const FAKE_SLACK_BOT_TOKEN = 'xoxb-1111-2222-fakeslacktoken'

export interface FakeSlackMessage {
  via: 'webhook' | 'bot'
  /** Webhook path or channel. */
  target: string
  text: string
  blocks: unknown[] | null
  at: Date
}

export interface FakeSlackUser {
  id: string
  email: string | null
  name?: string
}

export interface FakeSlack {
  readonly url: string
  /** Base for WebClient's slackApiUrl. */
  readonly apiUrl: string
  readonly botToken: string
  readonly messages: FakeSlackMessage[]
  /** Every request received, faulted ones included. */
  readonly requests: Array<{ method: string; path: string; status: number }>
  /** A new incoming webhook URL (`<url>/services/T…/B…/<secret>`). */
  createWebhook(name?: string): string
  /** The hook stops working (404 no_service), like a removed app or archived channel. */
  revokeWebhook(url: string): void
  addUser(user: FakeSlackUser): void
  faults: {
    /** The next `count` matching requests get HTTP 429 with Retry-After. */
    rateLimit(count: number, options?: { retryAfterSeconds?: number; path?: RegExp }): void
    /** The next `count` matching requests get HTTP 500. */
    serverErrors(count: number, options?: { path?: RegExp }): void
    clear(): void
  }
  close(): Promise<void>
}

interface Fault {
  kind: 'rate_limit' | 'server_error'
  remaining: number
  retryAfterSeconds: number
  path?: RegExp
}

export async function startFakeSlack(options: { port?: number; botToken?: string; team?: string; channels?: string[] } = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? FAKE_SLACK_BOT_TOKEN
  const team = options.team ?? 'Fake Workspace'
  const channels = new Set(options.channels ?? ['#partners', 'C0PARTNERS'])
  const hooks = new Set<string>()
  const users = new Map<string, FakeSlackUser>()
  const messages: FakeSlackMessage[] = []
  const requests: FakeSlack['requests'] = []
  let faults: Fault[] = []
  let hookCounter = 0
  const sockets = new Set<Socket>()

  const takeFault = (path: string): Fault | null => {
    const fault = faults.find((entry) => entry.remaining > 0 && (!entry.path || entry.path.test(path)))
    if (!fault) return null
    fault.remaining -= 1
    return fault
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/'
      const body = Buffer.concat(chunks).toString('utf8')
      const send = (status: number, payload: string | object, headers: Record<string, string> = {}) => {
        requests.push({ method: req.method ?? 'GET', path, status })
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
        res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...headers })
        res.end(text)
      }
      const fault = takeFault(path)
      if (fault?.kind === 'rate_limit') return send(429, path.startsWith('/api/') ? { ok: false, error: 'ratelimited' } : 'rate_limited', { 'retry-after': String(fault.retryAfterSeconds) })
      if (fault?.kind === 'server_error') return send(500, path.startsWith('/api/') ? { ok: false, error: 'internal_error' } : 'internal_error')

      if (path.startsWith('/services/')) {
        if (req.method !== 'POST') return send(405, 'invalid_method')
        if (!hooks.has(path)) return send(404, 'no_service')
        let payload: { text?: unknown; blocks?: unknown }
        try {
          payload = JSON.parse(body) as typeof payload
        } catch {
          return send(400, 'invalid_payload')
        }
        if ((typeof payload.text !== 'string' || payload.text === '') && !Array.isArray(payload.blocks)) return send(400, 'no_text')
        messages.push({ via: 'webhook', target: path, text: typeof payload.text === 'string' ? payload.text : '', blocks: Array.isArray(payload.blocks) ? payload.blocks : null, at: new Date() })
        return send(200, 'ok')
      }

      if (path.startsWith('/api/')) {
        const method = path.slice('/api/'.length)
        const params = parseBody(req.headers['content-type'] ?? '', body)
        const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || String(params.token ?? '')
        if (token !== botToken) return send(200, { ok: false, error: token ? 'invalid_auth' : 'not_authed' })
        switch (method) {
          case 'auth.test':
            return send(200, { ok: true, url: 'https://fake.slack.test/', team, user: 'accord', team_id: 'T0FAKE', user_id: 'U0ACCORD', bot_id: 'B0ACCORD' })
          case 'chat.postMessage': {
            const channel = String(params.channel ?? '')
            if (!channels.has(channel)) return send(200, { ok: false, error: 'channel_not_found' })
            const text = typeof params.text === 'string' ? params.text : ''
            const blocks = typeof params.blocks === 'string' ? (JSON.parse(params.blocks) as unknown[]) : Array.isArray(params.blocks) ? params.blocks : null
            if (!text && !blocks) return send(200, { ok: false, error: 'no_text' })
            messages.push({ via: 'bot', target: channel, text, blocks, at: new Date() })
            return send(200, { ok: true, channel, ts: `${Date.now() / 1000}`, message: { text } })
          }
          case 'users.info': {
            const user = users.get(String(params.user ?? ''))
            if (!user) return send(200, { ok: false, error: 'user_not_found' })
            return send(200, { ok: true, user: { id: user.id, name: user.name ?? user.id, profile: { email: user.email ?? undefined, real_name: user.name ?? user.id } } })
          }
          default:
            return send(200, { ok: false, error: 'unknown_method' })
        }
      }
      return send(404, 'not_found')
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    apiUrl: `${url}/api/`,
    botToken,
    messages,
    requests,
    createWebhook(name = 'hook') {
      hookCounter += 1
      const path = `/services/T0FAKE/B${String(hookCounter).padStart(4, '0')}/${name.replace(/[^a-z0-9]/gi, '')}${hookCounter}secret`
      hooks.add(path)
      return `${url}${path}`
    },
    revokeWebhook(hookUrl) {
      hooks.delete(new URL(hookUrl).pathname)
    },
    addUser(user) {
      users.set(user.id, user)
    },
    faults: {
      rateLimit(count, faultOptions = {}) {
        faults.push({ kind: 'rate_limit', remaining: count, retryAfterSeconds: faultOptions.retryAfterSeconds ?? 7, path: faultOptions.path })
      },
      serverErrors(count, faultOptions = {}) {
        faults.push({ kind: 'server_error', remaining: count, retryAfterSeconds: 0, path: faultOptions.path })
      },
      clear() {
        faults = []
      },
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function parseBody(contentType: string, body: string): Record<string, unknown> {
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(body) as Record<string, unknown>
    } catch {
      return {}
    }
  }
  return Object.fromEntries(new URLSearchParams(body))
}

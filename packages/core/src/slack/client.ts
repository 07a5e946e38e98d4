import { createOutboundClient, type OutboundClient, type OutboundFailure, type OutboundPolicy, SLACK_API_POLICY, SLACK_WEBHOOK_POLICY, toOutboundError } from '@accord/outbound'
import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient } from '@slack/web-api'
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook'

/**
 * The one place Accord talks to Slack: an incoming webhook (`@slack/webhook`)
 * or a bot token (`@slack/web-api`, chat.postMessage / auth.test / users.info).
 * Neither client retries here: failures become a `SlackCallError` kind and
 * the outbox (pg-boss) decides — `rate_limited` carries Slack's Retry-After.
 * Webhook and API URLs are the tenant's, so both SDKs fetch through the
 * outbound guard (Slack's hosts only, unless the operator allows others),
 * and errors name Slack's documented error code or the HTTP status, never
 * the text of an answer or a socket error.
 */

export const SLACK_API_URL = 'https://slack.com/api/'
const TIMEOUT_MS = 10_000

export type SlackTarget = { kind: 'webhook'; url: string } | { kind: 'bot'; token: string; channel: string; apiUrl?: string | null }

export interface SlackMessageBody {
  text: string
  blocks?: unknown[] | null
}

export type SlackErrorKind = 'rate_limited' | 'transient' | 'invalid' | 'auth'

export class SlackCallError extends Error {
  constructor(
    readonly kind: SlackErrorKind,
    message: string,
    readonly retryAfterSeconds: number | null = null,
    options?: ErrorOptions & { outbound?: OutboundFailure },
  ) {
    super(message, options)
    this.name = 'SlackCallError'
    this.outbound = options?.outbound ?? null
  }

  /** Set when the outbound guard stopped the request; `message` is then its tenant-safe text. */
  readonly outbound: OutboundFailure | null
}

/**
 * The guard's failure as a SlackCallError: a refused address will not heal
 * by retrying (so it is treated like a revoked webhook), the rest is transient.
 */
function guardFailure(error: unknown): SlackCallError {
  const outbound = toOutboundError(error, 'Slack')
  const refused = outbound.failure === 'not_allowed' || outbound.failure === 'redirected'
  return new SlackCallError(refused ? 'auth' : 'transient', outbound.message, null, { cause: outbound, outbound: outbound.failure })
}

/** Slack's error codes are short snake_case identifiers; anything else in that place is not repeated. */
function slackCode(value: unknown): string | null {
  return typeof value === 'string' && /^[a-z][a-z0-9_]{0,59}$/.test(value) ? value : null
}

/** What @slack/webhook says in a failed answer's body, for the codes Slack documents; other bodies are not repeated. */
const WEBHOOK_ERRORS = new Set([
  'invalid_payload',
  'invalid_token',
  'no_service',
  'no_service_id',
  'no_team',
  'no_text',
  'team_disabled',
  'user_not_found',
  'channel_not_found',
  'channel_is_archived',
  'action_prohibited',
  'posting_to_general_channel_denied',
  'too_many_attachments',
  'invalid_blocks',
  'invalid_blocks_format',
  'missing_text_or_fallback_or_attachments',
  'rollup_error',
])

function guardedClient(policy: OutboundPolicy): OutboundClient {
  // One short-lived client per call: Slack traffic is a post now and then, so no pooled connections to keep.
  return createOutboundClient({ policy, timeoutMs: TIMEOUT_MS, maxResponseBytes: 1024 * 1024, keepAlive: false })
}

const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'missing_scope', 'no_permission', 'ekm_access_denied'])
const WEBHOOK_AUTH_STATUSES = new Set([401, 403, 404, 410])

async function withBotClient<Result>(token: string, apiUrl: string | null | undefined, run: (client: WebClient) => Promise<Result>): Promise<Result> {
  const base = (apiUrl ?? SLACK_API_URL).replace(/\/?$/, '/')
  const outbound = guardedClient(SLACK_API_POLICY)
  try {
    // Refused before the SDK is involved: no socket, and the tenant-safe message.
    outbound.check(base)
  } catch (error) {
    outbound.close()
    throw guardFailure(error)
  }
  const client = new WebClient(token, {
    slackApiUrl: base,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: TIMEOUT_MS,
    logLevel: LogLevel.ERROR,
    allowAbsoluteUrls: false,
    fetch: outbound.fetch as never,
  })
  try {
    return await run(client)
  } catch (error) {
    throw classifyWebApiError(error)
  } finally {
    outbound.close()
  }
}

function classifyWebApiError(error: unknown): SlackCallError {
  if (error instanceof SlackCallError) return error
  if (error instanceof WebAPIRateLimitedError) return new SlackCallError('rate_limited', `Slack asks to wait ${error.retryAfter} s (rate limit).`, error.retryAfter, { cause: error })
  if (error instanceof WebAPIPlatformError) {
    const code = slackCode(error.data.error)
    if (code === 'ratelimited') return new SlackCallError('rate_limited', 'Slack rate limit reached.', 30, { cause: error })
    if (code && AUTH_ERRORS.has(code)) return new SlackCallError('auth', `Slack refused the token (${code}).`, null, { cause: error })
    if (code === 'internal_error' || code === 'fatal_error' || code === 'service_unavailable' || code === 'request_timeout') return new SlackCallError('transient', `Slack had a problem (${code}).`, null, { cause: error })
    return new SlackCallError('invalid', code ? `Slack refused the message (${code}).` : 'Slack refused the message.', null, { cause: error })
  }
  if (error instanceof WebAPIHTTPError) return new SlackCallError(error.statusCode >= 500 ? 'transient' : 'invalid', `Slack answered HTTP ${error.statusCode}.`, null, { cause: error })
  // Refused by the guard, unreachable, too slow, too large, or an answer the SDK could not parse: the guard's words only.
  if (error instanceof WebAPIRequestError) return guardFailure(error.original)
  return guardFailure(error)
}

async function postViaWebhook(url: string, message: SlackMessageBody): Promise<void> {
  const outbound = guardedClient(SLACK_WEBHOOK_POLICY)
  try {
    // Refused before the SDK is involved: no socket, and the tenant-safe message.
    outbound.check(url)
  } catch (error) {
    outbound.close()
    throw guardFailure(error)
  }
  // @slack/webhook's HTTP error has no headers; remember the last Retry-After ourselves.
  let retryAfter: string | null = null
  const webhook = new IncomingWebhook(url, {
    timeout: TIMEOUT_MS,
    retryConfig: { retries: 0 },
    fetch: async (input, init) => {
      const response = await outbound.fetch(input as string, init as RequestInit)
      retryAfter = response.headers.get('retry-after')
      return response as never
    },
  })
  try {
    await webhook.send({ text: message.text, ...(message.blocks ? { blocks: message.blocks as never } : {}) })
  } catch (error) {
    if (error instanceof IncomingWebhookHTTPError) {
      const body = String(error.body ?? '').trim()
      const code = WEBHOOK_ERRORS.has(body) ? body : `HTTP ${error.statusCode}`
      if (error.statusCode === 429) {
        const seconds = Number.parseInt(retryAfter ?? '', 10)
        throw new SlackCallError('rate_limited', 'Slack asks to slow down (rate limit).', Number.isFinite(seconds) && seconds >= 0 ? seconds : 30, { cause: error })
      }
      if (error.statusCode >= 500) throw new SlackCallError('transient', `Slack answered HTTP ${error.statusCode}.`, null, { cause: error })
      if (WEBHOOK_AUTH_STATUSES.has(error.statusCode)) throw new SlackCallError('auth', `Slack no longer accepts this webhook (${code}). It was removed or the channel archived; paste a new webhook URL.`, null, { cause: error })
      throw new SlackCallError('invalid', `Slack refused the message (${code}).`, null, { cause: error })
    }
    throw guardFailure(error instanceof IncomingWebhookRequestError ? error.original : error)
  } finally {
    outbound.close()
  }
}

export async function postSlackMessage(target: SlackTarget, message: SlackMessageBody): Promise<void> {
  if (target.kind === 'webhook') return postViaWebhook(target.url, message)
  await withBotClient(target.token, target.apiUrl, (client) => client.chat.postMessage({ channel: target.channel, text: message.text, ...(message.blocks ? { blocks: message.blocks as never } : {}) }))
}

/** auth.test: which workspace and bot a token belongs to. */
export async function slackAuthTest(token: string, apiUrl?: string | null): Promise<{ team: string; teamId: string | null; user: string | null }> {
  const result = await withBotClient(token, apiUrl, (client) => client.auth.test())
  return { team: result.team ?? 'Slack workspace', teamId: result.team_id ?? null, user: result.user ?? null }
}

/** users.info: the Slack user's e-mail (needs the users:read.email scope), or null. */
export async function slackUserEmail(token: string, apiUrl: string | null | undefined, userId: string): Promise<string | null> {
  try {
    const result = await withBotClient(token, apiUrl, (client) => client.users.info({ user: userId }))
    const email = result.user?.profile?.email
    return typeof email === 'string' && email.includes('@') ? email.trim().toLowerCase() : null
  } catch (error) {
    if (error instanceof SlackCallError && error.kind === 'invalid') return null
    throw error
  }
}

import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient } from '@slack/web-api'
import { IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook'

/**
 * The one place Accord talks to Slack: an incoming webhook (`@slack/webhook`)
 * or a bot token (`@slack/web-api`, chat.postMessage / auth.test / users.info).
 * Neither client retries here: failures become a `SlackCallError` kind and
 * the outbox (pg-boss) decides — `rate_limited` carries Slack's Retry-After.
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
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'SlackCallError'
  }
}

const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'missing_scope', 'no_permission', 'ekm_access_denied'])
const WEBHOOK_AUTH_STATUSES = new Set([401, 403, 404, 410])

function botClient(token: string, apiUrl: string | null | undefined): WebClient {
  const base = (apiUrl ?? SLACK_API_URL).replace(/\/?$/, '/')
  return new WebClient(token, { slackApiUrl: base, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: TIMEOUT_MS, logLevel: LogLevel.ERROR, allowAbsoluteUrls: false })
}

function classifyWebApiError(error: unknown): SlackCallError {
  if (error instanceof SlackCallError) return error
  if (error instanceof WebAPIRateLimitedError) return new SlackCallError('rate_limited', `Slack asks to wait ${error.retryAfter} s (rate limit).`, error.retryAfter, { cause: error })
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error
    if (code === 'ratelimited') return new SlackCallError('rate_limited', 'Slack rate limit reached.', 30, { cause: error })
    if (AUTH_ERRORS.has(code)) return new SlackCallError('auth', `Slack refused the token (${code}).`, null, { cause: error })
    if (code === 'internal_error' || code === 'fatal_error' || code === 'service_unavailable' || code === 'request_timeout') return new SlackCallError('transient', `Slack had a problem (${code}).`, null, { cause: error })
    return new SlackCallError('invalid', `Slack refused the message (${code}).`, null, { cause: error })
  }
  if (error instanceof WebAPIHTTPError) return new SlackCallError(error.statusCode >= 500 ? 'transient' : 'invalid', `Slack answered HTTP ${error.statusCode}.`, null, { cause: error })
  if (error instanceof WebAPIRequestError) return new SlackCallError('transient', `Slack could not be reached: ${error.original.message}`, null, { cause: error })
  return new SlackCallError('transient', error instanceof Error ? error.message : String(error), null, { cause: error })
}

async function postViaWebhook(url: string, message: SlackMessageBody): Promise<void> {
  // @slack/webhook's HTTP error has no headers; remember the last Retry-After ourselves.
  let retryAfter: string | null = null
  const webhook = new IncomingWebhook(url, {
    timeout: TIMEOUT_MS,
    retryConfig: { retries: 0 },
    fetch: async (input, init) => {
      const response = await fetch(input, init as RequestInit)
      retryAfter = response.headers.get('retry-after')
      return response as never
    },
  })
  try {
    await webhook.send({ text: message.text, ...(message.blocks ? { blocks: message.blocks as never } : {}) })
  } catch (error) {
    if (error instanceof IncomingWebhookHTTPError) {
      const body = String(error.body ?? '').slice(0, 200)
      if (error.statusCode === 429) {
        const seconds = Number.parseInt(retryAfter ?? '', 10)
        throw new SlackCallError('rate_limited', 'Slack asks to slow down (rate limit).', Number.isFinite(seconds) && seconds >= 0 ? seconds : 30, { cause: error })
      }
      if (error.statusCode >= 500) throw new SlackCallError('transient', `Slack answered HTTP ${error.statusCode}.`, null, { cause: error })
      if (WEBHOOK_AUTH_STATUSES.has(error.statusCode)) throw new SlackCallError('auth', `Slack no longer accepts this webhook (${body || error.statusCode}). It was removed or the channel archived; paste a new webhook URL.`, null, { cause: error })
      throw new SlackCallError('invalid', `Slack refused the message (${body || error.statusCode}).`, null, { cause: error })
    }
    throw new SlackCallError('transient', `Slack could not be reached: ${error instanceof Error ? error.message : String(error)}`, null, { cause: error })
  }
}

export async function postSlackMessage(target: SlackTarget, message: SlackMessageBody): Promise<void> {
  if (target.kind === 'webhook') return postViaWebhook(target.url, message)
  try {
    await botClient(target.token, target.apiUrl).chat.postMessage({ channel: target.channel, text: message.text, ...(message.blocks ? { blocks: message.blocks as never } : {}) })
  } catch (error) {
    throw classifyWebApiError(error)
  }
}

/** auth.test: which workspace and bot a token belongs to. */
export async function slackAuthTest(token: string, apiUrl?: string | null): Promise<{ team: string; teamId: string | null; user: string | null }> {
  try {
    const result = await botClient(token, apiUrl).auth.test()
    return { team: result.team ?? 'Slack workspace', teamId: result.team_id ?? null, user: result.user ?? null }
  } catch (error) {
    throw classifyWebApiError(error)
  }
}

/** users.info: the Slack user's e-mail (needs the users:read.email scope), or null. */
export async function slackUserEmail(token: string, apiUrl: string | null | undefined, userId: string): Promise<string | null> {
  try {
    const result = await botClient(token, apiUrl).users.info({ user: userId })
    const email = result.user?.profile?.email
    return typeof email === 'string' && email.includes('@') ? email.trim().toLowerCase() : null
  } catch (error) {
    const classified = classifyWebApiError(error)
    if (classified.kind === 'invalid') return null
    throw classified
  }
}

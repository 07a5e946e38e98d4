import { isUuid, type TenantTransaction, withTenant } from '@accord/db'
import { slackPost } from '@accord/jobs'
import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { decryptSecret } from '../encryption/secrets.js'
import { AppError } from '../errors.js'
import { postSlackMessage, SlackCallError, type SlackTarget } from './client.js'
import { slackTargetOf } from './connection.js'

/**
 * The Slack outbox. Callers enqueue inside their own transaction
 * (`enqueueSlackMessage`): one `slack_messages` row per dedupe key plus a
 * `slack.post` job, both committed or neither. The worker delivers with
 * `deliverSlackMessage`, at most once per row however often the job runs.
 * Without a Slack connection (or a partner channel) enqueueing is a no-op.
 */

export type SlackMessageTarget = 'tenant' | { partnerId: string }

export interface EnqueueSlackMessageInput {
  tenantId: string
  target: SlackMessageTarget
  /** e.g. 'announcement', 'registration.status' */
  kind: string
  /** The same key never posts twice (per tenant). */
  dedupeKey: string
  text: string
  blocks?: unknown[] | null
}

export type EnqueueSlackOutcome = { queued: true; messageId: string } | { queued: false; reason: 'not_connected' | 'no_partner_channel' | 'duplicate' }

export async function enqueueSlackMessage(trx: TenantTransaction, deps: Pick<CoreDeps, 'jobs'>, input: EnqueueSlackMessageInput): Promise<EnqueueSlackOutcome> {
  const partnerId = input.target === 'tenant' ? null : input.target.partnerId
  if (partnerId === null) {
    const connection = await trx.selectFrom('slack_connections').select('status').where('tenant_id', '=', input.tenantId).executeTakeFirst()
    if (!connection || connection.status === 'disconnected') return { queued: false, reason: 'not_connected' }
  } else {
    const channel = await trx.selectFrom('partner_slack_channels').select('partner_id').where('tenant_id', '=', input.tenantId).where('partner_id', '=', partnerId).executeTakeFirst()
    if (!channel) return { queued: false, reason: 'no_partner_channel' }
  }
  const inserted = await trx
    .insertInto('slack_messages')
    .values({
      tenant_id: input.tenantId,
      partner_id: partnerId,
      kind: input.kind.slice(0, 80),
      dedupe_key: input.dedupeKey.slice(0, 500),
      // Slack cuts a message at 40,000 characters; stay well below.
      text: input.text.length > 3900 ? `${input.text.slice(0, 3899)}…` : input.text,
      blocks: input.blocks ? JSON.stringify(input.blocks) : null,
    })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) return { queued: false, reason: 'duplicate' }
  await deps.jobs.send(trx, slackPost, { tenantId: input.tenantId, messageId: inserted.id })
  return { queued: true, messageId: inserted.id }
}

export type SlackDeliveryOutcome = 'sent' | 'already-sent' | 'failed' | 'already-failed' | 'missing' | 'rate_limited'

/** Transient failures (5xx, network) get this many tries in all (pg-boss retries with backoff in between), then the row is failed. */
export const SLACK_TRANSIENT_ATTEMPTS = 6
/** Rate-limit waits do not count as failures, but a channel that only ever answers 429 is given up after this many attempts. */
export const SLACK_MAX_ATTEMPTS = 20
const MAX_ERROR_LENGTH = 1000

/**
 * Post one outbox row. The row is locked `for update` for the whole post, so
 * a second run of the job waits and then finds it sent. A 429 stores the wait
 * and sends a fresh job starting after Slack's Retry-After (in the same
 * transaction); a transient failure is recorded and rethrown so pg-boss
 * retries with backoff; a refusal (bad webhook, revoked token) fails the row
 * and, for the tenant's channel, marks the connection as in error.
 */
export async function deliverSlackMessage(deps: Pick<CoreDeps, 'db' | 'now' | 'jobs'>, input: { tenantId: string; messageId: string }): Promise<{ outcome: SlackDeliveryOutcome; retryAt?: Date }> {
  if (!isUuid(input.tenantId) || !isUuid(input.messageId)) throw new AppError('BAD_REQUEST', 'tenantId and messageId must be uuids')
  let retryLater: unknown = null
  const result = await withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const row = await trx.selectFrom('slack_messages').selectAll().where('id', '=', input.messageId).forUpdate().executeTakeFirst()
    if (!row) return { outcome: 'missing' as const }
    if (row.status === 'sent') return { outcome: 'already-sent' as const }
    if (row.status === 'failed') return { outcome: 'already-failed' as const }
    const now = deps.now()
    // Slack asked us to wait (429) and this run is early (a duplicate job): come back when the wait is over.
    if (row.next_attempt_at && row.next_attempt_at.getTime() > now.getTime() + 1000) {
      await deps.jobs.send(trx, slackPost, { tenantId: input.tenantId, messageId: row.id }, { startAfter: row.next_attempt_at })
      return { outcome: 'rate_limited' as const, retryAt: row.next_attempt_at }
    }
    const attempts = row.attempts + 1
    const fail = async (message: string) => {
      await trx.updateTable('slack_messages').set({ status: 'failed', attempts, last_error: truncate(message), next_attempt_at: null, updated_at: now }).where('id', '=', row.id).execute()
      return { outcome: 'failed' as const }
    }

    let target: SlackTarget
    if (row.partner_id === null) {
      const connection = await trx.selectFrom('slack_connections').selectAll().executeTakeFirst()
      if (!connection || connection.status === 'disconnected') return fail('Slack is not connected.')
      target = slackTargetOf(connection)
    } else {
      const channel = await trx.selectFrom('partner_slack_channels').select('webhook_url_ciphertext').where('partner_id', '=', row.partner_id).executeTakeFirst()
      if (!channel) return fail('The partner’s Slack channel was removed.')
      target = { kind: 'webhook', url: decryptSecret(channel.webhook_url_ciphertext) }
    }

    try {
      await postSlackMessage(target, { text: row.text, blocks: (row.blocks as unknown[] | null) ?? null })
      await trx.updateTable('slack_messages').set({ status: 'sent', attempts, last_error: null, next_attempt_at: null, sent_at: now, updated_at: now }).where('id', '=', row.id).execute()
      return { outcome: 'sent' as const }
    } catch (error) {
      // postSlackMessage only throws SlackCallError; anything else is ours, and its text stays in the log, not the outbox.
      const classified = error instanceof SlackCallError ? error : new SlackCallError('transient', 'Could not reach Slack.', null, { cause: error })
      if (classified.kind === 'rate_limited' && attempts < SLACK_MAX_ATTEMPTS) {
        const retryAt = new Date(now.getTime() + Math.max(1, classified.retryAfterSeconds ?? 30) * 1000)
        await trx.updateTable('slack_messages').set({ attempts, last_error: truncate(classified.message), next_attempt_at: retryAt, updated_at: now }).where('id', '=', row.id).execute()
        await deps.jobs.send(trx, slackPost, { tenantId: input.tenantId, messageId: row.id }, { startAfter: retryAt })
        return { outcome: 'rate_limited' as const, retryAt }
      }
      if (classified.kind === 'transient' && attempts < Math.min(SLACK_TRANSIENT_ATTEMPTS, SLACK_MAX_ATTEMPTS)) {
        await trx.updateTable('slack_messages').set({ attempts, last_error: truncate(classified.message), updated_at: now }).where('id', '=', row.id).execute()
        retryLater = classified
        return { outcome: 'failed' as const }
      }
      if (classified.kind === 'auth' && row.partner_id === null) {
        await trx.updateTable('slack_connections').set({ status: 'error', last_error: truncate(classified.message), last_error_at: now }).execute()
      }
      return fail(classified.message)
    }
  })
  // Thrown after the transaction committed the attempt, so pg-boss's retry sees it.
  if (retryLater !== null) throw retryLater
  return result
}

function truncate(message: string): string {
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message
}

/** Slack's mrkdwn: only &, < and > need escaping. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

const STATUS_WORDS: Record<string, string> = {
  submitted: 'received',
  under_review: 'in review',
  info_requested: 'needs more information',
  approved: 'approved',
  rejected: 'not approved',
  won: 'won',
  lost: 'lost',
  expired: 'expired',
}

export interface RegistrationStatusNotice {
  tenantId: string
  registrationId: string
  caseReference: string
  companyName: string
  partnerId: string
  partnerName: string
  status: string
  /** A partner-visible note (reason, question); never conflict details. */
  partnerNote?: string | null
  /** Distinguishes two visits to the same status (e.g. the registration event id); defaults to the status. */
  eventKey?: string
}

/**
 * A registration's status change, posted to the vendor's channel (with the
 * partner's name and a link to the review page) and, when the partner has a
 * shared channel, to that channel (partner-safe: the partner's own case only,
 * with a portal link). Call it inside the transaction that changed the status.
 */
export async function notifySlackOfRegistrationStatus(trx: TenantTransaction, deps: Pick<CoreDeps, 'jobs' | 'adminUrl' | 'portal'>, input: RegistrationStatusNotice): Promise<{ tenant: EnqueueSlackOutcome; partner: EnqueueSlackOutcome }> {
  const words = STATUS_WORDS[input.status] ?? input.status.replace(/_/g, ' ')
  const key = `registration-status:${input.registrationId}:${input.eventKey ?? input.status}`
  const company = slackEscape(input.companyName)
  const note = input.partnerNote ? `\n>${slackEscape(input.partnerNote).replace(/\n/g, '\n>')}` : ''
  const tenant = await enqueueSlackMessage(trx, deps, {
    tenantId: input.tenantId,
    target: 'tenant',
    kind: 'registration.status',
    dedupeKey: key,
    text: `<${deps.adminUrl}/registrations/${input.registrationId}|${input.caseReference}> ${company} (${slackEscape(input.partnerName)}): ${words}${note}`,
  })
  const slug = await trx.selectFrom('tenants').select('slug').where('id', '=', input.tenantId).executeTakeFirst()
  const partner = slug
    ? await enqueueSlackMessage(trx, deps, {
        tenantId: input.tenantId,
        target: { partnerId: input.partnerId },
        kind: 'registration.status',
        dedupeKey: `${key}:partner`,
        text: `<${portalBaseUrl(deps.portal, slug.slug)}/registrations/${input.registrationId}|${input.caseReference}> ${company}: ${words}${note}`,
      })
    : ({ queued: false, reason: 'no_partner_channel' } as const)
  return { tenant, partner }
}

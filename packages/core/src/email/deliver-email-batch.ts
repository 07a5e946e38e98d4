import { isUuid, sql, type TenantTransaction, withTenant } from '@accord/db'
import { type BatchMessageResult, EmailSendError, type EmailTransport, MAX_BATCH_SIZE, SENT_LINK_PLACEHOLDER } from '@accord/email'
import type { CoreDeps } from '../context.js'
import { AppError } from '../errors.js'
import { errorMessage, withoutOneTimeSecrets } from './deliver-outbox-email.js'
import { pacedRequest } from './pacer.js'

export interface DeliverEmailBatchDeps extends Pick<CoreDeps, 'db' | 'now'> {
  /** null = local mode: the dev mailbox stands in for a provider. */
  transport: EmailTransport | null
}

export interface BatchDelivery {
  /** Messages handed over in this run. */
  sent: number
  /** Messages refused for good in this run (bad address …). */
  failed: number
  /** The provider could not take the batch now: it waits and is tried again later. */
  deferred: boolean
  /** More of this workspace's mail is waiting now: queue the next batch behind the other workspaces. */
  more: boolean
  /** Only batches waiting out a provider failure are left: try again at this time. */
  retryAt: Date | null
}

/** Tries of one batch before its messages are given up as failed. */
export const MAX_BATCH_ATTEMPTS = 8
/** Local mode writes to the dev mailbox: nothing to pace, larger batches. */
const LOCAL_BATCH_SIZE = 500

type BatchRow = { id: string; template: string; from_email: string; to_email: string; reply_to: string | null; subject: string; html: string; text: string; secrets: string[] | null }

/**
 * One batch of one workspace's bulk mail (notifications, announcements).
 *
 * Through a provider, in two steps: (1) up to 100 of the oldest queued rows
 * are claimed into an `email_batches` row and committed, so the batch's
 * membership survives a crash; (2) with that batch row locked, its messages
 * go out in one request whose Idempotency-Key is the batch id, and each
 * message's outcome is recorded. A crash or provider failure in (2) leaves
 * the batch `sending` with the same rows: the next run sends the identical
 * request with the same key, so the provider answers with the first result
 * and nobody gets a message twice. Provider failures are not thrown: the
 * batch waits (backoff per attempt) and `retryAt` says when to come back.
 *
 * In local mode the dev mailbox takes a larger batch in one transaction.
 */
export async function deliverEmailBatch(deps: DeliverEmailBatchDeps, input: { tenantId: string }): Promise<BatchDelivery> {
  if (!isUuid(input.tenantId)) throw new AppError('BAD_REQUEST', 'tenantId must be a uuid')
  if (!deps.transport) return deliverToDevMailbox(deps, input.tenantId)
  const transport = deps.transport
  // A batch left `sending` by an earlier run (crash, provider failure) goes first, then new mail.
  let result = await sendOpenBatch(deps, transport, input.tenantId, null)
  if (!result) {
    const claimed = await claimBatch(deps, input.tenantId)
    if (claimed) result = await sendOpenBatch(deps, transport, input.tenantId, claimed)
  }
  // What is left for a next run: unclaimed mail, or a batch that is due and nobody is sending (locked rows are
  // another run's, in flight, so they are skipped rather than counted, or two loops would spin on each other).
  const now = deps.now()
  const waiting = await withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const queued = await trx.selectFrom('email_outbox').select('id').where('stream', '=', 'bulk').where('status', '=', 'queued').limit(1).forUpdate().skipLocked().executeTakeFirst()
    const due = await trx.selectFrom('email_batches').select('id').where('status', '=', 'sending').where('next_attempt_at', '<=', now).limit(1).forUpdate().skipLocked().executeTakeFirst()
    const later = await trx.selectFrom('email_batches').select(sql<Date | null>`min(next_attempt_at)`.as('next')).where('status', '=', 'sending').where('next_attempt_at', '>', now).executeTakeFirst()
    return { more: Boolean(queued) || Boolean(due), later: later?.next ?? null }
  })
  return {
    sent: result?.sent ?? 0,
    failed: result?.failed ?? 0,
    deferred: result?.deferred ?? false,
    more: waiting.more,
    retryAt: waiting.more ? null : waiting.later,
  }
}

/** Step 1: the oldest queued bulk rows become a batch (committed before anything is sent). */
async function claimBatch(deps: Pick<CoreDeps, 'db' | 'now'>, tenantId: string): Promise<string | null> {
  return withTenant(deps.db, { tenantId }, async (trx) => {
    const rows = await trx
      .selectFrom('email_outbox')
      .select('id')
      .where('stream', '=', 'bulk')
      .where('status', '=', 'queued')
      .orderBy('created_at')
      .orderBy('id')
      .limit(MAX_BATCH_SIZE)
      .forUpdate()
      .skipLocked()
      .execute()
    if (rows.length === 0) return null
    const now = deps.now()
    const batch = await trx.insertInto('email_batches').values({ tenant_id: tenantId, size: rows.length, status: 'sending', created_at: now, updated_at: now, next_attempt_at: now }).returning('id').executeTakeFirstOrThrow()
    await trx
      .updateTable('email_outbox')
      .set({ status: 'sending', batch_id: batch.id, updated_at: now })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute()
    return batch.id
  })
}

/**
 * Step 2: lock a batch (the given one, or any due one when `batchId` is null)
 * and send it. null when there is nothing to send or another run holds it.
 */
async function sendOpenBatch(deps: DeliverEmailBatchDeps, transport: EmailTransport, tenantId: string, batchId: string | null): Promise<{ sent: number; failed: number; deferred: boolean } | null> {
  return withTenant(deps.db, { tenantId }, async (trx) => {
    let query = trx.selectFrom('email_batches').select(['id', 'attempts']).where('status', '=', 'sending')
    query = batchId ? query.where('id', '=', batchId) : query.where('next_attempt_at', '<=', deps.now()).orderBy('next_attempt_at')
    const batch = await query.limit(1).forUpdate().skipLocked().executeTakeFirst()
    if (!batch) return null
    const rows: BatchRow[] = await trx
      .selectFrom('email_outbox')
      .select(['id', 'template', 'from_email', 'to_email', 'reply_to', 'subject', 'html', 'text', 'secrets'])
      .where('batch_id', '=', batch.id)
      .where('status', '=', 'sending')
      .orderBy('id')
      .execute()
    const attempts = batch.attempts + 1
    const now = deps.now()
    if (rows.length === 0) {
      await trx.updateTable('email_batches').set({ status: 'sent', attempts, sent_at: now, updated_at: now }).where('id', '=', batch.id).execute()
      return { sent: 0, failed: 0, deferred: false }
    }
    let results: BatchMessageResult[]
    try {
      if (!transport.sendBatch) throw new EmailSendError('This e-mail transport cannot send batches.', { retryable: false, statusCode: null, code: 'no_batch_support' })
      const sendBatch = transport.sendBatch.bind(transport)
      // Same rows in the same order, same key: a repeat after a crash is the identical request.
      results = await pacedRequest(deps, transport, () =>
        sendBatch(
          rows.map((row) => ({ from: row.from_email, to: row.to_email, replyTo: row.reply_to, subject: row.subject, html: row.html, text: row.text })),
          { idempotencyKey: `accord-batch/${batch.id}` },
        ),
      )
    } catch (error) {
      const retryable = !(error instanceof EmailSendError) || error.retryable
      if (retryable && attempts < MAX_BATCH_ATTEMPTS) {
        await trx
          .updateTable('email_batches')
          .set({ attempts, last_error: errorMessage(error), next_attempt_at: new Date(now.getTime() + backoffMs(attempts, error)), updated_at: now })
          .where('id', '=', batch.id)
          .execute()
        await trx.updateTable('email_outbox').set({ last_error: errorMessage(error), updated_at: now }).where('batch_id', '=', batch.id).where('status', '=', 'sending').execute()
        return { sent: 0, failed: 0, deferred: true }
      }
      const reason = retryable ? `Gave up after ${attempts} tries: ${errorMessage(error)}` : errorMessage(error)
      await trx.updateTable('email_batches').set({ status: 'failed', attempts, last_error: reason, updated_at: now }).where('id', '=', batch.id).execute()
      await trx
        .updateTable('email_outbox')
        .set({ status: 'failed', attempts: sql`attempts + 1`, last_error: reason, updated_at: now, ...withoutOneTimeSecrets })
        .where('batch_id', '=', batch.id)
        .where('status', '=', 'sending')
        .execute()
      return { sent: 0, failed: rows.length, deferred: false }
    }
    await recordOutcomes(trx, { now, transport: transport.name ?? 'resend', rows, results })
    await trx.updateTable('email_batches').set({ status: 'sent', attempts, last_error: null, sent_at: now, updated_at: now }).where('id', '=', batch.id).execute()
    const failed = results.filter((result) => !result.ok).length
    return { sent: rows.length - failed, failed, deferred: false }
  })
}

/** Each message's outcome in one statement; bodies lose their one-time links. */
async function recordOutcomes(trx: TenantTransaction, input: { now: Date; transport: string; rows: BatchRow[]; results: BatchMessageResult[] }) {
  const values = input.rows.map((row, index) => {
    const result = input.results[index] ?? { ok: false as const, error: 'The provider did not answer for this message.' }
    return result.ok ? sql`(${row.id}::uuid, 'sent', ${result.providerMessageId}, null::text)` : sql`(${row.id}::uuid, 'failed', null::text, ${result.error.slice(0, 2000)})`
  })
  await sql`
    update email_outbox o set
      status = v.status,
      provider_message_id = v.provider_message_id,
      last_error = v.error,
      attempts = o.attempts + 1,
      transport = ${input.transport},
      sent_at = case when v.status = 'sent' then ${input.now}::timestamptz end,
      updated_at = ${input.now},
      html = email_redact(o.html, o.secrets, ${SENT_LINK_PLACEHOLDER}),
      text = email_redact(o.text, o.secrets, ${SENT_LINK_PLACEHOLDER}),
      secrets = null
    from (values ${sql.join(values)}) as v (id, status, provider_message_id, error)
    where o.id = v.id`.execute(trx)
}

/** 5 s, 10 s, 20 s … at most 5 minutes; at least what a 429's retry-after asked for. */
function backoffMs(attempts: number, error: unknown): number {
  const base = Math.min(5_000 * 2 ** (attempts - 1), 300_000)
  const retryAfter = error instanceof EmailSendError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : 0
  return Math.max(base, retryAfter)
}

/** Local mode: the dev mailbox is the inbox; a larger batch, one transaction, no pacing. */
async function deliverToDevMailbox(deps: Pick<CoreDeps, 'db' | 'now'>, tenantId: string): Promise<BatchDelivery> {
  return withTenant(deps.db, { tenantId }, async (trx) => {
    const rows = await trx
      .selectFrom('email_outbox')
      .select(['id', 'from_email', 'to_email', 'reply_to', 'subject', 'html', 'text', 'secrets'])
      .where('stream', '=', 'bulk')
      .where('status', '=', 'queued')
      .orderBy('created_at')
      .orderBy('id')
      .limit(LOCAL_BATCH_SIZE + 1)
      .forUpdate()
      .skipLocked()
      .execute()
    const batch = rows.slice(0, LOCAL_BATCH_SIZE)
    if (batch.length === 0) return { sent: 0, failed: 0, deferred: false, more: false, retryAt: null }
    const tenant = await trx.selectFrom('tenants').select('slug').where('id', '=', tenantId).executeTakeFirstOrThrow()
    await trx
      .insertInto('dev_mailbox_messages')
      .values(batch.map((row) => ({ outbox_id: row.id, workspace_slug: tenant.slug, from_email: row.from_email, to_email: row.to_email, reply_to: row.reply_to, subject: row.subject, html: row.html, text: row.text, secrets: row.secrets })))
      .onConflict((conflict) => conflict.column('outbox_id').doNothing())
      .execute()
    const now = deps.now()
    await trx
      .updateTable('email_outbox')
      .set({ status: 'sent', attempts: sql`attempts + 1`, transport: 'local', provider_message_id: null, sent_at: now, last_error: null, updated_at: now, ...withoutOneTimeSecrets })
      .where(
        'id',
        'in',
        batch.map((row) => row.id),
      )
      .execute()
    return { sent: batch.length, failed: 0, deferred: false, more: rows.length > LOCAL_BATCH_SIZE, retryAt: null }
  })
}

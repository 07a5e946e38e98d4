import { isUuid, sql, type TenantTransaction, withTenant } from '@accord/db'
import { EmailSendError, type EmailTransport, SENT_LINK_PLACEHOLDER } from '@accord/email'
import type { CoreDeps } from '../context.js'
import { AppError } from '../errors.js'
import { pacedRequest } from './pacer.js'

export type DeliveryOutcome =
  /** Handed to the provider (or written to the dev mailbox) just now. */
  | 'sent'
  /** An earlier run delivered it: nothing done. */
  | 'already-sent'
  /** The provider refused it for good (bad address, bad payload); not retried. */
  | 'failed'
  /** Marked failed earlier (permanent error or dead-lettered): nothing done. */
  | 'already-failed'
  /** No such row in this tenant (deleted with its tenant): nothing to do. */
  | 'missing'
  /** A bulk batch holds it (being sent, or waiting to be tried again): the batch sends it, not this job. */
  | 'in-batch'

export interface DeliverOutboxEmailDeps extends Pick<CoreDeps, 'db' | 'now'> {
  /** null = local mode: the dev mailbox stands in for a provider. */
  transport: EmailTransport | null
}

const MAX_ERROR_LENGTH = 2000

/**
 * Deliver one outbox row, at most once however often (or concurrently) the job
 * runs. The row is locked `for update` for the whole delivery, so a second run
 * waits and then finds it sent. The outbox id is the provider's idempotency key,
 * so a crash after the provider accepted but before we committed is deduplicated
 * by the provider on retry.
 *
 * Retryable provider errors are recorded and rethrown (pg-boss retries with
 * backoff); permanent ones mark the row failed and return. Requests to the
 * provider are paced (its rate limit is shared with the batches); the dev
 * mailbox is not. Once the row is sent or failed, its one-time links are
 * replaced by a placeholder.
 */
export async function deliverOutboxEmail(deps: DeliverOutboxEmailDeps, input: { tenantId: string; outboxId: string }): Promise<{ outcome: DeliveryOutcome; providerMessageId?: string | null }> {
  if (!isUuid(input.tenantId) || !isUuid(input.outboxId)) throw new AppError('BAD_REQUEST', 'tenantId and outboxId must be uuids')
  let retryLater: unknown = null
  const result = await withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const row = await trx
      .selectFrom('email_outbox')
      .select(['id', 'status', 'attempts', 'from_email', 'to_email', 'reply_to', 'subject', 'html', 'text', 'provider_message_id', 'secrets'])
      .where('id', '=', input.outboxId)
      .forUpdate()
      .executeTakeFirst()
    if (!row) return { outcome: 'missing' as const }
    if (row.status === 'sent') return { outcome: 'already-sent' as const, providerMessageId: row.provider_message_id }
    if (row.status === 'failed') return { outcome: 'already-failed' as const }
    if (row.status === 'sending') return { outcome: 'in-batch' as const }
    const attempts = row.attempts + 1

    if (!deps.transport) {
      const tenant = await trx.selectFrom('tenants').select('slug').where('id', '=', input.tenantId).executeTakeFirstOrThrow()
      // The dev mailbox is the recipients' inbox here: its copy keeps the links a while (the housekeeping job removes them).
      await trx
        .insertInto('dev_mailbox_messages')
        .values({ outbox_id: row.id, workspace_slug: tenant.slug, from_email: row.from_email, to_email: row.to_email, reply_to: row.reply_to, subject: row.subject, html: row.html, text: row.text, secrets: row.secrets })
        .onConflict((conflict) => conflict.column('outbox_id').doNothing())
        .execute()
      await markSent(trx, deps, row.id, { attempts, transport: 'local', providerMessageId: null })
      return { outcome: 'sent' as const, providerMessageId: null }
    }

    const transport = deps.transport
    try {
      const { providerMessageId } = await pacedRequest(deps, transport, () =>
        transport.send({
          from: row.from_email,
          to: row.to_email,
          replyTo: row.reply_to,
          subject: row.subject,
          html: row.html,
          text: row.text,
          idempotencyKey: row.id,
        }),
      )
      await markSent(trx, deps, row.id, { attempts, transport: deps.transport.name ?? 'resend', providerMessageId })
      return { outcome: 'sent' as const, providerMessageId }
    } catch (error) {
      // Anything that is not a classified provider refusal (a bug, a dropped socket) is worth another try.
      const retryable = !(error instanceof EmailSendError) || error.retryable
      await trx
        .updateTable('email_outbox')
        .set({ attempts, last_error: errorMessage(error), status: retryable ? 'queued' : 'failed', updated_at: deps.now(), ...(retryable ? {} : withoutOneTimeSecrets) })
        .where('id', '=', row.id)
        .execute()
      if (retryable) retryLater = error
      return { outcome: 'failed' as const }
    }
  })
  // Thrown after the transaction committed the attempt count, so the retry sees it.
  if (retryLater !== null) throw retryLater
  return result
}

/** The stored body without its one-time links (they were only needed until the mail was handed over). */
export const withoutOneTimeSecrets = {
  html: sql<string>`email_redact(html, secrets, ${SENT_LINK_PLACEHOLDER})`,
  text: sql<string>`email_redact(text, secrets, ${SENT_LINK_PLACEHOLDER})`,
  secrets: null,
}

async function markSent(trx: TenantTransaction, deps: Pick<CoreDeps, 'now'>, outboxId: string, sent: { attempts: number; transport: string; providerMessageId: string | null }) {
  const now = deps.now()
  await trx
    .updateTable('email_outbox')
    .set({ status: 'sent', attempts: sent.attempts, transport: sent.transport, provider_message_id: sent.providerMessageId, sent_at: now, last_error: null, updated_at: now, ...withoutOneTimeSecrets })
    .where('id', '=', outboxId)
    .execute()
}

/**
 * The job ran out of retries: record why and stop showing the e-mail as queued.
 * A row already sent stays sent.
 */
export async function markOutboxEmailDeadLettered(deps: Pick<CoreDeps, 'db' | 'now'>, input: { tenantId: string; outboxId: string; error: string }): Promise<{ marked: boolean }> {
  if (!isUuid(input.tenantId) || !isUuid(input.outboxId)) throw new AppError('BAD_REQUEST', 'tenantId and outboxId must be uuids')
  const result = await withTenant(deps.db, { tenantId: input.tenantId }, (trx) =>
    trx
      .updateTable('email_outbox')
      .set({ status: 'failed', last_error: truncate(`Gave up after retries: ${input.error}`), updated_at: deps.now(), ...withoutOneTimeSecrets })
      .where('id', '=', input.outboxId)
      .where('status', 'in', ['queued', 'sending'])
      .executeTakeFirst(),
  )
  return { marked: Number(result.numUpdatedRows) > 0 }
}

export function errorMessage(error: unknown): string {
  return truncate(error instanceof Error ? error.message : String(error))
}

function truncate(message: string): string {
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message
}

import { sql, withTenant } from '@accord/db'
import { SENT_LINK_PLACEHOLDER } from '@accord/email'
import type { CoreDeps } from '../context.js'
import { listAllTenantIds } from '../encryption/reencrypt.js'
import { scheduleBulkDelivery } from './enqueue-email.js'

export interface EmailHousekeepingOptions {
  /** Sent and failed e-mails older than this are deleted (EMAIL_RETENTION_DAYS). */
  retentionDays: number
  /** Dev mailbox copies keep their one-time links this long (DEV_MAILBOX_LINK_MINUTES). */
  devMailboxLinkMinutes: number
}

export interface EmailHousekeepingResult {
  devMailboxRedacted: number
  devMailboxDeleted: number
  outboxDeleted: number
  tenantsRequeued: number
}

const DELETE_CHUNK = 5000

/**
 * The scheduled clean-up of stored mail:
 * - dev mailbox copies lose their one-time links after a while (they were
 *   the recipients' inbox in local mode, so they kept them for a time);
 * - sent and failed mail older than the retention period is deleted, from
 *   the outbox and the dev mailbox, after announcement receipts have noted
 *   which of their e-mails were delivered (the dashboard keeps counting them);
 * - a workspace whose bulk mail is still waiting (its batch job was
 *   dead-lettered) gets a new batch job.
 */
export async function runEmailHousekeeping(deps: Pick<CoreDeps, 'db' | 'jobs' | 'now'>, options: EmailHousekeepingOptions): Promise<EmailHousekeepingResult> {
  const now = deps.now()
  const linkCutoff = new Date(now.getTime() - options.devMailboxLinkMinutes * 60_000)
  const cutoff = new Date(now.getTime() - options.retentionDays * 86_400_000)

  const redactedCopies = await sql`
    update dev_mailbox_messages set
      html = email_redact(html, secrets, ${SENT_LINK_PLACEHOLDER}),
      text = email_redact(text, secrets, ${SENT_LINK_PLACEHOLDER}),
      secrets = null
    where secrets is not null and created_at < ${linkCutoff}`.execute(deps.db)
  const deletedCopies = await deps.db.deleteFrom('dev_mailbox_messages').where('created_at', '<', cutoff).executeTakeFirst()

  let outboxDeleted = 0
  let tenantsRequeued = 0
  for (const tenantId of await listAllTenantIds(deps)) {
    const result = await withTenant(deps.db, { tenantId }, async (trx) => {
      await sql`
        update announcement_receipts r set delivered_email_at = o.sent_at
        from email_outbox o
        where o.tenant_id = r.tenant_id and o.id = r.email_outbox_id and o.status = 'sent'
          and o.updated_at < ${cutoff} and r.email_outbox_id is not null and r.delivered_email_at is null`.execute(trx)
      let deleted = 0
      for (;;) {
        const chunk = await sql`
          delete from email_outbox where id in (
            select id from email_outbox where status in ('sent', 'failed') and updated_at < ${cutoff} limit ${DELETE_CHUNK})`.execute(trx)
        const count = Number(chunk.numAffectedRows ?? 0)
        deleted += count
        if (count < DELETE_CHUNK) break
      }
      await trx.deleteFrom('email_batches').where('status', 'in', ['sent', 'failed']).where('updated_at', '<', cutoff).execute()
      const waiting = await trx
        .selectFrom('email_outbox')
        .select('id')
        .where((eb) => eb.or([eb.and([eb('stream', '=', 'bulk'), eb('status', '=', 'queued')]), eb('status', '=', 'sending')]))
        .where('created_at', '<', new Date(now.getTime() - 10 * 60_000))
        .limit(1)
        .executeTakeFirst()
      if (waiting) await scheduleBulkDelivery(trx, deps, tenantId)
      return { deleted, requeued: Boolean(waiting) }
    })
    outboxDeleted += result.deleted
    if (result.requeued) tenantsRequeued += 1
  }
  return {
    devMailboxRedacted: Number(redactedCopies.numAffectedRows ?? 0),
    devMailboxDeleted: Number(deletedCopies.numDeletedRows),
    outboxDeleted,
    tenantsRequeued,
  }
}

import { type TenantTransaction, withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'

/**
 * The inbound_messages row a worker job reads: claimed in the transaction
 * that acts on the mail, so a job that runs twice (or two at once) handles
 * it once, and the raw message is dropped as soon as it has been read.
 */

/** Marks the stored message read, in the caller's transaction; false when another run already has. The raw mail is dropped. */
export async function claimInboundMessage(trx: TenantTransaction, messageId: string, now: Date): Promise<boolean> {
  const claimed = await trx
    .updateTable('inbound_messages')
    .set({ status: 'processed', processed_at: now, raw: null })
    .where('id', '=', messageId)
    .where('status', '=', 'queued')
    .returning('id')
    .executeTakeFirst()
  return claimed !== undefined
}

export async function recordMessageOutcome(trx: TenantTransaction, messageId: string, outcome: string, detail: string | null) {
  await trx.updateTable('inbound_messages').set({ outcome, detail: detail?.slice(0, 1000) ?? null }).where('id', '=', messageId).execute()
}

/** A stored message that ends without a tenant transaction of its own (no workspace, unreadable): claimed and labelled at once. */
export async function settleInboundMessage(deps: CoreDeps, input: { tenantId: string; messageId: string; outcome: string; detail: string | null; status?: 'processed' | 'failed' }): Promise<boolean> {
  return withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const settled = await trx
      .updateTable('inbound_messages')
      .set({ status: input.status ?? 'processed', processed_at: deps.now(), raw: null, outcome: input.outcome, detail: input.detail?.slice(0, 1000) ?? null })
      .where('id', '=', input.messageId)
      .where('status', '=', 'queued')
      .returning('id')
      .executeTakeFirst()
    return settled !== undefined
  })
}


import { isUuid } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { AppError } from '../errors.js'

/**
 * The dev mailbox: what local mode "sent" instead of calling a provider. A
 * global dev-only table (no tenant data beyond the workspace slug), so no
 * tenant scope; only mount pages for it when e-mail runs in local mode.
 */
export interface DevMailboxSummary {
  id: string
  outboxId: string
  workspaceSlug: string
  from: string
  to: string
  replyTo: string | null
  subject: string
  /** Plain-text part: enough for lists and for tests that follow links. */
  text: string
  createdAt: Date
}

export interface DevMailboxMessage extends DevMailboxSummary {
  html: string
}

const summaryColumns = ['id', 'outbox_id', 'workspace_slug', 'from_email', 'to_email', 'reply_to', 'subject', 'text', 'created_at'] as const

export async function listDevMailbox(deps: Pick<CoreDeps, 'db'>, input: { limit?: number; to?: string } = {}): Promise<DevMailboxSummary[]> {
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 50), 1), 200)
  let query = deps.db.selectFrom('dev_mailbox_messages').select(summaryColumns).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit)
  if (input.to) query = query.where('to_email', '=', input.to.trim().toLowerCase())
  const rows = await query.execute()
  return rows.map(toSummary)
}

export async function getDevMailboxMessage(deps: Pick<CoreDeps, 'db'>, input: { id: string }): Promise<DevMailboxMessage> {
  if (!isUuid(input.id)) throw AppError.notFound('This message')
  const row = await deps.db.selectFrom('dev_mailbox_messages').select([...summaryColumns, 'html']).where('id', '=', input.id).executeTakeFirst()
  if (!row) throw AppError.notFound('This message')
  return { ...toSummary(row), html: row.html }
}

function toSummary(row: { id: string; outbox_id: string; workspace_slug: string; from_email: string; to_email: string; reply_to: string | null; subject: string; text: string; created_at: Date }): DevMailboxSummary {
  return {
    id: row.id,
    outboxId: row.outbox_id,
    workspaceSlug: row.workspace_slug,
    from: row.from_email,
    to: row.to_email,
    replyTo: row.reply_to,
    subject: row.subject,
    text: row.text,
    createdAt: row.created_at,
  }
}

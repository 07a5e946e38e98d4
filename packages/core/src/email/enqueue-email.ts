import type { TenantTransaction } from '@accord/db'
import { type EmailTemplate, renderEmail } from '@accord/email'
import { sendOutboxEmail } from '@accord/jobs'
import { z } from 'zod'
import type { CoreDeps } from '../context.js'
import { emailAddress, parseInput } from '../validation.js'

export interface EnqueueEmailInput {
  tenantId: string
  to: string
  template: EmailTemplate
  /** Defaults to the brand's support address, so replies reach the vendor rather than no-reply. */
  replyTo?: string | null
}

const addresses = z.object({ to: emailAddress, replyTo: emailAddress.nullable() })

/**
 * Render an e-mail into the tenant's outbox and queue its delivery, both in the
 * caller's (tenant-scoped) transaction: if the business change rolls back, no
 * e-mail row and no job remain; if it commits, the worker will send it.
 */
export async function enqueueEmail(trx: TenantTransaction, deps: Pick<CoreDeps, 'jobs' | 'emailFrom'>, input: EnqueueEmailInput): Promise<{ outboxId: string }> {
  // A malformed support address in tenant settings must not block sign-in e-mails: it is then just not used.
  const brandReplyTo = emailAddress.safeParse(input.template.props.brand.supportEmail)
  const { to, replyTo } = parseInput(addresses, {
    to: input.to,
    replyTo: input.replyTo === undefined ? (brandReplyTo.success ? brandReplyTo.data : null) : input.replyTo,
  })
  const rendered = await renderEmail(input.template)
  const row = await trx
    .insertInto('email_outbox')
    .values({
      tenant_id: input.tenantId,
      template: input.template.name,
      to_email: to,
      from_email: deps.emailFrom,
      reply_to: replyTo,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      status: 'queued',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await deps.jobs.send(trx, sendOutboxEmail, { tenantId: input.tenantId, outboxId: row.id })
  return { outboxId: row.id }
}

import type { TenantTransaction } from '@accord/db'
import { type EmailStream, type EmailTemplate, emailStreamOf, oneTimeSecretsOf, renderEmail } from '@accord/email'
import { sendEmailBatch, sendOutboxEmail } from '@accord/jobs'
import { z } from 'zod'
import type { CoreDeps } from '../context.js'
import { emailAddress, parseInput } from '../validation.js'

export interface EnqueueEmailInput {
  tenantId: string
  to: string
  template: EmailTemplate
  /** Defaults to the brand's support address, so replies reach the vendor rather than no-reply. */
  replyTo?: string | null
  /** Overrides the template's stream, for a notification that carries a link someone is waiting for. */
  stream?: EmailStream
  /** One-time links in the body besides the template's own (dropped from the stored copy once sent). */
  oneTimeSecrets?: string[]
}

const addresses = z.object({ to: emailAddress, replyTo: emailAddress.nullable() })

/**
 * Render an e-mail into the tenant's outbox and queue its delivery, both in the
 * caller's (tenant-scoped) transaction: if the business change rolls back, no
 * e-mail row and no job remain; if it commits, the worker will send it.
 *
 * Transactional mail (sign-in, reset, invitation, verification) gets a job of
 * its own on the fast queue; everything else waits for the workspace's next
 * batch. The one-time links in the body are remembered so the stored copy can
 * drop them once the mail is handed over.
 */
export async function enqueueEmail(trx: TenantTransaction, deps: Pick<CoreDeps, 'jobs' | 'emailFrom'>, input: EnqueueEmailInput): Promise<{ outboxId: string }> {
  // A malformed support address in tenant settings must not block sign-in e-mails: it is then just not used.
  const brandReplyTo = emailAddress.safeParse(input.template.props.brand.supportEmail)
  const { to, replyTo } = parseInput(addresses, {
    to: input.to,
    replyTo: input.replyTo === undefined ? (brandReplyTo.success ? brandReplyTo.data : null) : input.replyTo,
  })
  const rendered = await renderEmail(input.template)
  const stream = input.stream ?? emailStreamOf(input.template.name)
  const secrets = [...oneTimeSecretsOf(input.template), ...(input.oneTimeSecrets ?? [])]
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
      stream,
      secrets: secrets.length > 0 ? secrets : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  if (stream === 'transactional') await deps.jobs.send(trx, sendOutboxEmail, { tenantId: input.tenantId, outboxId: row.id })
  else await scheduleBulkDelivery(trx, deps, input.tenantId)
  return { outboxId: row.id }
}

/**
 * Make sure the workspace's bulk mail is on its way: one waiting batch job
 * per workspace (a second request while one waits is a no-op).
 */
export async function scheduleBulkDelivery(trx: TenantTransaction, deps: Pick<CoreDeps, 'jobs'>, tenantId: string): Promise<void> {
  await deps.jobs.send(trx, sendEmailBatch, { tenantId })
}

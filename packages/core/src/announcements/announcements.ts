import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { isUuid, type TenantTransaction, sql, withTenant } from '@accord/db'
import { ANNOUNCEMENT_PLACEHOLDERS, renderEmail } from '@accord/email'
import { announcementFanout } from '@accord/jobs'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import { type CoreContext, type CoreDeps, portalBaseUrl } from '../context.js'
import { enqueueEmail, scheduleBulkDelivery } from '../email/enqueue-email.js'
import { AppError } from '../errors.js'
import { inActorScope, requirePartner, requireStaff } from '../scope.js'
import { richTextToText, sanitiseRichTextHtml } from '../security/rich-text.js'
import { MOTIONS, type Motion } from '../settings.js'
import { enqueueSlackMessage, slackEscape } from '../slack/outbox.js'
import { brandOf } from '../tenants/brand.js'
import { parseInput, removeControlCharacters, singleLineText, titleText, uuid } from '../validation.js'
import { PARTNER_TYPES_BY_MOTION } from './audience.js'
import { requireVerifiedEmail } from '../identity/verified-email.js'

/**
 * Announcements: staff write one (rich text, sanitised here on the server),
 * choose who gets it and on which channels, and publish now or later. The
 * fan-out job gives every targeted partner user one receipt (the primary key
 * makes a retried batch a no-op, so nobody gets the same e-mail twice) and
 * queues the e-mails of the users it just added, in the same transaction.
 * Receipts then record opens (portal view, e-mail pixel) and
 * acknowledgements (portal button, or the signed link in the e-mail, no
 * sign-in needed).
 */

export const CHANNELS = ['portal', 'email', 'slack'] as const
export type AnnouncementChannel = (typeof CHANNELS)[number]
const FANOUT_BATCH = 1000

/** Tags and attributes the editor produces; everything else (scripts, event handlers, styles, iframes) is dropped. */
export const sanitiseAnnouncementHtml = sanitiseRichTextHtml
const htmlToText = richTextToText

/** Per-recipient placeholder for the tracked-click base (`<portal>/announcements/click/<token>`). */
const CLICK_PLACEHOLDER = '%%ACCORD_ANNOUNCEMENT_CLICK%%'

/** The links of a (sanitised) announcement body, in document order, as stored (HTML-escaped). */
function bodyLinks(html: string): string[] {
  return Array.from(html.matchAll(/<a\s[^>]*?href="([^"]*)"/g), (match) => match[1] ?? '')
}

/**
 * The body for the e-mail: every link goes through the tracked-click
 * redirect, numbered by its position (1…n; 0 is the "read in the portal"
 * button), so the redirect can only lead where the announcement itself links.
 */
function withTrackedLinks(html: string): string {
  let index = 0
  return html.replace(/(<a\s[^>]*?href=")([^"]*)(")/g, (_match, before: string, _href: string, after: string) => `${before}${CLICK_PLACEHOLDER}/${++index}${after}`)
}

/**
 * An absolute http(s) or mailto address, normalised (a valid Location
 * header), or null. A site-relative link (`/resources/…`) means the portal,
 * so it is resolved against this tenant's portal; protocol-relative ones are
 * not followed.
 */
function safeLinkTarget(href: string | undefined, portalBase: string | null): string | null {
  if (!href) return null
  let decoded = decodeAttribute(href).trim()
  if (portalBase && decoded.startsWith('/') && !decoded.startsWith('//')) decoded = `${portalBase}${decoded}`
  if (!/^(https?:|mailto:)/i.test(decoded)) return null
  try {
    const url = new URL(decoded)
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.href : null
  } catch {
    return null
  }
}

const decodeAttribute = (value: string) => value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

const audienceInput = z
  .object({
    tiers: z.array(singleLineText(40, 'tier', { min: 1 })).max(20).default([]),
    motions: z.array(z.enum(MOTIONS as unknown as [Motion, ...Motion[]])).max(5).default([]),
    regions: z.array(singleLineText(80, 'region', { min: 1 })).max(50).default([]),
    partnerIds: z.array(uuid).max(500).default([]),
    userIds: z.array(uuid).max(500).default([]),
  })
  .default({})
export type AnnouncementAudience = z.infer<typeof audienceInput>

export const saveAnnouncementInput = z.object({
  announcementId: uuid.optional(),
  title: titleText(200, 'Give the announcement a title.'),
  // Control characters never belong in the editor's HTML (NUL is not even valid Postgres text): dropped, like the sanitiser drops markup.
  bodyHtml: z.string().max(200_000, 'Keep the text under 200,000 characters.').transform(removeControlCharacters).default(''),
  channels: z.array(z.enum(CHANNELS), { invalid_type_error: 'Choose at least one channel.' }).min(1, 'Choose at least one channel.'),
  audience: audienceInput,
  ackRequired: z.boolean().default(false),
  ackDueAt: z.coerce.date({ invalid_type_error: 'Enter a valid date.' }).nullable().optional(),
})

export async function saveAnnouncementDraft(ctx: CoreContext, rawInput: z.input<typeof saveAnnouncementInput>) {
  requireStaff(ctx, 'announcements.manage')
  const input = parseInput(saveAnnouncementInput, rawInput)
  const bodyHtml = sanitiseAnnouncementHtml(input.bodyHtml)
  if (input.ackDueAt && !input.ackRequired) throw AppError.validation({ ackDueAt: ['A due date only applies when acknowledgement is required.'] })
  if (input.ackDueAt && input.ackDueAt <= ctx.now()) throw AppError.validation({ ackDueAt: ['Choose a due date in the future.'] })
  return inActorScope(ctx, async (trx) => {
    const values = {
      title: input.title,
      body_html: bodyHtml,
      body_text: htmlToText(bodyHtml),
      channels: [...new Set(input.channels)],
      audience: JSON.stringify(input.audience),
      ack_required: input.ackRequired,
      ack_due_at: input.ackDueAt ?? null,
      updated_at: ctx.now(),
    }
    if (input.announcementId) {
      const existing = await trx.selectFrom('announcements').select('status').where('id', '=', input.announcementId).executeTakeFirst()
      if (!existing) throw AppError.notFound('This announcement')
      if (existing.status === 'published' || existing.status === 'archived') throw new AppError('CONFLICT', 'This announcement is already published; it can no longer be edited.')
      await trx.updateTable('announcements').set(values).where('id', '=', input.announcementId).execute()
      return { announcementId: input.announcementId }
    }
    const row = await trx
      .insertInto('announcements')
      .values({ tenant_id: ctx.actor.tenantId, ...values, created_by_user_id: ctx.actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow()
    return { announcementId: row.id }
  })
}

export const publishAnnouncementInput = z.object({
  announcementId: uuid,
  /** Later than now: scheduled; absent or past: published now. */
  publishAt: z.coerce.date({ invalid_type_error: 'Enter a valid date and time.' }).nullable().optional(),
})

export async function publishAnnouncement(ctx: CoreContext, rawInput: z.input<typeof publishAnnouncementInput>) {
  requireStaff(ctx, 'announcements.manage')
  await requireVerifiedEmail(ctx, 'announce')
  const input = parseInput(publishAnnouncementInput, rawInput)
  return inActorScope(ctx, async (trx) => {
    const announcement = await trx.selectFrom('announcements').select(['id', 'status', 'ack_due_at']).where('id', '=', input.announcementId).forUpdate().executeTakeFirst()
    if (!announcement) throw AppError.notFound('This announcement')
    if (announcement.status === 'published') throw new AppError('CONFLICT', 'This announcement is already published.')
    if (announcement.status === 'archived') throw new AppError('CONFLICT', 'This announcement is archived.')
    if (input.publishAt && input.publishAt > ctx.now()) {
      if (announcement.ack_due_at && announcement.ack_due_at <= input.publishAt) throw AppError.validation({ publishAt: ['Publish before the acknowledgement due date.'] })
      await trx.updateTable('announcements').set({ status: 'scheduled', publish_at: input.publishAt, updated_at: ctx.now() }).where('id', '=', announcement.id).execute()
      await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'announcement.scheduled', targetType: 'announcement', targetId: announcement.id, details: { publishAt: input.publishAt.toISOString() } })
      return { status: 'scheduled' as const, publishAt: input.publishAt }
    }
    await startPublishing(trx, ctx, ctx.actor.tenantId, announcement.id)
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'announcement.published', targetType: 'announcement', targetId: announcement.id })
    return { status: 'published' as const, publishAt: null }
  })
}

/** Published now: a progress row for the fan-out and its job, in the caller's transaction. */
async function startPublishing(trx: TenantTransaction, deps: CoreDeps, tenantId: string, announcementId: string): Promise<void> {
  const progress = await trx.insertInto('job_progress').values({ tenant_id: tenantId, kind: 'announcement_fanout', status: 'queued', message: 'Waiting for a worker…' }).returning('id').executeTakeFirstOrThrow()
  await trx
    .updateTable('announcements')
    .set({ status: 'published', published_at: deps.now(), publish_at: null, progress_id: progress.id, updated_at: deps.now() })
    .where('id', '=', announcementId)
    .execute()
  await deps.jobs.send(trx, announcementFanout, { tenantId, announcementId })
}

/**
 * Try a failed delivery again: the fan-out ran out of retries (the worker's
 * dead-letter handler marked its progress failed). The progress goes back to
 * queued and a new fan-out job is queued in the same transaction; receipts
 * are keyed per user, so the rerun only adds who is still missing (and
 * e-mails only them).
 */
export async function retryAnnouncementFanout(ctx: CoreContext, rawInput: { announcementId: string }) {
  requireStaff(ctx, 'announcements.manage')
  const input = parseInput(z.object({ announcementId: uuid }), rawInput)
  return inActorScope(ctx, async (trx) => {
    const announcement = await trx.selectFrom('announcements').select(['id', 'status', 'progress_id']).where('id', '=', input.announcementId).forUpdate().executeTakeFirst()
    if (!announcement) throw AppError.notFound('This announcement')
    if (announcement.status !== 'published') throw new AppError('CONFLICT', 'Only a published announcement is delivered; this one is not published, so there is no delivery to try again.')
    const progress = announcement.progress_id ? await trx.selectFrom('job_progress').select(['status', 'result']).where('id', '=', announcement.progress_id).forUpdate().executeTakeFirst() : undefined
    if (!announcement.progress_id || !progress) throw new AppError('CONFLICT', 'This announcement has no delivery to try again.')
    if (progress.status === 'queued' || progress.status === 'running') throw new AppError('CONFLICT', 'Delivery is still under way; wait for it to finish.')
    if (progress.status !== 'failed') throw new AppError('CONFLICT', 'Delivery has already finished; there is nothing to try again.')
    const run = fanoutRun(progress.result) + 1
    await trx.updateTable('job_progress').set({ status: 'queued', done: 0, message: 'Waiting for a worker…', result: JSON.stringify({ run }), updated_at: ctx.now() }).where('id', '=', announcement.progress_id).execute()
    const jobId = await ctx.jobs.send(trx, announcementFanout, { tenantId: ctx.actor.tenantId, announcementId: announcement.id, run })
    // The queue keeps one waiting fan-out per announcement; if one is still waiting, this retry has nothing to add.
    if (!jobId) throw new AppError('CONFLICT', 'A delivery for this announcement is already waiting for a worker.')
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'announcement.fanout_retried', targetType: 'announcement', targetId: announcement.id })
    return { status: 'queued' as const }
  })
}

/**
 * The fan-out job ran out of retries (the worker's dead-letter handler): mark
 * its progress failed so the dashboard says so and offers to try again. A
 * delivery that has already finished (or was never started) stays as it is.
 */
/** The delivery attempt a fan-out progress row belongs to (1 until someone presses "try again"). */
function fanoutRun(result: unknown): number {
  const run = (result as { run?: unknown } | null)?.run
  return typeof run === 'number' && Number.isInteger(run) && run > 0 ? run : 1
}

export async function markAnnouncementFanoutDeadLettered(deps: Pick<CoreDeps, 'db' | 'now'>, input: { tenantId: string; announcementId: string; error: string; run?: number }): Promise<{ marked: boolean }> {
  const ids = z.object({ tenantId: uuid, announcementId: uuid }).safeParse(input)
  if (!ids.success) throw new AppError('BAD_REQUEST', 'tenantId and announcementId must be uuids')
  return withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const announcement = await trx.selectFrom('announcements').select('progress_id').where('id', '=', input.announcementId).executeTakeFirst()
    if (!announcement?.progress_id) return { marked: false }
    const current = await trx.selectFrom('job_progress').select('result').where('id', '=', announcement.progress_id).executeTakeFirst()
    // A dead letter of an earlier run (one that was retried since) says nothing about the current one.
    if (!current || fanoutRun(current.result) !== (input.run ?? 1)) return { marked: false }
    const reason = input.error.length > 300 ? `${input.error.slice(0, 299)}…` : input.error
    const result = await trx
      .updateTable('job_progress')
      .set({ status: 'failed', message: `Gave up after several attempts (${reason}).`, updated_at: deps.now() })
      .where('id', '=', announcement.progress_id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst()
    return { marked: Number(result.numUpdatedRows) > 0 }
  })
}

/** Scheduled announcements whose time has come (the tenant timer sweep calls this). */
export async function publishDueAnnouncements(deps: CoreDeps, input: { tenantId: string }): Promise<{ published: number }> {
  return withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const due = await trx.selectFrom('announcements').select('id').where('status', '=', 'scheduled').where('publish_at', '<=', deps.now()).forUpdate().skipLocked().execute()
    for (const announcement of due) await startPublishing(trx, deps, input.tenantId, announcement.id)
    return { published: due.length }
  })
}

interface TargetUser {
  id: string
  partner_id: string
  email: string
  name: string
}

function audienceFilter(audience: AnnouncementAudience) {
  const types = [...new Set(audience.motions.flatMap((motion) => PARTNER_TYPES_BY_MOTION[motion]))]
  const narrowing = [
    audience.tiers.length > 0 ? sql`p.tier = any(${audience.tiers})` : null,
    types.length > 0 ? sql`p.type = any(${types})` : null,
    audience.regions.length > 0 ? sql`p.region = any(${audience.regions})` : null,
  ].filter((part): part is NonNullable<typeof part> => part !== null)
  const named = audience.partnerIds.length > 0 || audience.userIds.length > 0
  // Nothing chosen: every partner user. Filters narrow; named organisations and people are added on top.
  const filtered = narrowing.length > 0 ? sql.join(narrowing, sql` and `) : named ? sql`false` : sql`true`
  return sql`((${filtered}) or p.id = any(${audience.partnerIds}::uuid[]) or u.id = any(${audience.userIds}::uuid[]))`
}

const tokenHash = (secret: string) => createHash('sha256').update(secret).digest('base64url')

/**
 * The fan-out job: batches of 1,000 targeted users in id order. Each batch,
 * in one transaction, inserts receipts (existing ones are skipped) and queues
 * e-mails only for the receipts it created — so a retried or repeated run
 * never e-mails anyone twice. The e-mail is rendered once; each recipient's
 * copy only differs in its links.
 */
export async function runAnnouncementFanout(deps: CoreDeps, input: { tenantId: string; announcementId: string; run?: number }): Promise<{ recipients: number; emails: number }> {
  const scope = { tenantId: input.tenantId }
  const loaded = await withTenant(deps.db, scope, async (trx) => {
    const announcement = await trx.selectFrom('announcements').selectAll().where('id', '=', input.announcementId).executeTakeFirst()
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const progress = announcement?.progress_id ? await trx.selectFrom('job_progress').select('result').where('id', '=', announcement.progress_id).executeTakeFirst() : undefined
    return { announcement, tenant, progress }
  })
  const { announcement, tenant } = loaded
  if (!announcement || announcement.status !== 'published') return { recipients: 0, emails: 0 }
  // An older run still going after a retry does its (idempotent) work but leaves the progress to the current run.
  const progressId = loaded.progress && fanoutRun(loaded.progress.result) === (input.run ?? 1) ? announcement.progress_id : null
  const audience = audienceInput.parse(announcement.audience)
  const filter = audienceFilter(audience)
  const portalBase = portalBaseUrl(deps.portal, tenant.slug)
  const emailing = announcement.channels.includes('email')
  const template = emailing
    ? await renderEmail({
        name: 'announcement',
        props: {
          brand: brandOf(deps, tenant),
          title: announcement.title,
          bodyHtml: withTrackedLinks(announcement.body_html),
          acknowledgement: announcement.ack_required
            ? { url: ANNOUNCEMENT_PLACEHOLDERS.acknowledgeUrl, dueText: announcement.ack_due_at ? `Please confirm by ${announcement.ack_due_at.toISOString().slice(0, 10)} that you have read this.` : null }
            : null,
          portalUrl: `${CLICK_PLACEHOLDER}/0`,
          openPixelUrl: ANNOUNCEMENT_PLACEHOLDERS.openPixelUrl,
        },
      })
    : null

  const total = await withTenant(deps.db, scope, async (trx) => {
    const row = await sql<{ count: number }>`
      select count(*)::int as count from users u join partner_organisations p on p.id = u.partner_id
      where u.kind = 'partner' and u.status = 'active' and p.status = 'active' and ${filter}`.execute(trx)
    const count = row.rows[0]?.count ?? 0
    if (progressId) await trx.updateTable('job_progress').set({ status: 'running', total: count, done: 0, message: 'Delivering…', updated_at: deps.now() }).where('id', '=', progressId).execute()
    return count
  })

  let cursor = '00000000-0000-0000-0000-000000000000'
  let recipients = 0
  let emails = 0
  let seen = 0
  for (;;) {
    const batch = await withTenant(deps.db, scope, async (trx) => {
      const targets = await sql<TargetUser>`
        select u.id, u.partner_id, u.email, u.name from users u join partner_organisations p on p.id = u.partner_id
        where u.kind = 'partner' and u.status = 'active' and p.status = 'active' and u.id > ${cursor}::uuid and ${filter}
        order by u.id limit ${FANOUT_BATCH}`.execute(trx)
      if (targets.rows.length === 0) return { size: 0, last: cursor, created: 0, emailed: 0 }
      const now = deps.now()
      const secrets = new Map(targets.rows.map((target) => [target.id, randomBytes(18).toString('base64url')]))
      const inserted = await trx
        .insertInto('announcement_receipts')
        .values(
          targets.rows.map((target) => ({
            tenant_id: input.tenantId,
            announcement_id: announcement.id,
            user_id: target.id,
            partner_id: target.partner_id,
            delivered_portal_at: announcement.channels.includes('portal') ? now : null,
            link_token_hash: tokenHash(secrets.get(target.id) as string),
          })),
        )
        .onConflict((conflict) => conflict.columns(['tenant_id', 'announcement_id', 'user_id']).doNothing())
        .returning('user_id')
        .execute()
      let emailed = 0
      if (template && inserted.length > 0) {
        const fresh = new Set(inserted.map((row) => row.user_id))
        const outbox = targets.rows
          .filter((target) => fresh.has(target.id))
          .map((target) => {
            const token = `${input.tenantId}.${secrets.get(target.id) as string}`
            const links = {
              [ANNOUNCEMENT_PLACEHOLDERS.acknowledgeUrl]: `${portalBase}/announcements/acknowledge/${token}`,
              [ANNOUNCEMENT_PLACEHOLDERS.openPixelUrl]: `${portalBase}/announcements/open/${token}`,
              [ANNOUNCEMENT_PLACEHOLDERS.portalUrl]: `${portalBase}/announcements/${announcement.id}`,
              [CLICK_PLACEHOLDER]: `${portalBase}/announcements/click/${token}`,
            }
            const personalise = (text: string) => Object.entries(links).reduce((result, [placeholder, url]) => result.split(placeholder).join(url), text)
            return { id: randomUUID(), userId: target.id, to: target.email, html: personalise(template.html), text: personalise(template.text), token }
          })
        // Bulk mail; the token (in the acknowledgement, pixel and click links) is dropped from the stored copy once sent.
        await trx
          .insertInto('email_outbox')
          .values(outbox.map((mail) => ({ id: mail.id, tenant_id: input.tenantId, template: 'announcement', to_email: mail.to, from_email: deps.emailFrom, reply_to: tenant.support_email, subject: template.subject, html: mail.html, text: mail.text, status: 'queued', stream: 'bulk', secrets: [mail.token] })))
          .execute()
        await sql`
          update announcement_receipts r set email_outbox_id = v.outbox_id
          from (values ${sql.join(outbox.map((mail) => sql`(${mail.userId}::uuid, ${mail.id}::uuid)`))}) as v (user_id, outbox_id)
          where r.announcement_id = ${announcement.id} and r.user_id = v.user_id`.execute(trx)
        await scheduleBulkDelivery(trx, deps, input.tenantId)
        emailed = outbox.length
      }
      const last = targets.rows.at(-1)?.id ?? cursor
      return { size: targets.rows.length, last, created: inserted.length, emailed }
    })
    if (batch.size === 0) break
    cursor = batch.last
    seen += batch.size
    recipients += batch.created
    emails += batch.emailed
    if (progressId) {
      await withTenant(deps.db, scope, (trx) =>
        trx.updateTable('job_progress').set({ done: Math.min(seen, total), message: `Delivered to ${seen.toLocaleString('en')} of ${total.toLocaleString('en')}`, updated_at: deps.now() }).where('id', '=', progressId).execute(),
      )
    }
    if (batch.size < FANOUT_BATCH) break
  }
  await withTenant(deps.db, scope, async (trx) => {
    if (announcement.channels.includes('slack')) await postToSlack(trx, deps, { tenantId: input.tenantId, announcement, portalBase })
    const count = await trx.selectFrom('announcement_receipts').select((eb) => eb.fn.countAll<string>().as('n')).where('announcement_id', '=', announcement.id).executeTakeFirstOrThrow()
    await trx.updateTable('announcements').set({ recipients: Number(count.n), updated_at: deps.now() }).where('id', '=', announcement.id).execute()
    if (progressId) await trx.updateTable('job_progress').set({ status: 'succeeded', done: total, message: 'Delivered', updated_at: deps.now() }).where('id', '=', progressId).execute()
  })
  return { recipients, emails }
}

/**
 * Slack: one post in the vendor's channel, and one in each shared channel of
 * a partner organisation that received the announcement. The dedupe keys
 * make a rerun of the fan-out post nothing new.
 */
async function postToSlack(trx: TenantTransaction, deps: CoreDeps, input: { tenantId: string; announcement: { id: string; title: string; body_text: string; ack_required: boolean }; portalBase: string }) {
  const { announcement } = input
  const excerpt = announcement.body_text.length > 600 ? `${announcement.body_text.slice(0, 600)}…` : announcement.body_text
  const text = (link: string) =>
    `*${slackEscape(announcement.title)}*\n${slackEscape(excerpt)}\n<${link}|${announcement.ack_required ? 'Read and acknowledge in the portal' : 'Read it in the portal'}>`
  await enqueueSlackMessage(trx, deps, { tenantId: input.tenantId, target: 'tenant', kind: 'announcement', dedupeKey: `announcement:${announcement.id}`, text: text(`${deps.adminUrl}/announcements/${announcement.id}`) })
  const partners = await trx
    .selectFrom('partner_slack_channels as c')
    .select('c.partner_id')
    .where((eb) => eb.exists(eb.selectFrom('announcement_receipts as r').select('r.user_id').whereRef('r.partner_id', '=', 'c.partner_id').where('r.announcement_id', '=', announcement.id)))
    .execute()
  for (const partner of partners) {
    await enqueueSlackMessage(trx, deps, {
      tenantId: input.tenantId,
      target: { partnerId: partner.partner_id },
      kind: 'announcement',
      dedupeKey: `announcement:${announcement.id}:${partner.partner_id}`,
      text: text(`${input.portalBase}/announcements/${announcement.id}`),
    })
  }
}

/** Staff list: every announcement with its funnel counts. */
export async function listAnnouncements(ctx: CoreContext) {
  requireStaff(ctx, 'announcements.view')
  return inActorScope(ctx, async (trx) =>
    trx
      .selectFrom('announcements as a')
      .select((eb) => [
        'a.id',
        'a.title',
        'a.status',
        'a.channels',
        'a.ack_required',
        'a.ack_due_at',
        'a.publish_at',
        'a.published_at',
        'a.recipients',
        'a.updated_at',
        eb.selectFrom('announcement_receipts as r').whereRef('r.announcement_id', '=', 'a.id').where('r.opened_at', 'is not', null).select(sql<number>`count(*)::int`.as('n')).as('opened'),
        eb.selectFrom('announcement_receipts as r').whereRef('r.announcement_id', '=', 'a.id').where('r.acknowledged_at', 'is not', null).select(sql<number>`count(*)::int`.as('n')).as('acknowledged'),
      ])
      .orderBy('a.updated_at', 'desc')
      .limit(200)
      .execute(),
  )
}

export async function getAnnouncementForStaff(ctx: CoreContext, rawInput: { announcementId: string }) {
  requireStaff(ctx, 'announcements.view')
  const input = parseInput(z.object({ announcementId: uuid }), rawInput)
  return inActorScope(ctx, async (trx) => {
    const announcement = await trx
      .selectFrom('announcements as a')
      .leftJoin('job_progress as j', (join) => join.onRef('j.tenant_id', '=', 'a.tenant_id').onRef('j.id', '=', 'a.progress_id'))
      .select(['a.id', 'a.title', 'a.body_html', 'a.status', 'a.channels', 'a.audience', 'a.ack_required', 'a.ack_due_at', 'a.publish_at', 'a.published_at', 'a.recipients', 'j.status as progress_status', 'j.total as progress_total', 'j.done as progress_done', 'j.message as progress_message'])
      .where('a.id', '=', input.announcementId)
      .executeTakeFirst()
    if (!announcement) throw AppError.notFound('This announcement')
    // The funnel per channel: sent → delivered → opened → acknowledged.
    const funnel = await sql<{ channel: string; sent: number; delivered: number; opened: number; acknowledged: number }>`
      select 'portal' as channel,
        count(*) filter (where r.delivered_portal_at is not null)::int as sent,
        count(*) filter (where r.delivered_portal_at is not null)::int as delivered,
        count(*) filter (where r.opened_via = 'portal')::int as opened,
        count(*) filter (where r.acknowledged_via = 'portal')::int as acknowledged
      from announcement_receipts r where r.announcement_id = ${input.announcementId}
      union all
      select 'email',
        count(*) filter (where r.email_outbox_id is not null)::int,
        count(*) filter (where o.status = 'sent' or (o.id is null and r.delivered_email_at is not null))::int,
        count(*) filter (where r.opened_via in ('email', 'link'))::int,
        count(*) filter (where r.acknowledged_via = 'email')::int
      from announcement_receipts r left join email_outbox o on o.tenant_id = r.tenant_id and o.id = r.email_outbox_id
      where r.announcement_id = ${input.announcementId}`.execute(trx)
    const totals = await trx
      .selectFrom('announcement_receipts')
      .select((eb) => [
        eb.fn.countAll<string>().as('recipients'),
        sql<number>`count(*) filter (where opened_at is not null)::int`.as('opened'),
        sql<number>`count(*) filter (where acknowledged_at is not null)::int`.as('acknowledged'),
      ])
      .where('announcement_id', '=', input.announcementId)
      .executeTakeFirstOrThrow()
    const pending = announcement.ack_required
      ? await trx
          .selectFrom('announcement_receipts as r')
          .innerJoin('users as u', 'u.id', 'r.user_id')
          .innerJoin('partner_organisations as p', 'p.id', 'r.partner_id')
          .select(['u.name', 'u.email', 'p.name as partner_name', 'r.opened_at', 'r.reminded_at'])
          .where('r.announcement_id', '=', input.announcementId)
          .where('r.acknowledged_at', 'is', null)
          .orderBy('p.name')
          .orderBy('u.name')
          .limit(500)
          .execute()
      : []
    return {
      announcement,
      funnel: funnel.rows,
      totals: { recipients: Number(totals.recipients), opened: totals.opened, acknowledged: totals.acknowledged },
      notAcknowledged: pending,
    }
  })
}

/** Everyone who got it and what they did, as rows for a CSV export. */
export async function listAnnouncementReceipts(ctx: CoreContext, rawInput: { announcementId: string }) {
  requireStaff(ctx, 'announcements.view')
  const input = parseInput(z.object({ announcementId: uuid }), rawInput)
  return inActorScope(ctx, async (trx) => {
    const exists = await trx.selectFrom('announcements').select('id').where('id', '=', input.announcementId).executeTakeFirst()
    if (!exists) throw AppError.notFound('This announcement')
    return trx
      .selectFrom('announcement_receipts as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .innerJoin('partner_organisations as p', 'p.id', 'r.partner_id')
      .leftJoin('email_outbox as o', (join) => join.onRef('o.tenant_id', '=', 'r.tenant_id').onRef('o.id', '=', 'r.email_outbox_id'))
      // Purged outbox rows leave their delivery on the receipt.
      .select(['p.name as partner', 'u.name', 'u.email', 'r.delivered_portal_at', sql<string | null>`coalesce(o.status, case when r.delivered_email_at is not null then 'sent' end)`.as('email_status'), 'r.opened_at', 'r.opened_via', 'r.acknowledged_at', 'r.acknowledged_via', 'r.reminded_at'])
      .where('r.announcement_id', '=', input.announcementId)
      .orderBy('p.name')
      .orderBy('u.name')
      .execute()
  })
}

/** The partner user's feed: newest first, with what they still have to read or acknowledge. */
export async function listMyAnnouncements(ctx: CoreContext) {
  requirePartner(ctx)
  const userId = ctx.actor.userId
  return inActorScope(ctx, async (trx) => {
    const rows = await trx
      .selectFrom('announcement_receipts as r')
      .innerJoin('announcements as a', 'a.id', 'r.announcement_id')
      .select(['a.id', 'a.title', 'a.body_text', 'a.published_at', 'a.ack_required', 'a.ack_due_at', 'r.opened_at', 'r.acknowledged_at'])
      .where('r.user_id', '=', userId)
      .where('a.status', '=', 'published')
      .orderBy('a.published_at', 'desc')
      .limit(100)
      .execute()
    return {
      unread: rows.filter((row) => row.opened_at === null).length,
      toAcknowledge: rows.filter((row) => row.ack_required && row.acknowledged_at === null).length,
      announcements: rows.map((row) => ({ ...row, excerpt: row.body_text.slice(0, 240) })),
    }
  })
}

/** Opening it in the portal counts as opened (once, first time wins). */
export async function openMyAnnouncement(ctx: CoreContext, rawInput: { announcementId: string }) {
  requirePartner(ctx)
  const input = parseInput(z.object({ announcementId: uuid }), rawInput)
  const userId = ctx.actor.userId
  return inActorScope(ctx, async (trx) => {
    const row = await trx
      .selectFrom('announcement_receipts as r')
      .innerJoin('announcements as a', 'a.id', 'r.announcement_id')
      .select(['a.id', 'a.title', 'a.body_html', 'a.published_at', 'a.ack_required', 'a.ack_due_at', 'r.opened_at', 'r.acknowledged_at'])
      .where('r.announcement_id', '=', input.announcementId)
      .where('r.user_id', '=', userId)
      .where('a.status', '=', 'published')
      .executeTakeFirst()
    if (!row) throw AppError.notFound('This announcement')
    if (!row.opened_at) {
      await trx.updateTable('announcement_receipts').set({ opened_at: ctx.now(), opened_via: 'portal' }).where('announcement_id', '=', input.announcementId).where('user_id', '=', userId).where('opened_at', 'is', null).execute()
    }
    return { ...row, opened_at: row.opened_at ?? ctx.now() }
  })
}

export async function acknowledgeMyAnnouncement(ctx: CoreContext, rawInput: { announcementId: string }) {
  requirePartner(ctx)
  const input = parseInput(z.object({ announcementId: uuid }), rawInput)
  const userId = ctx.actor.userId
  return inActorScope(ctx, async (trx) => {
    const receipt = await trx
      .selectFrom('announcement_receipts as r')
      .innerJoin('announcements as a', 'a.id', 'r.announcement_id')
      .select(['a.ack_required', 'r.acknowledged_at'])
      .where('r.announcement_id', '=', input.announcementId)
      .where('r.user_id', '=', userId)
      .executeTakeFirst()
    if (!receipt) throw AppError.notFound('This announcement')
    if (!receipt.ack_required) throw new AppError('BAD_REQUEST', 'This announcement does not ask for an acknowledgement.')
    if (receipt.acknowledged_at) return { acknowledgedAt: receipt.acknowledged_at, already: true }
    const now = ctx.now()
    await trx
      .updateTable('announcement_receipts')
      .set({ acknowledged_at: now, acknowledged_via: 'portal', opened_at: sql`coalesce(opened_at, ${now})`, opened_via: sql`coalesce(opened_via, 'portal')` })
      .where('announcement_id', '=', input.announcementId)
      .where('user_id', '=', userId)
      .execute()
    return { acknowledgedAt: now, already: false }
  })
}

/** `<tenant id>.<secret>` from an e-mail link → the receipt it belongs to, or null (forged, unknown, malformed). */
async function receiptByLink(_deps: Pick<CoreDeps, 'db'>, token: string) {
  const [tenantId, secret] = token.split('.')
  // A strict uuid: '-' × 36 would pass a character class and then fail as a tenant scope (a 500, not a 'does not work').
  if (!tenantId || !secret || !isUuid(tenantId) || secret.length < 20 || secret.length > 60) return null
  return { tenantId, hash: tokenHash(secret) }
}

/**
 * The "I have read this" button in the e-mail: no sign-in, the link's secret
 * is the proof. Returns what the confirmation page shows; forged links get
 * `null` and the page says the link is not valid.
 */
export async function acknowledgeAnnouncementByLink(deps: CoreDeps, input: { token: string }) {
  const link = await receiptByLink(deps, input.token)
  if (!link) return null
  // One statement (see the migration): links are clicked by the thousand right after a send.
  const result = await sql<{ title: string; name: string; ack_required: boolean; acknowledged_at: Date | null; already: boolean; expired: boolean }>`
    select * from acknowledge_announcement_by_link(${link.tenantId}::uuid, ${link.hash}, ${deps.now()})`.execute(deps.db)
  const row = result.rows[0]
  if (!row) return null
  // Links expire 30 days after the due date (or 90 days after sending): nothing is recorded, the page says so.
  return { title: row.title, name: row.name, acknowledgedAt: row.acknowledged_at, already: row.already, ackRequired: row.ack_required, expired: row.expired }
}

/**
 * What an e-mail link's token names, without recording anything (for the
 * pages that answer a link that did not work, and for link scanners):
 * `valid` (a receipt of a published announcement), `withdrawn` (its
 * announcement is no longer published) or `unknown` (forged, malformed, changed).
 */
export async function announcementLinkState(deps: Pick<CoreDeps, 'db'>, input: { token: string }): Promise<'valid' | 'withdrawn' | 'unknown'> {
  const link = await receiptByLink(deps, input.token)
  if (!link) return 'unknown'
  const row = await withTenant(deps.db, { tenantId: link.tenantId }, (trx) =>
    trx
      .selectFrom('announcement_receipts as r')
      .innerJoin('announcements as a', (join) => join.onRef('a.tenant_id', '=', 'r.tenant_id').onRef('a.id', '=', 'r.announcement_id'))
      .select('a.status')
      .where('r.link_token_hash', '=', link.hash)
      .executeTakeFirst(),
  )
  if (!row) return 'unknown'
  return row.status === 'published' ? 'valid' : 'withdrawn'
}

/** The e-mail's open pixel: marks opened the first time; any token, valid or not, gets the same pixel back. */
export async function recordAnnouncementEmailOpen(deps: CoreDeps, input: { token: string }): Promise<void> {
  const link = await receiptByLink(deps, input.token)
  if (!link) return
  await sql`select record_announcement_open(${link.tenantId}::uuid, ${link.hash}, ${deps.now()})`.execute(deps.db)
}

/**
 * A link clicked in an announcement e-mail (`/announcements/click/<token>/<n>`):
 * records the click (and the open, if none yet) on that person's receipt and
 * answers where to go: the announcement in the portal for 0, else the n-th
 * link of the announcement's own body. A forged token or unknown number
 * records nothing and leads to the portal's announcements page, never to an
 * address taken from the request.
 */
export async function followAnnouncementLink(deps: CoreDeps, input: { token: string; link: string }): Promise<{ url: string; recorded: boolean }> {
  const link = await receiptByLink(deps, input.token)
  const index = /^\d{1,4}$/.test(input.link) ? Number(input.link) : -1
  if (!link) return { url: '', recorded: false }
  return withTenant(deps.db, { tenantId: link.tenantId }, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select('slug').executeTakeFirst()
    const fallback = tenant ? `${portalBaseUrl(deps.portal, tenant.slug)}/announcements` : ''
    const target = await trx
      .selectFrom('announcement_receipts as r')
      .innerJoin('announcements as a', (join) => join.onRef('a.tenant_id', '=', 'r.tenant_id').onRef('a.id', '=', 'r.announcement_id'))
      .select(['r.announcement_id', 'r.user_id', 'a.body_html'])
      .where('r.link_token_hash', '=', link.hash)
      .where('a.status', '=', 'published')
      .executeTakeFirst()
    if (!target || index < 0) return { url: fallback, recorded: false }
    const links = bodyLinks(target.body_html)
    const url = index === 0 ? `${fallback}/${target.announcement_id}` : safeLinkTarget(links[index - 1], tenant ? portalBaseUrl(deps.portal, tenant.slug) : null)
    if (!url) return { url: fallback, recorded: false }
    const now = deps.now()
    await trx
      .updateTable('announcement_receipts')
      .set({
        clicked_at: sql<Date>`coalesce(clicked_at, ${now})`,
        opened_via: sql<string>`case when opened_at is null then 'link' else opened_via end`,
        opened_at: sql<Date>`coalesce(opened_at, ${now})`,
      })
      .where('announcement_id', '=', target.announcement_id)
      .where('user_id', '=', target.user_id)
      .execute()
    return { url, recorded: true }
  })
}

/**
 * Reminders: once the due date has passed, everyone who has not acknowledged
 * gets one reminder e-mail (and the portal shows it as overdue). Run by the
 * tenant's announcement timers.
 */
export async function remindUnacknowledged(deps: CoreDeps, input: { tenantId: string }): Promise<{ reminded: number }> {
  return withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const overdue = await trx
      .selectFrom('announcement_receipts as r')
      .innerJoin('announcements as a', 'a.id', 'r.announcement_id')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select(['r.announcement_id', 'r.user_id', 'u.email', 'u.name', 'a.title', 'a.ack_due_at'])
      .where('a.status', '=', 'published')
      .where('a.ack_required', '=', true)
      .where('a.ack_due_at', '<=', deps.now())
      .where('r.acknowledged_at', 'is', null)
      .where('r.reminders', '=', 0)
      .where('u.status', '=', 'active')
      .limit(5000)
      .execute()
    if (overdue.length === 0) return { reminded: 0 }
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const portalBase = portalBaseUrl(deps.portal, tenant.slug)
    const brand = brandOf(deps, tenant)
    for (const receipt of overdue) {
      await enqueueEmail(trx, deps, {
        tenantId: input.tenantId,
        to: receipt.email,
        template: {
          name: 'registration-update',
          props: {
            brand,
            recipientName: receipt.name,
            caseReference: '',
            companyName: '',
            headline: `Reminder: please acknowledge “${receipt.title}”`,
            paragraphs: [`This announcement asked for your acknowledgement by ${receipt.ack_due_at?.toISOString().slice(0, 10)}. It takes one click in the portal.`],
            facts: [],
            action: { url: `${portalBase}/announcements/${receipt.announcement_id}`, label: 'Read and acknowledge' },
            reason: 'You get this because an announcement asked for your acknowledgement.',
          },
        },
      })
      await trx.updateTable('announcement_receipts').set({ reminded_at: deps.now(), reminders: sql`reminders + 1` }).where('announcement_id', '=', receipt.announcement_id).where('user_id', '=', receipt.user_id).execute()
    }
    return { reminded: overdue.length }
  })
}

/** Archive: it leaves the partners' feed; receipts stay for the record. */
export async function archiveAnnouncement(ctx: CoreContext, rawInput: { announcementId: string }) {
  requireStaff(ctx, 'announcements.manage')
  const input = parseInput(z.object({ announcementId: uuid }), rawInput)
  return inActorScope(ctx, async (trx) => {
    const updated = await trx.updateTable('announcements').set({ status: 'archived', updated_at: ctx.now() }).where('id', '=', input.announcementId).executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 0) throw AppError.notFound('This announcement')
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'announcement.archived', targetType: 'announcement', targetId: input.announcementId })
    return { archived: true }
  })
}

import type { TenantTransaction } from '@accord/db'
import { sql } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import { type CoreContext, portalBaseUrl, type StaffContext } from '../context.js'
import { AppError, isUniqueViolation } from '../errors.js'
import { inActorScope, requirePartner, requireStaff } from '../scope.js'
import { escapeHtml, richTextToText, sanitiseRichTextHtml } from '../security/rich-text.js'
import { type ProgrammeSettings, readProgrammeSettings } from '../settings.js'
import { parseInput, removeControlCharacters, titleText, uuid } from '../validation.js'

/**
 * Programme rules pages: staff write rich-text pages about the partner
 * programme (conflict policy, territories, price bands …), order them, and
 * publish them to the portal, where every partner of the tenant can read
 * them. Drafts never reach partners: core asks for `published`, and RLS only
 * shows partners published rows (and lets them write nothing).
 *
 * Reading: every staff role (`workspace.view`). Writing: owners and admins
 * (`programme.manage`), the people who own the programme settings these
 * pages describe.
 */

export const PROGRAMME_PAGE_STATUSES = ['draft', 'published'] as const
export type ProgrammePageStatus = (typeof PROGRAMME_PAGE_STATUSES)[number]
const SLUG_CONSTRAINT = 'programme_pages_slug_key'
const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const EXCERPT_LENGTH = 220

/** A URL-safe address from a title: "Conflict policy 2027" → "conflict-policy-2027" (at most 60 characters). */
export function slugifyTitle(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '')
  return slug || 'page'
}

/** Plain-text excerpt for the portal list, cut at a word boundary. */
export function excerptOf(text: string, max = EXCERPT_LENGTH): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat.length <= max) return flat
  const cut = flat.slice(0, max)
  const space = cut.lastIndexOf(' ')
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:–-]+$/, '')}…`
}

/**
 * Ids on the (sanitised) page's h2/h3 headings and the list of them, for the
 * portal's table of contents. Sanitised HTML has no attributes on headings,
 * so the opening tags are exactly `<h2>`/`<h3>`.
 */
export function withHeadingAnchors(html: string): { html: string; headings: Array<{ id: string; level: 2 | 3; text: string }> } {
  const headings: Array<{ id: string; level: 2 | 3; text: string }> = []
  const used = new Set<string>()
  const out = html.replace(/<h([23])>([\s\S]*?)<\/h\1>/g, (_match, level: string, inner: string) => {
    const text = richTextToText(inner).replace(/\s+/g, ' ').trim()
    // An empty heading gets no anchor and no entry: a contents link needs words.
    if (!text) return `<h${level}>${inner}</h${level}>`
    const base = `section-${slugifyTitle(text)}`
    let id = base
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`
    used.add(id)
    headings.push({ id, level: level === '2' ? 2 : 3, text })
    return `<h${level} id="${id}">${inner}</h${level}>`
  })
  return { html: out, headings }
}

const pageId = z.object({ pageId: uuid })

export const saveProgrammePageInput = z.object({
  pageId: uuid.optional(),
  title: titleText(120, 'Give the page a title.'),
  slug: z
    .string({ invalid_type_error: 'Use lowercase letters, digits and hyphens.' })
    .trim()
    .toLowerCase()
    .max(60, 'Keep the address under 60 characters.')
    .refine((value) => value === '' || SLUG_PATTERN.test(value), 'Use lowercase letters (a–z), digits and single hyphens, like conflict-policy.')
    .optional()
    .default(''),
  bodyHtml: z
    .string({ invalid_type_error: 'The text could not be read.' })
    .max(200_000, 'Keep the text under 200,000 characters.')
    // Control characters (NUL is not even valid in Postgres text) never belong in the editor's HTML.
    .transform(removeControlCharacters)
    .optional()
    .default(''),
})

type Audit = { action: string; targetId: string; details?: Record<string, unknown> }
const audit = (trx: TenantTransaction, ctx: StaffContext, entry: Audit) =>
  recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: `programme_page.${entry.action}`, targetType: 'programme_page', targetId: entry.targetId, details: entry.details })

/** Page writes of one workspace one at a time: addresses are chosen by reading what exists, so two writers must not interleave. */
async function lockPages(trx: TenantTransaction, tenantId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`programme_pages:${tenantId}`}))`.execute(trx)
}

async function slugTaken(trx: TenantTransaction, slug: string, exceptId: string | undefined): Promise<boolean> {
  let query = trx.selectFrom('programme_pages').select('id').where('slug', '=', slug)
  if (exceptId) query = query.where('id', '<>', exceptId)
  return (await query.executeTakeFirst()) !== undefined
}

/** A free address based on `base`: base, base-2, base-3 … (still at most 60 characters). */
async function freeSlug(trx: TenantTransaction, base: string, exceptId: string | undefined): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const suffix = n === 1 ? '' : `-${n}`
    const candidate = `${base.slice(0, 60 - suffix.length).replace(/-+$/, '')}${suffix}`
    if (!(await slugTaken(trx, candidate, exceptId))) return candidate
  }
  throw new AppError('CONFLICT', 'Could not find a free address for this page; choose one yourself.')
}

const slugTakenError = () => AppError.validation({ slug: ['Another page already uses this address. Choose a different one.'] })

/** Staff list: every page of the workspace, in the order partners see them. */
export async function listProgrammePages(ctx: CoreContext) {
  requireStaff(ctx, 'workspace.view')
  return inActorScope(ctx, (trx) =>
    trx
      .selectFrom('programme_pages as p')
      .leftJoin('users as u', (join) => join.onRef('u.tenant_id', '=', 'p.tenant_id').onRef('u.id', '=', 'p.updated_by_user_id'))
      .select(['p.id', 'p.slug', 'p.title', 'p.status', 'p.position', 'p.updated_at', 'p.published_at', 'u.name as updated_by_name'])
      .orderBy('p.position')
      .orderBy('p.created_at')
      .orderBy('p.id')
      .execute(),
  )
}

/** One page for the editor, with its portal address. */
export async function getProgrammePageForStaff(ctx: CoreContext, rawInput: { pageId: string }) {
  requireStaff(ctx, 'workspace.view')
  const input = parseInput(pageId, rawInput)
  return inActorScope(ctx, async (trx) => {
    const page = await trx
      .selectFrom('programme_pages as p')
      .leftJoin('users as u', (join) => join.onRef('u.tenant_id', '=', 'p.tenant_id').onRef('u.id', '=', 'p.updated_by_user_id'))
      .select(['p.id', 'p.slug', 'p.title', 'p.body_html', 'p.status', 'p.position', 'p.created_at', 'p.updated_at', 'p.published_at', 'u.name as updated_by_name'])
      .where('p.id', '=', input.pageId)
      .executeTakeFirst()
    if (!page) throw AppError.notFound('This page')
    const tenant = await trx.selectFrom('tenants').select('slug').executeTakeFirstOrThrow()
    return { ...page, portalUrl: `${portalBaseUrl(ctx.portal, tenant.slug)}/programme/${page.slug}` }
  })
}

/**
 * Create (no `pageId`) or update a page. The HTML is sanitised here; an empty
 * address is suggested from the title (made unique with -2, -3 …); an address
 * the author chose that another page uses is a field error on `slug`.
 * Saving a published page updates what partners read right away.
 */
export async function saveProgrammePage(ctx: CoreContext, rawInput: z.input<typeof saveProgrammePageInput>) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(saveProgrammePageInput, rawInput)
  const bodyHtml = sanitiseRichTextHtml(input.bodyHtml)
  try {
    return await inActorScope(ctx, async (trx) => {
      await lockPages(trx, ctx.actor.tenantId)
      if (input.pageId) {
        const existing = await trx.selectFrom('programme_pages').select(['id', 'slug', 'status']).where('id', '=', input.pageId).forUpdate().executeTakeFirst()
        if (!existing) throw AppError.notFound('This page')
        const slug = input.slug || (await freeSlug(trx, slugifyTitle(input.title), existing.id))
        if (input.slug && (await slugTaken(trx, slug, existing.id))) throw slugTakenError()
        await trx
          .updateTable('programme_pages')
          .set({ title: input.title, slug, body_html: bodyHtml, body_text: richTextToText(bodyHtml), updated_at: ctx.now(), updated_by_user_id: ctx.actor.userId })
          .where('id', '=', existing.id)
          .execute()
        await audit(trx, ctx, { action: 'updated', targetId: existing.id, details: { title: input.title, slug, ...(slug !== existing.slug ? { previousSlug: existing.slug } : {}) } })
        return { pageId: existing.id, slug, status: existing.status as ProgrammePageStatus, created: false }
      }
      const slug = input.slug || (await freeSlug(trx, slugifyTitle(input.title), undefined))
      if (input.slug && (await slugTaken(trx, slug, undefined))) throw slugTakenError()
      const last = await trx.selectFrom('programme_pages').select(sql<number | null>`max(position)`.as('max')).executeTakeFirst()
      const row = await trx
        .insertInto('programme_pages')
        .values({
          tenant_id: ctx.actor.tenantId,
          slug,
          title: input.title,
          body_html: bodyHtml,
          body_text: richTextToText(bodyHtml),
          position: (last?.max ?? -1) + 1,
          updated_at: ctx.now(),
          created_at: ctx.now(),
          updated_by_user_id: ctx.actor.userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await audit(trx, ctx, { action: 'created', targetId: row.id, details: { title: input.title, slug } })
      return { pageId: row.id, slug, status: 'draft' as ProgrammePageStatus, created: true }
    })
  } catch (error) {
    // Two authors racing for one address: the unique index decides, the form says why.
    if (isUniqueViolation(error, SLUG_CONSTRAINT)) throw slugTakenError()
    throw error
  }
}

async function setStatus(ctx: CoreContext, rawInput: { pageId: string }, status: ProgrammePageStatus) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(pageId, rawInput)
  return inActorScope(ctx, async (trx) => {
    const page = await trx.selectFrom('programme_pages').select(['id', 'status', 'slug']).where('id', '=', input.pageId).forUpdate().executeTakeFirst()
    if (!page) throw AppError.notFound('This page')
    if (page.status === status) return { pageId: page.id, slug: page.slug, status, changed: false }
    await trx
      .updateTable('programme_pages')
      .set(status === 'published' ? { status, published_at: ctx.now(), updated_by_user_id: ctx.actor.userId } : { status, updated_by_user_id: ctx.actor.userId })
      .where('id', '=', page.id)
      .execute()
    await audit(trx, ctx, { action: status === 'published' ? 'published' : 'unpublished', targetId: page.id })
    return { pageId: page.id, slug: page.slug, status, changed: true }
  })
}

/** Partners can read it in the portal from now on. Publishing a published page changes nothing. */
export function publishProgrammePage(ctx: CoreContext, rawInput: { pageId: string }) {
  return setStatus(ctx, rawInput, 'published')
}

/** Back to draft: it leaves the portal at once. */
export function unpublishProgrammePage(ctx: CoreContext, rawInput: { pageId: string }) {
  return setStatus(ctx, rawInput, 'draft')
}

const moveInput = z.object({ pageId: uuid, direction: z.enum(['up', 'down'], { errorMap: () => ({ message: 'Move it up or down.' }) }) })

/** Swap a page with its neighbour; positions are renumbered 0…n-1 so the order stays clean. */
export async function moveProgrammePage(ctx: CoreContext, rawInput: z.input<typeof moveInput>) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(moveInput, rawInput)
  return inActorScope(ctx, async (trx) => {
    const pages = await trx.selectFrom('programme_pages').select(['id', 'position']).orderBy('position').orderBy('created_at').orderBy('id').forUpdate().execute()
    const index = pages.findIndex((page) => page.id === input.pageId)
    if (index < 0) throw AppError.notFound('This page')
    const target = input.direction === 'up' ? index - 1 : index + 1
    const moving = pages[index]
    const neighbour = pages[target]
    if (!moving || !neighbour) return { moved: false }
    pages[index] = neighbour
    pages[target] = moving
    for (const [position, page] of pages.entries()) {
      if (page.position !== position) await trx.updateTable('programme_pages').set({ position }).where('id', '=', page.id).execute()
    }
    await audit(trx, ctx, { action: 'moved', targetId: input.pageId, details: { direction: input.direction, position: target } })
    return { moved: true }
  })
}

export async function deleteProgrammePage(ctx: CoreContext, rawInput: { pageId: string }) {
  requireStaff(ctx, 'programme.manage')
  const input = parseInput(pageId, rawInput)
  return inActorScope(ctx, async (trx) => {
    const deleted = await trx.deleteFrom('programme_pages').where('id', '=', input.pageId).returning(['id', 'title', 'slug', 'status']).executeTakeFirst()
    if (!deleted) throw AppError.notFound('This page')
    await audit(trx, ctx, { action: 'deleted', targetId: deleted.id, details: { title: deleted.title, slug: deleted.slug, status: deleted.status } })
    return { deleted: true }
  })
}

// ---------------------------------------------------------------------------
// Templates: first drafts written from the tenant's actual programme settings.

const e = escapeHtml
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
/** Short waits read best in hours (24 hours, 48 hours); long ones in days. */
const hoursText = (hours: number) => (hours > 72 && hours % 24 === 0 ? plural(hours / 24, 'day') : plural(hours, 'hour'))
const list = (items: string[]) => `<ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`
const ordered = (items: string[]) => `<ol>${items.map((item) => `<li>${item}</li>`).join('')}</ol>`

type ConflictRule = ProgrammeSettings['conflicts']['hierarchy'][number]

function ruleText(rule: ConflictRule, settings: ProgrammeSettings): string {
  const tiers = settings.tiers.map((tier) => e(tier.name))
  switch (rule) {
    case 'registered_beats_unregistered':
      return '<strong>Registered beats unregistered.</strong> A customer you registered is protected; a claim on a customer nobody registered protects no one. Register early.'
    case 'first_approved_wins':
      return '<strong>First approved wins.</strong> When two partners register the same customer, the registration we approved first keeps the protection. Between registrations not yet decided, the one submitted first comes first.'
    case 'tier_priority':
      return `<strong>Higher tier wins.</strong> When two claims compete, the partner in the higher tier has priority${tiers.length > 1 ? ` (from highest: ${[...tiers].reverse().join(', ')})` : ''}.`
    case 'established_beats_new':
      return `<strong>Established beats new.</strong> A partner who has been in the programme for more than ${plural(settings.conflicts.establishedAfterDays, 'day')} has priority over a partner who joined more recently.`
    case 'certification_breaks_ties':
      return '<strong>Certification breaks ties.</strong> If nothing above separates two claims, the partner holding the required certification keeps the deal.'
    case 'split_by_product_line':
      return '<strong>Split by product line.</strong> Claims on the same customer for different product lines both stand; each partner is protected for its own product line.'
  }
}

function conflictPolicyHtml(settings: ProgrammeSettings): string {
  const r = settings.registration
  const c = settings.conflicts
  const extension =
    r.maxExtensions > 0
      ? `When you log the next step with the customer (for example the first meeting), protection is extended by ${plural(r.extensionDays, 'day')}, up to ${r.maxExtensions === 1 ? 'once' : `${r.maxExtensions} times`} per registration.`
      : 'Protection is not extended; register again with new evidence if the opportunity is still open when it ends.'
  return [
    '<h2>Why register</h2>',
    `<p>Registering a customer is how you claim it. Once we approve your registration, the customer is protected for you for <strong>${plural(r.protectionWindowDays, 'day')}</strong>: no other partner can take it over while the protection lasts.</p>`,
    '<h2>How a registration is decided</h2>',
    list([
      `We decide every registration within <strong>${hoursText(r.decisionSlaHours)}</strong>, counted in business hours: approved, rejected with a reason, or a question back to you.`,
      'We check for other registrations of the same customer (by web domain and company name), open deals of our own, reserved accounts and assigned territories.',
      `Book the first meeting with the customer within ${plural(r.meetingBookingDays, 'day')} of approval.`,
    ]),
    '<h2>Protection window</h2>',
    list([
      `Protection lasts ${plural(r.protectionWindowDays, 'day')} from approval.`,
      extension,
      r.expiryReminderDays > 0 ? `We remind you ${plural(r.expiryReminderDays, 'day')} before protection ends.` : 'Keep an eye on the end date shown in the portal; there is no reminder.',
      `A registration with no logged activity for ${plural(r.idleAfterDays, 'day')} is flagged as idle and may be reassigned.`,
    ]),
    '<h2>When two partners claim the same customer</h2>',
    '<p>We apply these rules in this order; the first rule that tells the claims apart decides:</p>',
    c.hierarchy.length > 0 ? ordered(c.hierarchy.map((rule) => ruleText(rule, settings))) : '<p>A partner manager decides each case individually.</p>',
    '<p>If no rule separates the claims, a partner manager decides and tells both partners why.</p>',
    '<h2>Timelines and appeals</h2>',
    list([
      `We acknowledge a conflict within <strong>${hoursText(c.acknowledgeWithinHours)}</strong>.`,
      `You get a resolution plan within <strong>${plural(c.resolutionPlanBusinessDays, 'business day')}</strong>.`,
      r.appealWindowDays > 0
        ? `You can appeal a rejection within ${plural(r.appealWindowDays, 'day')}, with evidence (for example the date of your first meeting with the customer).`
        : 'Decisions are final; talk to your partner manager if you believe a fact was missed.',
    ]),
    '<p>Every decision is recorded: who decided, when, which rule applied and why.</p>',
  ].join('')
}

function territoriesHtml(regions: string[], settings: ProgrammeSettings): string {
  return [
    '<h2>How territories work</h2>',
    '<p>Some regions are assigned to one partner. A registration from another partner for a customer in an assigned region is not rejected automatically: it goes to a partner manager for review, and the conflict policy decides.</p>',
    regions.length > 0
      ? `<h2>Assigned regions</h2><p>These regions currently have an assigned partner:</p>${list(regions.map((region) => e(region)))}<p>Your partner manager can tell you which of them, if any, are assigned to your organisation.</p>`
      : '<h2>Assigned regions</h2><p>No region is assigned to a single partner at the moment: every partner may register customers in every region.</p>',
    '<h2>Registering outside your region</h2>',
    list([
      'Always state the customer’s region on the registration: it decides who reviews it.',
      `Cross-region registrations follow the same decision time (${hoursText(settings.registration.decisionSlaHours)}) and protection rules as any other.`,
      'Some named accounts are served by us directly; a registration for one of them is declined with that reason.',
    ]),
  ].join('')
}

function priceBandsHtml(settings: ProgrammeSettings): string {
  const tiers = settings.tiers
  const lowest = tiers[0]
  return [
    '<h2>Tiers and rates</h2>',
    tiers.length > 0
      ? `<p>Your tier sets your commission rate on the deals you bring:</p>${list(tiers.map((tier) => `<strong>${e(tier.name)}</strong>: ${tier.commissionRatePercent} %`))}`
      : '<p>All partners earn the same rate; your partner manager confirms it in your agreement.</p>',
    '<h2>How your tier is decided</h2>',
    list([
      'Tiers follow measured performance: revenue over the last four quarters, customer satisfaction and certifications.',
      lowest ? `New partners start in ${e(lowest.name)}.` : 'New partners start in the entry tier.',
      'We review tiers every quarter and tell you what you need for the next one.',
    ]),
    '<h2>Price protection</h2>',
    list([
      `A quote you give while your registration is protected keeps its price for the rest of the protection window (${plural(settings.registration.protectionWindowDays, 'day')}).`,
      'Discounts beyond your band need approval before you quote them; ask your partner manager.',
      'Commission is paid on cash collected, not on signed contracts.',
    ]),
  ].join('')
}

export const PROGRAMME_PAGE_TEMPLATES = [
  { slug: 'conflict-policy', title: 'Conflict policy' },
  { slug: 'territories', title: 'Territories' },
  { slug: 'price-bands', title: 'Price bands' },
] as const

/**
 * Drafts "Conflict policy", "Territories" and "Price bands" from the
 * workspace's programme settings (protection window, extensions, conflict
 * hierarchy, assigned regions, tiers). Templates whose address already exists
 * are skipped, so running it twice creates nothing new.
 */
export async function createProgrammePagesFromTemplates(ctx: CoreContext) {
  requireStaff(ctx, 'programme.manage')
  return inActorScope(ctx, async (trx) => {
    await lockPages(trx, ctx.actor.tenantId)
    const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const regions = (await trx.selectFrom('territories').select('region').orderBy('region').execute()).map((row) => row.region)
    const existing = new Set((await trx.selectFrom('programme_pages').select('slug').execute()).map((row) => row.slug))
    const last = await trx.selectFrom('programme_pages').select(sql<number | null>`max(position)`.as('max')).executeTakeFirst()
    let position = (last?.max ?? -1) + 1
    const bodies: Record<(typeof PROGRAMME_PAGE_TEMPLATES)[number]['slug'], () => string> = {
      'conflict-policy': () => conflictPolicyHtml(settings),
      territories: () => territoriesHtml(regions, settings),
      'price-bands': () => priceBandsHtml(settings),
    }
    const created: Array<{ pageId: string; slug: string; title: string }> = []
    const skipped: string[] = []
    for (const template of PROGRAMME_PAGE_TEMPLATES) {
      if (existing.has(template.slug)) {
        skipped.push(template.slug)
        continue
      }
      const bodyHtml = sanitiseRichTextHtml(bodies[template.slug]())
      const row = await trx
        .insertInto('programme_pages')
        .values({ tenant_id: ctx.actor.tenantId, slug: template.slug, title: template.title, body_html: bodyHtml, body_text: richTextToText(bodyHtml), position: position++, created_at: ctx.now(), updated_at: ctx.now(), updated_by_user_id: ctx.actor.userId })
        .returning('id')
        .executeTakeFirstOrThrow()
      await audit(trx, ctx, { action: 'created', targetId: row.id, details: { title: template.title, slug: template.slug, template: true } })
      created.push({ pageId: row.id, slug: template.slug, title: template.title })
    }
    return { created, skipped }
  })
}

// ---------------------------------------------------------------------------
// Partner side: published pages only.

/** The portal's list: published pages in order, with a short excerpt. */
export async function listPublishedProgrammePages(ctx: CoreContext) {
  requirePartner(ctx)
  const rows = await inActorScope(ctx, (trx) =>
    trx.selectFrom('programme_pages').select(['title', 'slug', 'updated_at', 'body_text']).where('status', '=', 'published').orderBy('position').orderBy('created_at').orderBy('id').execute(),
  )
  return rows.map((row) => ({ title: row.title, slug: row.slug, updatedAt: row.updated_at, excerpt: excerptOf(row.body_text) }))
}

const slugInput = z.object({ slug: z.string().trim().toLowerCase().max(60).regex(SLUG_PATTERN) })

/** One published page by its address, with heading anchors and the table of contents; drafts and unknown addresses are not found. */
export async function getPublishedProgrammePage(ctx: CoreContext, rawInput: { slug: string }) {
  requirePartner(ctx)
  const parsed = slugInput.safeParse(rawInput)
  if (!parsed.success) throw AppError.notFound('This page')
  const actor = ctx.actor
  const page = await inActorScope(ctx, async (trx) => {
    const found = await trx.selectFrom('programme_pages').select(['id', 'title', 'slug', 'body_html', 'updated_at', 'published_at']).where('slug', '=', parsed.data.slug).where('status', '=', 'published').executeTakeFirst()
    if (!found) return undefined
    // Reading it counts (the home page's first step, and engagement): one row per person and page.
    const now = ctx.now()
    await trx
      .insertInto('programme_page_reads')
      .values({ tenant_id: actor.tenantId, page_id: found.id, user_id: actor.userId, partner_id: actor.partnerId, first_read_at: now, last_read_at: now })
      // A reload within ten minutes is the same reading.
      .onConflict((conflict) =>
        conflict
          .columns(['tenant_id', 'page_id', 'user_id'])
          .doUpdateSet({ last_read_at: now, reads: sql`programme_page_reads.reads + case when programme_page_reads.last_read_at < ${now}::timestamptz - interval '10 minutes' then 1 else 0 end` }),
      )
      .execute()
    return found
  }).catch((error: unknown) => {
    // Unpublished between reading it and recording the read: the read's policy refuses; the page is gone for partners.
    if ((error as { code?: string } | null)?.code === '42501') return undefined
    throw error
  })
  if (!page) throw AppError.notFound('This page')
  const { html, headings } = withHeadingAnchors(page.body_html)
  return { title: page.title, slug: page.slug, bodyHtml: html, headings, updatedAt: page.updated_at, publishedAt: page.published_at }
}

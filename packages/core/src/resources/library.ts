import { randomBytes, randomUUID } from 'node:crypto'
import { sql, type TenantTransaction } from '@accord/db'
import { resourceTextExtraction } from '@accord/jobs'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requireStaff } from '../scope.js'
import { MOTIONS, type Motion, readProgrammeSettings } from '../settings.js'
import { CONTROL_CHARACTERS, parseInput, searchText, titleText, uuid } from '../validation.js'
import { type ResourceFileType, sniffResourceFile } from './file-types.js'
import { WEEK_MS, weekOfCreatedAt, weekStartUtc } from '../weeks.js'

/**
 * The resource library, staff side (issue 5): files and links with a
 * content type, tags (motion, industry, use case) and visibility (tiers,
 * motions). Files go through the storage interface after their type is
 * sniffed from the bytes; the worker extracts their text for search.
 */

export const RESOURCE_CONTENT_TYPES = [
  'battle_card',
  'demo_script',
  'objection_handling',
  'price_guide',
  'case_study',
  'roi_one_pager',
  'sow_checklist',
  'integration_deck',
] as const
export type ResourceContentType = (typeof RESOURCE_CONTENT_TYPES)[number]

export const resourceContentTypeLabels: Record<ResourceContentType, string> = {
  battle_card: 'Battle card',
  demo_script: 'Demo script',
  objection_handling: 'Objection handling',
  price_guide: 'Price & packaging guide',
  case_study: 'Case study',
  roi_one_pager: 'ROI one-pager',
  sow_checklist: 'SOW checklist',
  integration_deck: 'Integration deck',
}

/** 25 MB: decks with screenshots fit; anything larger belongs behind a link. */
export const MAX_RESOURCE_FILE_BYTES = 25 * 1024 * 1024

const MAX_TAGS = 12

/** Free-form tags (industry, use case): trimmed, deduplicated case-insensitively, first spelling kept. */
const tagList = (label: string) =>
  z
    .union([z.array(z.string()), z.string()])
    .optional()
    .transform((value) => (typeof value === 'string' ? value.split(',') : (value ?? [])))
    .transform((tags) => {
      const seen = new Map<string, string>()
      for (const raw of tags) {
        const tag = raw.trim().replace(/\s+/g, ' ')
        if (tag && !seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag)
      }
      return [...seen.values()]
    })
    .pipe(
      z
        .array(z.string())
        .max(MAX_TAGS, `Use at most ${MAX_TAGS} ${label} tags.`)
        // Checked on the list, so the message lands on the field (not on "industries.3").
        .superRefine((tags, issue) => {
          const tooLong = tags.find((tag) => tag.length > 40)
          if (tooLong) issue.addIssue({ code: z.ZodIssueCode.custom, message: `Keep each ${label} tag under 40 characters (“${tooLong.slice(0, 20)}…” is longer).` })
          if (tags.some((tag) => CONTROL_CHARACTERS.test(tag))) issue.addIssue({ code: z.ZodIssueCode.custom, message: `A ${label} tag contains invisible control characters.` })
        }),
    )

const motionList = z
  .union([z.array(z.string()), z.string()])
  .optional()
  .transform((value) => [...new Set(typeof value === 'string' ? [value] : (value ?? []))])
  .pipe(
    z.array(z.string()).superRefine((motions, issue) => {
      if (motions.some((motion) => !(MOTIONS as readonly string[]).includes(motion))) issue.addIssue({ code: z.ZodIssueCode.custom, message: 'Choose motions from the list.' })
    }),
  )
  .transform((motions) => motions as Motion[])

const stringList = z
  .union([z.array(z.string()), z.string()])
  .optional()
  .transform((value) => [...new Set(typeof value === 'string' ? [value] : (value ?? []))].filter(Boolean))

export const resourceFieldsInput = z.object({
  title: titleText(200, 'Give the resource a title.'),
  description: z
    .string()
    .trim()
    .max(2000, 'Keep the description under 2,000 characters.')
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'The description contains invisible control characters.')
    .optional()
    .default(''),
  contentType: z.enum(RESOURCE_CONTENT_TYPES, { errorMap: () => ({ message: 'Choose what kind of resource this is.' }) }),
  motions: motionList,
  industries: tagList('industry'),
  useCases: tagList('use case'),
  visibleTiers: stringList,
  visibleMotions: motionList,
  status: z.enum(['draft', 'published'], { errorMap: () => ({ message: 'Choose draft or published.' }) }).default('published'),
})
export type ResourceFieldsInput = z.input<typeof resourceFieldsInput>

const linkUrl = z
  .string({ required_error: 'Enter the link address.' })
  .trim()
  .min(1, 'Enter the link address.')
  .max(2000, 'Keep the address under 2,000 characters.')
  .refine((value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'https:' || url.protocol === 'http:') && Boolean(url.hostname)
    } catch {
      return false
    }
  }, 'Enter a full web address starting with https://')
  // Stored as the browser would send it (lower-case scheme, no stray tabs or line breaks), so it is a valid Location.
  .transform((value) => new URL(value).href)

export const createLinkResourceInput = resourceFieldsInput.extend({ url: linkUrl })
export const updateResourceInput = resourceFieldsInput.extend({ resourceId: uuid, url: linkUrl.optional() })

/** The tenant's tiers; an unknown one is a field error rather than an invisible resource. */
async function checkTiers(trx: TenantTransaction, tiers: string[]): Promise<string[]> {
  if (tiers.length === 0) return []
  const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
  const known = readProgrammeSettings(tenant.settings).tiers.map((tier) => tier.name)
  const resolved: string[] = []
  for (const requested of tiers) {
    const match = known.find((tier) => tier.toLowerCase() === requested.trim().toLowerCase())
    if (!match) throw AppError.validation({ visibleTiers: [`"${requested}" is not one of the programme's tiers (${known.join(', ')}).`] })
    resolved.push(match)
  }
  return [...new Set(resolved)]
}

function fieldColumns(input: z.output<typeof resourceFieldsInput>, visibleTiers: string[]) {
  return {
    title: input.title,
    description: input.description,
    content_type: input.contentType,
    motions: input.motions,
    industries: input.industries,
    use_cases: input.useCases,
    visible_tiers: visibleTiers,
    visible_motions: input.visibleMotions,
    status: input.status,
  }
}

export async function createLinkResource(ctx: CoreContext, rawInput: unknown): Promise<{ resourceId: string }> {
  requireStaff(ctx, 'resources.manage')
  const input = parseInput(createLinkResourceInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const visibleTiers = await checkTiers(trx, input.visibleTiers)
    const now = ctx.now()
    const created = await trx
      .insertInto('resources')
      .values({
        tenant_id: actor.tenantId,
        kind: 'link',
        url: input.url,
        ...fieldColumns(input, visibleTiers),
        created_by_user_id: actor.userId,
        created_at: now,
        updated_at: now,
        published_at: input.status === 'published' ? now : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'resource.created', targetType: 'resource', targetId: created.id, details: { title: input.title, kind: 'link' } })
    return { resourceId: created.id }
  })
}

/** Size and type checks shared by upload and replace: the message lands on the `file` field. */
function acceptFile(bytes: Uint8Array, fileName: string): ResourceFileType {
  if (bytes.byteLength === 0) throw AppError.validation({ file: ['Choose a file to upload (the one chosen is empty).'] })
  if (bytes.byteLength > MAX_RESOURCE_FILE_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', 'The file is too large.', {
      fieldErrors: { file: [`Files can be at most ${MAX_RESOURCE_FILE_BYTES / 1024 / 1024} MB; this one is ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MB. Share larger files as a link.`] },
    })
  }
  const sniffed = sniffResourceFile(bytes, fileName)
  if (!sniffed.ok) throw new AppError('UNSUPPORTED_MEDIA_TYPE', sniffed.message, { fieldErrors: { file: [sniffed.message] } })
  return sniffed.type
}

/** The stored name: the uploader's name without any path, trimmed to something a header can carry. */
function cleanFileName(fileName: string, type: ResourceFileType): string {
  const base = (fileName.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 180)
  return base || `file.${type.extension}`
}

function storageKey(tenantId: string, resourceId: string, type: ResourceFileType): string {
  return `tenants/${tenantId}/resources/${resourceId}/${randomBytes(8).toString('hex')}.${type.extension}`
}

export interface UploadedFile {
  bytes: Uint8Array
  fileName: string
}

/**
 * Fields are checked first, then the file; the bytes are stored before the
 * row is written, and removed again when the transaction fails, so a refusal
 * leaves neither an orphan file nor a row without a file.
 */
export async function createFileResource(ctx: CoreContext, rawInput: unknown, file: UploadedFile): Promise<{ resourceId: string }> {
  requireStaff(ctx, 'resources.manage')
  const input = parseInput(resourceFieldsInput, rawInput)
  const type = acceptFile(file.bytes, file.fileName)
  const actor = ctx.actor
  const resourceId = randomUUID()
  const key = storageKey(actor.tenantId, resourceId, type)
  await ctx.storage.put(key, file.bytes, type.mime)
  try {
    return await inActorScope(ctx, async (trx) => {
      const visibleTiers = await checkTiers(trx, input.visibleTiers)
      const now = ctx.now()
      await trx
        .insertInto('resources')
        .values({
          tenant_id: actor.tenantId,
          id: resourceId,
          kind: 'file',
          file_key: key,
          file_name: cleanFileName(file.fileName, type),
          file_mime: type.mime,
          file_bytes: file.bytes.byteLength,
          extraction_status: type.extractsText ? 'pending' : 'none',
          ...fieldColumns(input, visibleTiers),
          created_by_user_id: actor.userId,
          created_at: now,
          updated_at: now,
          published_at: input.status === 'published' ? now : null,
        })
        .execute()
      if (type.extractsText) await ctx.jobs.send(trx, resourceTextExtraction, { tenantId: actor.tenantId, resourceId, fileKey: key })
      await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'resource.created', targetType: 'resource', targetId: resourceId, details: { title: input.title, kind: 'file', fileName: cleanFileName(file.fileName, type), bytes: file.bytes.byteLength, type: type.mime } })
      return { resourceId }
    })
  } catch (error) {
    await ctx.storage.delete(key).catch(() => undefined)
    throw error
  }
}

export async function updateResource(ctx: CoreContext, rawInput: unknown): Promise<{ resourceId: string }> {
  requireStaff(ctx, 'resources.manage')
  const input = parseInput(updateResourceInput, rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const existing = await trx.selectFrom('resources').select(['kind', 'status', 'published_at']).where('id', '=', input.resourceId).executeTakeFirst()
    if (!existing) throw AppError.notFound('This resource')
    if (existing.kind === 'link' && !input.url) throw AppError.validation({ url: ['Enter the link address.'] })
    const visibleTiers = await checkTiers(trx, input.visibleTiers)
    const now = ctx.now()
    // Editing an archived resource keeps it archived; restoring is its own action.
    const columns = fieldColumns(input, visibleTiers)
    const status = existing.status === 'archived' ? 'archived' : columns.status
    await trx
      .updateTable('resources')
      .set({
        ...columns,
        status,
        ...(existing.kind === 'link' && input.url ? { url: input.url } : {}),
        updated_at: now,
        published_at: status === 'published' ? (existing.published_at ?? now) : existing.published_at,
      })
      .where('id', '=', input.resourceId)
      .execute()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'resource.updated', targetType: 'resource', targetId: input.resourceId, details: { title: input.title, status } })
    return { resourceId: input.resourceId }
  })
}

/** A new version of the file: same resource (and its history), new bytes, text extracted again. */
export async function replaceResourceFile(ctx: CoreContext, rawInput: { resourceId: string }, file: UploadedFile): Promise<{ resourceId: string }> {
  requireStaff(ctx, 'resources.manage')
  const { resourceId } = parseInput(z.object({ resourceId: uuid }), rawInput)
  const type = acceptFile(file.bytes, file.fileName)
  const actor = ctx.actor
  const key = storageKey(actor.tenantId, resourceId, type)
  await ctx.storage.put(key, file.bytes, type.mime)
  let previousKey: string | null = null
  try {
    await inActorScope(ctx, async (trx) => {
      const existing = await trx.selectFrom('resources').select(['kind', 'file_key']).where('id', '=', resourceId).forUpdate().executeTakeFirst()
      if (!existing) throw AppError.notFound('This resource')
      if (existing.kind !== 'file') throw AppError.validation({ file: ['This resource is a link; create a new resource for a file.'] })
      previousKey = existing.file_key
      await trx
        .updateTable('resources')
        .set({
          file_key: key,
          file_name: cleanFileName(file.fileName, type),
          file_mime: type.mime,
          file_bytes: file.bytes.byteLength,
          extraction_status: type.extractsText ? 'pending' : 'none',
          extraction_error: null,
          extracted_text: '',
          updated_at: ctx.now(),
        })
        .where('id', '=', resourceId)
        .execute()
      if (type.extractsText) await ctx.jobs.send(trx, resourceTextExtraction, { tenantId: actor.tenantId, resourceId, fileKey: key })
      await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'resource.file_replaced', targetType: 'resource', targetId: resourceId, details: { fileName: cleanFileName(file.fileName, type), bytes: file.bytes.byteLength, type: type.mime } })
    })
  } catch (error) {
    await ctx.storage.delete(key).catch(() => undefined)
    throw error
  }
  if (previousKey) await ctx.storage.delete(previousKey).catch(() => undefined)
  return { resourceId }
}

const byResourceId = z.object({ resourceId: uuid })

/**
 * Archive hides it from partners and keeps its history. Restoring brings it
 * back as it was: published if it had been published, else a draft. Only an
 * archived resource can be restored.
 */
export async function setResourceArchived(ctx: CoreContext, rawInput: unknown): Promise<{ resourceId: string; status: string }> {
  requireStaff(ctx, 'resources.manage')
  const input = parseInput(byResourceId.extend({ archived: z.boolean() }), rawInput)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const existing = await trx.selectFrom('resources').select(['status', 'published_at']).where('id', '=', input.resourceId).forUpdate().executeTakeFirst()
    if (!existing) throw AppError.notFound('This resource')
    if (!input.archived && existing.status !== 'archived') throw new AppError('CONFLICT', 'Only an archived resource can be restored.')
    const status = input.archived ? 'archived' : existing.published_at ? 'published' : 'draft'
    await trx.updateTable('resources').set({ status, updated_at: ctx.now() }).where('id', '=', input.resourceId).execute()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: input.archived ? 'resource.archived' : 'resource.restored', targetType: 'resource', targetId: input.resourceId })
    return { resourceId: input.resourceId, status }
  })
}

/** Deletes the resource, its view/download history and its file. The UI asks for confirmation first. */
export async function deleteResource(ctx: CoreContext, rawInput: unknown): Promise<{ deleted: true; title: string }> {
  requireStaff(ctx, 'resources.manage')
  const input = parseInput(byResourceId, rawInput)
  const actor = ctx.actor
  const deleted = await inActorScope(ctx, async (trx) => {
    const row = await trx.deleteFrom('resources').where('id', '=', input.resourceId).returning(['title', 'file_key']).executeTakeFirst()
    if (!row) throw AppError.notFound('This resource')
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'resource.deleted', targetType: 'resource', targetId: input.resourceId, details: { title: row.title } })
    return row
  })
  if (deleted.file_key) await ctx.storage.delete(deleted.file_key).catch(() => undefined)
  return { deleted: true, title: deleted.title }
}

export interface StaffResourceSummary {
  id: string
  kind: 'file' | 'link'
  title: string
  contentType: ResourceContentType
  contentTypeLabel: string
  status: string
  motions: string[]
  industries: string[]
  useCases: string[]
  visibleTiers: string[]
  visibleMotions: string[]
  fileName: string | null
  fileMime: string | null
  fileBytes: number | null
  url: string | null
  extractionStatus: string
  views: number
  downloads: number
  partnersReached: number
  updatedAt: Date
}

export const listResourcesInput = z.object({
  q: searchText(200).optional().default(''),
  status: z.enum(['all', 'published', 'draft', 'archived']).optional().default('all'),
})

export async function listResourcesForStaff(ctx: CoreContext, rawInput: z.input<typeof listResourcesInput> = {}): Promise<StaffResourceSummary[]> {
  requireStaff(ctx, 'resources.view')
  const input = parseInput(listResourcesInput, rawInput)
  const rows = await inActorScope(ctx, (trx) => {
    let query = trx
      .selectFrom('resources as r')
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('resource_events')
            .select([
              'resource_id',
              sql<number>`count(*) filter (where kind in ('view', 'open_link'))::int`.as('views'),
              sql<number>`count(*) filter (where kind = 'download')::int`.as('downloads'),
              sql<number>`count(distinct partner_id)::int`.as('partners'),
            ])
            .groupBy('resource_id')
            .as('e'),
        (join) => join.onRef('e.resource_id', '=', 'r.id'),
      )
      .select([
        'r.id',
        'r.kind',
        'r.title',
        'r.content_type',
        'r.status',
        'r.motions',
        'r.industries',
        'r.use_cases',
        'r.visible_tiers',
        'r.visible_motions',
        'r.file_name',
        'r.file_mime',
        'r.file_bytes',
        'r.url',
        'r.extraction_status',
        'r.updated_at',
        sql<number>`coalesce(e.views, 0)`.as('views'),
        sql<number>`coalesce(e.downloads, 0)`.as('downloads'),
        sql<number>`coalesce(e.partners, 0)`.as('partners'),
      ])
    if (input.status !== 'all') query = query.where('r.status', '=', input.status)
    if (input.q) query = query.where(sql<boolean>`(r.search @@ websearch_to_tsquery('english', ${input.q}) or r.title ilike ${`%${input.q.replace(/[\\%_]/g, '\\$&')}%`})`)
    return query.orderBy('r.updated_at', 'desc').limit(1000).execute()
  })
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind as 'file' | 'link',
    title: row.title,
    contentType: row.content_type as ResourceContentType,
    contentTypeLabel: resourceContentTypeLabels[row.content_type as ResourceContentType] ?? row.content_type,
    status: row.status,
    motions: row.motions,
    industries: row.industries,
    useCases: row.use_cases,
    visibleTiers: row.visible_tiers,
    visibleMotions: row.visible_motions,
    fileName: row.file_name,
    fileMime: row.file_mime,
    fileBytes: row.file_bytes,
    url: row.url,
    extractionStatus: row.extraction_status,
    views: row.views,
    downloads: row.downloads,
    partnersReached: row.partners,
    updatedAt: row.updated_at,
  }))
}

export interface StaffResourceDetail {
  id: string
  kind: 'file' | 'link'
  title: string
  description: string
  contentType: ResourceContentType
  status: string
  motions: string[]
  industries: string[]
  useCases: string[]
  visibleTiers: string[]
  visibleMotions: string[]
  url: string | null
  fileName: string | null
  fileMime: string | null
  fileBytes: number | null
  extractionStatus: string
  extractionError: string | null
  extractedChars: number
  createdAt: Date
  updatedAt: Date
  publishedAt: Date | null
  totals: { views: number; downloads: number; linkOpens: number; partners: number; users: number }
  byPartner: Array<{ partnerId: string; partnerName: string; views: number; downloads: number; lastAt: Date }>
  weekly: Array<{ weekStart: string; views: number; downloads: number }>
}

const WEEKS_SHOWN = 12
export async function getResourceForStaff(ctx: CoreContext, rawInput: unknown): Promise<StaffResourceDetail> {
  requireStaff(ctx, 'resources.view')
  const input = parseInput(byResourceId, rawInput)
  const firstWeek = new Date(weekStartUtc(ctx.now()).getTime() - (WEEKS_SHOWN - 1) * WEEK_MS)
  return inActorScope(ctx, async (trx) => {
    const row = await trx
      .selectFrom('resources')
      .select([
        'id',
        'kind',
        'title',
        'description',
        'content_type',
        'status',
        'motions',
        'industries',
        'use_cases',
        'visible_tiers',
        'visible_motions',
        'url',
        'file_name',
        'file_mime',
        'file_bytes',
        'extraction_status',
        'extraction_error',
        sql<number>`length(extracted_text)`.as('extracted_chars'),
        'created_at',
        'updated_at',
        'published_at',
      ])
      .where('id', '=', input.resourceId)
      .executeTakeFirst()
    if (!row) throw AppError.notFound('This resource')
    const [totals, byPartner, weekly] = await Promise.all([
      trx
        .selectFrom('resource_events')
        .select([
          sql<number>`count(*) filter (where kind = 'view')::int`.as('views'),
          sql<number>`count(*) filter (where kind = 'download')::int`.as('downloads'),
          sql<number>`count(*) filter (where kind = 'open_link')::int`.as('link_opens'),
          sql<number>`count(distinct partner_id)::int`.as('partners'),
          sql<number>`count(distinct user_id)::int`.as('users'),
        ])
        .where('resource_id', '=', input.resourceId)
        .executeTakeFirstOrThrow(),
      trx
        .selectFrom('resource_events as e')
        .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'e.tenant_id').onRef('p.id', '=', 'e.partner_id'))
        .select([
          'e.partner_id',
          'p.name',
          sql<number>`count(*) filter (where e.kind in ('view', 'open_link'))::int`.as('views'),
          sql<number>`count(*) filter (where e.kind = 'download')::int`.as('downloads'),
          sql<Date>`max(e.created_at)`.as('last_at'),
        ])
        .where('e.resource_id', '=', input.resourceId)
        .groupBy(['e.partner_id', 'p.name'])
        .orderBy(sql`count(*)`, 'desc')
        .limit(50)
        .execute(),
      trx
        .selectFrom('resource_events')
        .select([
          weekOfCreatedAt.as('week'),
          sql<number>`count(*) filter (where kind in ('view', 'open_link'))::int`.as('views'),
          sql<number>`count(*) filter (where kind = 'download')::int`.as('downloads'),
        ])
        .where('resource_id', '=', input.resourceId)
        .where('created_at', '>=', firstWeek)
        .groupBy(sql`1`)
        .execute(),
    ])
    const byWeek = new Map(weekly.map((week) => [week.week, week]))
    return {
      id: row.id,
      kind: row.kind as 'file' | 'link',
      title: row.title,
      description: row.description,
      contentType: row.content_type as ResourceContentType,
      status: row.status,
      motions: row.motions,
      industries: row.industries,
      useCases: row.use_cases,
      visibleTiers: row.visible_tiers,
      visibleMotions: row.visible_motions,
      url: row.url,
      fileName: row.file_name,
      fileMime: row.file_mime,
      fileBytes: row.file_bytes,
      extractionStatus: row.extraction_status,
      extractionError: row.extraction_error,
      extractedChars: row.extracted_chars,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      publishedAt: row.published_at,
      totals: { views: totals.views, downloads: totals.downloads, linkOpens: totals.link_opens, partners: totals.partners, users: totals.users },
      byPartner: byPartner.map((partner) => ({ partnerId: partner.partner_id, partnerName: partner.name, views: partner.views, downloads: partner.downloads, lastAt: partner.last_at })),
      weekly: Array.from({ length: WEEKS_SHOWN }, (_, index) => {
        const weekStart = new Date(firstWeek.getTime() + index * WEEK_MS).toISOString().slice(0, 10)
        const week = byWeek.get(weekStart)
        return { weekStart, views: week?.views ?? 0, downloads: week?.downloads ?? 0 }
      }),
    }
  })
}

/** Tags already used in this workspace, for the form's suggestions. */
export async function listResourceTagSuggestions(ctx: CoreContext): Promise<{ industries: string[]; useCases: string[]; tiers: string[] }> {
  requireStaff(ctx, 'resources.view')
  return inActorScope(ctx, async (trx) => {
    const [industries, useCases, tenant] = await Promise.all([
      sql<{ tag: string }>`select distinct unnest(industries) as tag from resources order by 1 limit 200`.execute(trx),
      sql<{ tag: string }>`select distinct unnest(use_cases) as tag from resources order by 1 limit 200`.execute(trx),
      trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow(),
    ])
    return {
      industries: industries.rows.map((row) => row.tag),
      useCases: useCases.rows.map((row) => row.tag),
      tiers: readProgrammeSettings(tenant.settings).tiers.map((tier) => tier.name),
    }
  })
}

/** The file bytes for a staff preview or download (drafts and archived included). */
export async function readResourceFileForStaff(ctx: CoreContext, rawInput: unknown): Promise<{ bytes: Uint8Array; mime: string; fileName: string; title: string }> {
  requireStaff(ctx, 'resources.view')
  const input = parseInput(byResourceId, rawInput)
  const row = await inActorScope(ctx, (trx) => trx.selectFrom('resources').select(['file_key', 'file_mime', 'file_name', 'title']).where('id', '=', input.resourceId).executeTakeFirst())
  if (!row?.file_key || !row.file_mime) throw AppError.notFound('This file')
  const stored = await ctx.storage.get(row.file_key)
  if (!stored) throw AppError.notFound('This file')
  return { bytes: stored.bytes, mime: row.file_mime, fileName: row.file_name ?? 'file', title: row.title }
}

import { sql, type TenantTransaction } from '@accord/db'
import { z } from 'zod'
import type { CoreContext, PartnerContext } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requirePartner } from '../scope.js'
import { MOTIONS, type Motion } from '../settings.js'
import { parseInput, searchText, uuid } from '../validation.js'
import { resourceFileTypeForMime } from './file-types.js'
import { RESOURCE_CONTENT_TYPES, type ResourceContentType, resourceContentTypeLabels } from './library.js'

/**
 * The resource library, partner side: what RLS lets this partner see
 * (published, and the partner's tier and motion among the resource's
 * visibility lists), filtered by facets and full-text search. Views,
 * downloads and link opens are recorded as engagement.
 */

const PAGE_SIZE = 24
/** Refreshing a page or a PDF viewer re-requesting bytes is not a new view or download. */
const VIEW_DEDUPE = '30 minutes'
const DOWNLOAD_DEDUPE = '1 minute'
const NEW_FOR_DAYS = 14

/** Unknown facet values in an address are ignored, not an error: old bookmarks keep working. */
const facetValue = z.string().trim().max(80).optional().catch(undefined).transform((value) => value || undefined)

export const searchResourcesInput = z.object({
  q: searchText(200).optional().catch('').default('').transform((value) => value ?? ''),
  contentType: z.enum(RESOURCE_CONTENT_TYPES).optional().catch(undefined),
  motion: z.enum(MOTIONS as unknown as [Motion, ...Motion[]]).optional().catch(undefined),
  industry: facetValue,
  useCase: facetValue,
  page: z.coerce.number().int().min(1).max(1000).optional().catch(1).default(1),
})

export interface FacetCount {
  value: string
  label: string
  count: number
}

/** A search snippet as plain-text pieces; `match` pieces are the hits. Rendered without HTML. */
export type SnippetPiece = { text: string; match: boolean }

export interface PortalResourceCard {
  id: string
  kind: 'file' | 'link'
  title: string
  description: string
  contentType: ResourceContentType
  contentTypeLabel: string
  motions: string[]
  industries: string[]
  useCases: string[]
  fileLabel: string | null
  fileBytes: number | null
  linkHost: string | null
  publishedAt: Date | null
  isNew: boolean
  snippet: SnippetPiece[]
}

export interface PortalResourceSearch {
  query: z.output<typeof searchResourcesInput>
  total: number
  page: number
  pageCount: number
  results: PortalResourceCard[]
  facets: { contentTypes: FacetCount[]; motions: FacetCount[]; industries: FacetCount[]; useCases: FacetCount[] }
  /** Whether the library has anything for this partner at all (empty state vs "no matches"). */
  libraryIsEmpty: boolean
}

const motionLabels: Record<Motion, string> = {
  referral: 'Referral',
  reseller: 'Resell',
  marketplace: 'Marketplace',
  services: 'Services',
  technology: 'Technology',
}

// Sentinels that cannot occur in extracted text (NUL and control bytes are stripped there), so the
// highlight survives as data and is rendered as <mark> by React, never as HTML from the database.
const HIT_START = '\u0002'
const HIT_END = '\u0003'

function snippetPieces(headline: string | null): SnippetPiece[] {
  if (!headline) return []
  const pieces: SnippetPiece[] = []
  for (const part of headline.split(HIT_START)) {
    const end = part.indexOf(HIT_END)
    if (end === -1) {
      if (part) pieces.push({ text: part, match: false })
      continue
    }
    pieces.push({ text: part.slice(0, end), match: true })
    if (part.slice(end + 1)) pieces.push({ text: part.slice(end + 1), match: false })
  }
  return pieces
}

function countFacet(values: string[][], label: (value: string) => string, order?: readonly string[]): FacetCount[] {
  const counts = new Map<string, number>()
  for (const list of values) for (const value of new Set(list)) counts.set(value, (counts.get(value) ?? 0) + 1)
  const facets = [...counts].map(([value, count]) => ({ value, label: label(value), count }))
  if (order) return facets.sort((a, b) => order.indexOf(a.value) - order.indexOf(b.value))
  return facets.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
}

export async function searchResources(ctx: CoreContext, rawInput: unknown = {}): Promise<PortalResourceSearch> {
  requirePartner(ctx)
  const input = parseInput(searchResourcesInput, rawInput ?? {})
  const now = ctx.now()
  return inActorScope(ctx, async (trx) => {
    const query = input.q ? sql`websearch_to_tsquery('english', ${input.q})` : null
    const likeTitle = `%${input.q.replace(/[\\%_]/g, '\\$&')}%`
    // Every resource this partner may see that matches the text: facets count over this set.
    const rank = query ? sql<number>`ts_rank_cd(search, ${query}) + case when title ilike ${likeTitle} then 1 else 0 end` : sql<number>`0`
    let candidates = trx
      .selectFrom('resources')
      .select(['id', 'content_type', 'motions', 'industries', 'use_cases', 'published_at', rank.as('rank')])
      .where('status', '=', 'published')
    if (query) candidates = candidates.where(sql<boolean>`(search @@ ${query} or title ilike ${likeTitle})`)
    const [matching, anyVisible] = await Promise.all([
      // Best first, so a very broad match keeps the most relevant 5,000 (facets then count those).
      candidates.orderBy(sql`rank`, 'desc').orderBy('published_at', 'desc').limit(5000).execute(),
      query ? trx.selectFrom('resources').select('id').where('status', '=', 'published').limit(1).executeTakeFirst() : Promise.resolve(undefined),
    ])
    const libraryIsEmpty = query ? !anyVisible : matching.length === 0

    const passes = (row: (typeof matching)[number], skip: 'contentType' | 'motion' | 'industry' | 'useCase' | null) =>
      (skip === 'contentType' || !input.contentType || row.content_type === input.contentType) &&
      (skip === 'motion' || !input.motion || row.motions.includes(input.motion)) &&
      (skip === 'industry' || !input.industry || row.industries.includes(input.industry)) &&
      (skip === 'useCase' || !input.useCase || row.use_cases.includes(input.useCase))

    // Each facet counts with the other facets applied, so a count says what clicking it would show.
    const facets = {
      contentTypes: countFacet(
        matching.filter((row) => passes(row, 'contentType')).map((row) => [row.content_type]),
        (value) => resourceContentTypeLabels[value as ResourceContentType] ?? value,
        RESOURCE_CONTENT_TYPES,
      ),
      motions: countFacet(matching.filter((row) => passes(row, 'motion')).map((row) => row.motions), (value) => motionLabels[value as Motion] ?? value, MOTIONS),
      industries: countFacet(matching.filter((row) => passes(row, 'industry')).map((row) => row.industries), (value) => value),
      useCases: countFacet(matching.filter((row) => passes(row, 'useCase')).map((row) => row.use_cases), (value) => value),
    }

    const filtered = matching
      .filter((row) => passes(row, null))
      .sort((a, b) => Number(b.rank) - Number(a.rank) || (b.published_at?.getTime() ?? 0) - (a.published_at?.getTime() ?? 0))
    const pageCount = Math.max(1, Math.ceil(filtered.length / PAGE_SIZE))
    const page = Math.min(input.page, pageCount)
    const pageIds = filtered.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((row) => row.id)
    const details =
      pageIds.length === 0
        ? []
        : await trx
            .selectFrom('resources')
            .select(['id', 'kind', 'title', 'description', 'content_type', 'motions', 'industries', 'use_cases', 'file_mime', 'file_bytes', 'url', 'published_at'])
            .select(
              query
                ? sql<string | null>`ts_headline('english', left(description || ' … ' || extracted_text, 20000), ${query}, ${`StartSel=${HIT_START}, StopSel=${HIT_END}, MaxFragments=2, MaxWords=24, MinWords=10, FragmentDelimiter=" … "`})`.as('headline')
                : sql<string | null>`null`.as('headline'),
            )
            .where('id', 'in', pageIds)
            .execute()
    const byId = new Map(details.map((row) => [row.id, row]))
    const results: PortalResourceCard[] = []
    for (const id of pageIds) {
      const row = byId.get(id)
      if (!row) continue
      const snippet = snippetPieces(row.headline)
      results.push({
        id: row.id,
        kind: row.kind as 'file' | 'link',
        title: row.title,
        description: row.description,
        contentType: row.content_type as ResourceContentType,
        contentTypeLabel: resourceContentTypeLabels[row.content_type as ResourceContentType] ?? row.content_type,
        motions: row.motions,
        industries: row.industries,
        useCases: row.use_cases,
        fileLabel: row.file_mime ? (resourceFileTypeForMime(row.file_mime)?.label ?? 'File') : null,
        fileBytes: row.file_bytes,
        linkHost: row.url ? hostOf(row.url) : null,
        publishedAt: row.published_at,
        isNew: row.published_at ? now.getTime() - row.published_at.getTime() < NEW_FOR_DAYS * 86_400_000 : false,
        // Only worth showing when it contains a hit (otherwise the description is on the card already).
        snippet: snippet.some((piece) => piece.match) ? snippet : [],
      })
    }
    return { query: input, total: filtered.length, page, pageCount, results, facets, libraryIsEmpty }
  })
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname
  } catch {
    return null
  }
}

async function recordResourceEvent(trx: TenantTransaction, ctx: PartnerContext, resourceId: string, kind: 'view' | 'download' | 'open_link', dedupe: string | null) {
  const { tenantId, partnerId, userId } = ctx.actor
  const now = ctx.now()
  await sql`
    insert into resource_events (tenant_id, resource_id, partner_id, user_id, kind, created_at)
    select ${tenantId}, ${resourceId}, ${partnerId}, ${userId}, ${kind}, ${now}
    where ${dedupe === null} or not exists (
      select 1 from resource_events
      where tenant_id = ${tenantId} and resource_id = ${resourceId} and user_id = ${userId} and kind = ${kind}
        and created_at > ${now}::timestamptz - ${dedupe ?? '0 seconds'}::interval
    )
  `.execute(trx)
}

const byResourceId = z.object({ resourceId: uuid })

export interface PortalResourceDetail {
  id: string
  kind: 'file' | 'link'
  title: string
  description: string
  contentType: ResourceContentType
  contentTypeLabel: string
  motions: string[]
  industries: string[]
  useCases: string[]
  fileName: string | null
  fileLabel: string | null
  fileBytes: number | null
  previewInline: boolean
  previewKind: 'pdf' | 'image' | null
  url: string | null
  publishedAt: Date | null
  updatedAt: Date
}

async function loadVisible(trx: TenantTransaction, resourceId: string) {
  // RLS decides visibility; `published` is repeated so staff-shaped mistakes cannot widen it.
  return trx
    .selectFrom('resources')
    .select(['id', 'kind', 'title', 'description', 'content_type', 'motions', 'industries', 'use_cases', 'file_name', 'file_mime', 'file_bytes', 'file_key', 'url', 'published_at', 'updated_at'])
    .where('id', '=', resourceId)
    .where('status', '=', 'published')
    .executeTakeFirst()
}

/** One resource for the partner's detail page; opening it counts as a view. */
export async function viewResource(ctx: CoreContext, rawInput: unknown): Promise<PortalResourceDetail> {
  requirePartner(ctx)
  const input = parseInput(byResourceId, rawInput)
  return inActorScope(ctx, async (trx) => {
    const row = await loadVisible(trx, input.resourceId)
    if (!row) throw AppError.notFound('This resource')
    await recordResourceEvent(trx, ctx, row.id, 'view', VIEW_DEDUPE)
    const type = row.file_mime ? resourceFileTypeForMime(row.file_mime) : null
    return {
      id: row.id,
      kind: row.kind as 'file' | 'link',
      title: row.title,
      description: row.description,
      contentType: row.content_type as ResourceContentType,
      contentTypeLabel: resourceContentTypeLabels[row.content_type as ResourceContentType] ?? row.content_type,
      motions: row.motions,
      industries: row.industries,
      useCases: row.use_cases,
      fileName: row.file_name,
      fileLabel: type?.label ?? null,
      fileBytes: row.file_bytes,
      previewInline: type?.previewInline ?? false,
      previewKind: type?.previewInline ? (type.mime === 'application/pdf' ? 'pdf' : 'image') : null,
      url: row.url,
      publishedAt: row.published_at,
      updatedAt: row.updated_at,
    }
  })
}

export const resourceFileInput = byResourceId.extend({ disposition: z.enum(['inline', 'attachment']).default('attachment') })

/**
 * The bytes for a preview (inline, only types a browser shows without
 * running anything) or a download (recorded). Other types are always
 * attachments.
 */
export async function readResourceFile(ctx: CoreContext, rawInput: unknown): Promise<{ bytes: Uint8Array; mime: string; fileName: string; title: string; disposition: 'inline' | 'attachment' }> {
  requirePartner(ctx)
  const input = parseInput(resourceFileInput, rawInput)
  const row = await inActorScope(ctx, async (trx) => {
    const visible = await loadVisible(trx, input.resourceId)
    if (!visible?.file_key || !visible.file_mime) throw AppError.notFound('This file')
    if (input.disposition === 'attachment') await recordResourceEvent(trx, ctx, visible.id, 'download', DOWNLOAD_DEDUPE)
    return visible
  })
  const stored = await ctx.storage.get(row.file_key as string)
  if (!stored) throw AppError.notFound('This file')
  const inline = input.disposition === 'inline' && (resourceFileTypeForMime(row.file_mime as string)?.previewInline ?? false)
  return { bytes: stored.bytes, mime: row.file_mime as string, fileName: row.file_name ?? 'file', title: row.title, disposition: inline ? 'inline' : 'attachment' }
}

/** A link resource: where to send the partner, the visit recorded on the way. */
export async function openResourceLink(ctx: CoreContext, rawInput: unknown): Promise<{ url: string }> {
  requirePartner(ctx)
  const input = parseInput(byResourceId, rawInput)
  return inActorScope(ctx, async (trx) => {
    const row = await loadVisible(trx, input.resourceId)
    if (!row?.url) throw AppError.notFound('This link')
    await recordResourceEvent(trx, ctx, row.id, 'open_link', VIEW_DEDUPE)
    return { url: row.url }
  })
}

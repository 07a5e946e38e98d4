import { sql, withTenant } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { getPartnerEngagement } from '../partners/engagement.js'
import { PARTNER_TYPES } from '../partners/partners.js'
import { motionForPartnerType } from '../registrations/claims.js'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { runResourceTextExtraction } from './extraction-job.js'
import {
  createFileResource,
  createLinkResource,
  deleteResource,
  getResourceForStaff,
  listResourcesForStaff,
  MAX_RESOURCE_FILE_BYTES,
  readResourceFileForStaff,
  replaceResourceFile,
  setResourceArchived,
  updateResource,
} from './library.js'
import { openResourceLink, readResourceFile, searchResources, viewResource } from './portal-library.js'
import { makePdf, makePng, makePptx } from './testing/fixtures.js'

let deps: TestDeps
let vendor: VendorFixture
let gold: CoreContext
let goldColleague: CoreContext
let registeredReferral: CoreContext
let goldPartnerId: string
let otherVendor: VendorFixture

const battleCard = { title: 'Battle card vs Contoso', description: 'How we win against Contoso in mid-market deals.', contentType: 'battle_card', motions: ['reseller'], industries: ['Manufacturing'], useCases: ['Competitive'] }

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Library Vendor' })
  otherVendor = await createVendor(deps, { companyName: 'Other Library Vendor' })
  const goldPartner = await createPartnerOrganisation(vendor.owner, { name: 'Gold Reseller' })
  goldPartnerId = goldPartner.id
  const referralPartner = await createPartnerOrganisation(vendor.owner, { name: 'Registered Referral', type: 'referral' })
  await deps.ownerDb.updateTable('partner_organisations').set({ tier: 'Gold' }).where('id', '=', goldPartner.id).execute()
  gold = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: goldPartner.id })).context
  goldColleague = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: goldPartner.id })).context
  registeredReferral = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: referralPartner.id })).context
  // The programme must know the tier "Gold" for visibility by tier.
  await deps.ownerDb
    .updateTable('tenants')
    .set({ settings: sql`jsonb_set(settings, '{tiers}', '[{"name":"Registered","commissionRatePercent":10},{"name":"Gold","commissionRatePercent":20}]'::jsonb)` })
    .where('id', '=', vendor.tenantId)
    .execute()
})
afterAll(async () => {
  await deps?.close()
})

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  if (error instanceof AppError) return error
  throw new Error(`expected an AppError, got ${String(error)}`)
}

async function extractPending(tenantId: string) {
  const pending = await deps.ownerDb.selectFrom('resources').select(['id', 'file_key']).where('tenant_id', '=', tenantId).where('extraction_status', '=', 'pending').execute()
  for (const row of pending) await runResourceTextExtraction(deps, { tenantId, resourceId: row.id, fileKey: row.file_key ?? '' })
}

async function resourceCount(tenantId: string) {
  const row = await deps.ownerDb.selectFrom('resources').select(sql<number>`count(*)::int`.as('count')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()
  return row.count
}

describe('uploads: checked before anything is stored', () => {
  it('refuses empty, oversized, disguised and script-capable files with a message on the file field; no row, no file', async () => {
    const before = await resourceCount(vendor.tenantId)
    const cases: Array<[Uint8Array, string, string]> = [
      [new Uint8Array(), 'empty.pdf', 'VALIDATION'],
      [new Uint8Array(MAX_RESOURCE_FILE_BYTES + 1), 'huge.pdf', 'PAYLOAD_TOO_LARGE'],
      [makePng(), 'pricing.pdf', 'UNSUPPORTED_MEDIA_TYPE'],
      [new TextEncoder().encode('<html><script>alert(1)</script></html>'), 'deck.pdf', 'UNSUPPORTED_MEDIA_TYPE'],
      [new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'logo.svg', 'UNSUPPORTED_MEDIA_TYPE'],
      [new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]), 'setup.pdf', 'UNSUPPORTED_MEDIA_TYPE'],
    ]
    for (const [bytes, fileName, code] of cases) {
      const error = await failure(createFileResource(vendor.owner, battleCard, { bytes, fileName }))
      expect(error.code, fileName).toBe(code)
      expect(error.fieldErrors?.file?.[0], fileName).toBeTruthy()
    }
    expect(await resourceCount(vendor.tenantId)).toBe(before)
    const stored = await deps.storage.get(`tenants/${vendor.tenantId}/resources`)
    expect(stored).toBeNull()
  })

  it('field errors for the metadata: title, content type, an unknown tier, a non-web link', async () => {
    const pdf = { bytes: makePdf(['x']), fileName: 'x.pdf' }
    expect((await failure(createFileResource(vendor.owner, { ...battleCard, title: ' ' }, pdf))).fieldErrors).toHaveProperty('title')
    expect((await failure(createFileResource(vendor.owner, { ...battleCard, contentType: 'meme' }, pdf))).fieldErrors).toHaveProperty('contentType')
    expect((await failure(createFileResource(vendor.owner, { ...battleCard, visibleTiers: ['Platinum'] }, pdf))).fieldErrors?.visibleTiers?.[0]).toContain('Platinum')
    expect((await failure(createLinkResource(vendor.owner, { ...battleCard, url: 'javascript:alert(1)' }))).fieldErrors).toHaveProperty('url')
    expect((await failure(createFileResource(vendor.owner, { ...battleCard, industries: Array.from({ length: 13 }, (_, n) => `Industry ${n}`) }, pdf))).fieldErrors).toHaveProperty('industries')
    expect(await codeOf(createFileResource(gold, battleCard, pdf))).toBe('UNAUTHENTICATED')
    expect(await listResourcesForStaff(vendor.owner)).toHaveLength(0)
  })
})

describe('a PDF battle card, visible to everyone', () => {
  let resourceId: string

  it('stores the file under its sniffed type, queues text extraction, and the text becomes searchable', async () => {
    const created = await createFileResource(vendor.owner, battleCard, { bytes: makePdf(['Contoso discounts aggressively in renewals.', 'Lead with the integration roadmap.']), fileName: 'C:\\Users\\me\\Battle card – Contoso.PDF' })
    resourceId = created.resourceId
    const row = await deps.ownerDb.selectFrom('resources').selectAll().where('id', '=', resourceId).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ kind: 'file', file_mime: 'application/pdf', file_name: 'Battle card – Contoso.PDF', extraction_status: 'pending', status: 'published' })
    const job = await deps.ownerDb
      .selectFrom(sql<{ name: string; data: { resourceId: string } }>`pgboss.job`.as('job'))
      .select(['name', 'data'])
      .where(sql<boolean>`name = 'resources.extract-text' and data->>'resourceId' = ${resourceId}`)
      .executeTakeFirst()
    expect(job).toBeTruthy()

    await extractPending(vendor.tenantId)
    const extracted = await getResourceForStaff(vendor.owner, { resourceId })
    expect(extracted.extractionError).toBeNull()
    expect(extracted.extractionStatus).toBe('done')
    expect(extracted.extractedChars).toBeGreaterThan(40)
    // Running the job again changes nothing (idempotent).
    expect(await runResourceTextExtraction(deps, { tenantId: vendor.tenantId, resourceId, fileKey: row.file_key ?? '' })).toBe('skipped')

    const found = await searchResources(gold, { q: 'renewals roadmap' })
    expect(found.results.map((result) => result.id)).toEqual([resourceId])
    expect(found.results[0]?.snippet.some((piece) => piece.match && /renewal/i.test(piece.text))).toBe(true)
    expect(found.results[0]).toMatchObject({ fileLabel: 'PDF', contentTypeLabel: 'Battle card', isNew: true })
    expect((await searchResources(gold, { q: 'blockchain' })).results).toHaveLength(0)
  })

  it('facets count what each choice would show; unknown facet values in the address are ignored', async () => {
    await createLinkResource(vendor.owner, { title: 'ROI calculator', contentType: 'roi_one_pager', motions: ['referral'], industries: ['Retail'], url: 'https://roi.example.com/calc' })
    const all = await searchResources(gold, {})
    expect(all.total).toBe(2)
    expect(all.facets.contentTypes).toEqual([
      { value: 'battle_card', label: 'Battle card', count: 1 },
      { value: 'roi_one_pager', label: 'ROI one-pager', count: 1 },
    ])
    const narrowed = await searchResources(gold, { industry: 'Retail' })
    expect(narrowed.results.map((result) => result.title)).toEqual(['ROI calculator'])
    // The industry facet still offers Manufacturing (counted without its own filter).
    expect(narrowed.facets.industries.map((facet) => facet.value).sort()).toEqual(['Manufacturing', 'Retail'])
    expect(narrowed.facets.contentTypes).toEqual([{ value: 'roi_one_pager', label: 'ROI one-pager', count: 1 }])
    const junk = await searchResources(gold, { contentType: 'nonsense', motion: 'pirate', page: 'x' })
    expect(junk.total).toBe(2)
  })

  it('a snippet is plain text pieces with the hits marked; markup in a file never comes through', async () => {
    const created = await createFileResource(vendor.owner, { ...battleCard, title: 'Objection sheet' , contentType: 'objection_handling' }, { bytes: makePdf(['Answer <script>alert(1)</script> objections about pricing calmly.']), fileName: 'objections.pdf' })
    await extractPending(vendor.tenantId)
    const found = await searchResources(gold, { q: 'objections pricing' })
    const card = found.results.find((result) => result.id === created.resourceId)
    const text = card?.snippet.map((piece) => piece.text).join('') ?? ''
    expect(text).toContain('objections about pricing')
    expect(text).not.toMatch(/<|>/)
    expect(card?.snippet.filter((piece) => piece.match).map((piece) => piece.text.toLowerCase())).toEqual(expect.arrayContaining(['objections', 'pricing']))
    await deleteResource(vendor.owner, { resourceId: created.resourceId })
  })

  it('views (deduplicated), downloads and link opens are recorded per user and partner, and show in engagement', async () => {
    await viewResource(gold, { resourceId })
    await viewResource(gold, { resourceId })
    await viewResource(goldColleague, { resourceId })
    const download = await readResourceFile(gold, { resourceId, disposition: 'attachment' })
    expect(new TextDecoder().decode(download.bytes.slice(0, 5))).toBe('%PDF-')
    expect(download).toMatchObject({ mime: 'application/pdf', disposition: 'attachment' })
    // An inline preview is not a download.
    expect((await readResourceFile(gold, { resourceId, disposition: 'inline' })).disposition).toBe('inline')
    const link = (await listResourcesForStaff(vendor.owner)).find((resource) => resource.kind === 'link')
    expect(await openResourceLink(gold, { resourceId: link?.id })).toEqual({ url: 'https://roi.example.com/calc' })
    await expect(openResourceLink(gold, { resourceId })).rejects.toMatchObject({ code: 'NOT_FOUND' })

    const detail = await getResourceForStaff(vendor.owner, { resourceId })
    expect(detail.totals).toEqual({ views: 2, downloads: 1, linkOpens: 0, partners: 1, users: 2 })
    expect(detail.byPartner).toEqual([expect.objectContaining({ partnerId: goldPartnerId, partnerName: 'Gold Reseller', views: 2, downloads: 1 })])
    expect(detail.weekly.at(-1)).toMatchObject({ views: 2, downloads: 1 })

    const engagement = await getPartnerEngagement(vendor.owner, { partnerId: goldPartnerId })
    expect(engagement.totals).toMatchObject({ resourceViews: 3, resourceDownloads: 1, resourcesUsed: 2 })
    const userIdOf = (context: CoreContext) => (context.actor.kind === 'partner' ? context.actor.userId : '')
    // One view (the second within 30 minutes is the same visit) plus one link open; one download.
    expect(engagement.users.find((user) => user.userId === userIdOf(gold))).toMatchObject({ resourceViews: 2, resourceDownloads: 1 })
    expect(engagement.users.find((user) => user.userId === userIdOf(goldColleague))).toMatchObject({ resourceViews: 1, resourceDownloads: 0 })
    expect(engagement.weeklyActivity.at(-1)).toMatchObject({ resourceViews: 3, resourceDownloads: 1 })
  })

  it('replacing the file keeps the history, extracts again, and a late job for the old file changes nothing', async () => {
    const before = await deps.ownerDb.selectFrom('resources').select('file_key').where('id', '=', resourceId).executeTakeFirstOrThrow()
    await replaceResourceFile(vendor.owner, { resourceId }, { bytes: makePptx([['Contoso teardown'], ['Pricing rebuttals for procurement']]), fileName: 'contoso.pptx' })
    expect(await deps.storage.get(before.file_key ?? '')).toBeNull()
    expect(await runResourceTextExtraction(deps, { tenantId: vendor.tenantId, resourceId, fileKey: before.file_key ?? '' })).toBe('skipped')
    await extractPending(vendor.tenantId)
    expect((await searchResources(gold, { q: 'procurement rebuttals' })).results.map((result) => result.id)).toEqual([resourceId])
    expect((await getResourceForStaff(vendor.owner, { resourceId })).totals.views).toBe(2)
    expect((await viewResource(gold, { resourceId })).fileLabel).toBe('PowerPoint')
    // PowerPoint is never shown inline: the browser gets an attachment whatever was asked.
    expect((await readResourceFile(gold, { resourceId, disposition: 'inline' })).disposition).toBe('attachment')
  })

  it('an unreadable file is recorded as failed, not retried forever', async () => {
    const created = await createFileResource(vendor.owner, { ...battleCard, title: 'Broken PDF' }, { bytes: new TextEncoder().encode('%PDF-1.4\nthis is not really a pdf'), fileName: 'broken.pdf' })
    const key = (await deps.ownerDb.selectFrom('resources').select('file_key').where('id', '=', created.resourceId).executeTakeFirstOrThrow()).file_key ?? ''
    expect(await runResourceTextExtraction(deps, { tenantId: vendor.tenantId, resourceId: created.resourceId, fileKey: key })).toBe('failed')
    const detail = await getResourceForStaff(vendor.owner, { resourceId: created.resourceId })
    expect(detail.extractionStatus).toBe('failed')
    expect(detail.extractionError).toBeTruthy()
    await deleteResource(vendor.owner, { resourceId: created.resourceId })
  })
})

describe('hostile text', () => {
  it('control characters: refused in fields, ignored in searches; links stored normalised; the status filter holds with a search', async () => {
    expect((await failure(createLinkResource(vendor.owner, { title: 'Bad\u0000title', contentType: 'battle_card', url: 'https://example.com' }))).fieldErrors).toHaveProperty('title')
    expect((await failure(createLinkResource(vendor.owner, { title: 'Tags', industries: ['Re\u0000tail'], contentType: 'battle_card', url: 'https://example.com' }))).fieldErrors).toHaveProperty('industries')
    expect((await failure(createLinkResource(vendor.owner, { title: 'Motions', motions: ['pirate'], contentType: 'battle_card', url: 'https://example.com' }))).fieldErrors).toHaveProperty('motions')
    expect((await searchResources(gold, { q: 'abc\u0000def' })).results).toEqual([])
    expect(await listResourcesForStaff(vendor.owner, { q: 'x\u0000y' })).toEqual([])
    const link = await createLinkResource(vendor.owner, { title: 'Zebra draft link', contentType: 'case_study', status: 'draft', url: 'HTTPS://Exa\nmple.com/a b' })
    expect((await deps.ownerDb.selectFrom('resources').select('url').where('id', '=', link.resourceId).executeTakeFirstOrThrow()).url).toBe('https://example.com/a%20b')
    await createLinkResource(vendor.owner, { title: 'Zebra published link', contentType: 'case_study', url: 'https://example.com/z' })
    expect((await listResourcesForStaff(vendor.owner, { q: 'zebra', status: 'draft' })).map((row) => row.title)).toEqual(['Zebra draft link'])
  })
})

describe('extraction limits', () => {
  it('runs in a child process: one that takes too long is stopped and the file recorded as failed', async () => {
    const created = await createFileResource(vendor.owner, { ...battleCard, title: 'Too slow to read' }, { bytes: makePdf(['Some text']), fileName: 'slow.pdf' })
    const key = (await deps.ownerDb.selectFrom('resources').select('file_key').where('id', '=', created.resourceId).executeTakeFirstOrThrow()).file_key ?? ''
    expect(await runResourceTextExtraction(deps, { tenantId: vendor.tenantId, resourceId: created.resourceId, fileKey: key }, { timeoutMs: 1 })).toBe('failed')
    expect((await getResourceForStaff(vendor.owner, { resourceId: created.resourceId })).extractionError).toContain('took longer than')
    await deleteResource(vendor.owner, { resourceId: created.resourceId })
  })
})

describe('visibility: tier, motion, status — enforced by RLS', () => {
  let goldOnly: string
  let referralOnly: string
  let draft: string

  beforeAll(async () => {
    goldOnly = (await createFileResource(vendor.owner, { ...battleCard, title: 'Gold price guide', contentType: 'price_guide', visibleTiers: ['gold'] }, { bytes: makePng(), fileName: 'prices.png' })).resourceId
    referralOnly = (await createLinkResource(vendor.owner, { title: 'Referral playbook', contentType: 'demo_script', visibleMotions: ['referral'], url: 'https://example.com/referral' })).resourceId
    draft = (await createLinkResource(vendor.owner, { title: 'Unreleased deck', contentType: 'integration_deck', status: 'draft', url: 'https://example.com/draft' })).resourceId
  })

  it('each partner finds only what it may see; everything else is "not found", never a hint', async () => {
    const goldTitles = (await searchResources(gold, {})).results.map((result) => result.title)
    expect(goldTitles).toContain('Gold price guide')
    expect(goldTitles).not.toContain('Referral playbook')
    expect(goldTitles).not.toContain('Unreleased deck')
    const referralTitles = (await searchResources(registeredReferral, {})).results.map((result) => result.title)
    expect(referralTitles).toContain('Referral playbook')
    expect(referralTitles).not.toContain('Gold price guide')
    for (const resourceId of [goldOnly, draft]) {
      expect(await codeOf(viewResource(registeredReferral, { resourceId }))).toBe('NOT_FOUND')
      expect(await codeOf(readResourceFile(registeredReferral, { resourceId }))).toBe('NOT_FOUND')
    }
    expect(await codeOf(openResourceLink(gold, { resourceId: referralOnly }))).toBe('NOT_FOUND')
    expect((await viewResource(gold, { resourceId: goldOnly })).previewKind).toBe('image')
  })

  it('a partner scope reads only visible rows and writes none, even with direct queries', async () => {
    const actor = registeredReferral.actor as { tenantId: string; partnerId: string }
    const rows = await withTenant(deps.db, { tenantId: actor.tenantId, partnerId: actor.partnerId }, (trx) => trx.selectFrom('resources').select('title').execute())
    expect(rows.map((row) => row.title)).not.toContain('Gold price guide')
    expect(rows.map((row) => row.title)).not.toContain('Unreleased deck')
    await expect(
      withTenant(deps.db, { tenantId: actor.tenantId, partnerId: actor.partnerId }, (trx) =>
        trx.insertInto('resources').values({ tenant_id: actor.tenantId, kind: 'link', url: 'https://evil.example', title: 'Injected', content_type: 'battle_card' }).execute(),
      ),
    ).rejects.toThrow(/row-level security/)
    const updated = await withTenant(deps.db, { tenantId: actor.tenantId, partnerId: actor.partnerId }, (trx) => trx.updateTable('resources').set({ title: 'Hijacked' }).where('id', '=', referralOnly).executeTakeFirst())
    expect(Number(updated.numUpdatedRows)).toBe(0)
    const deleted = await withTenant(deps.db, { tenantId: actor.tenantId, partnerId: actor.partnerId }, (trx) => trx.deleteFrom('resources').where('id', '=', referralOnly).executeTakeFirst())
    expect(Number(deleted.numDeletedRows)).toBe(0)
    // Nor can it record a view of a resource it cannot see.
    const userId = registeredReferral.actor.kind === 'partner' ? registeredReferral.actor.userId : ''
    await expect(
      withTenant(deps.db, { tenantId: actor.tenantId, partnerId: actor.partnerId }, (trx) =>
        trx.insertInto('resource_events').values({ tenant_id: actor.tenantId, resource_id: goldOnly, partner_id: actor.partnerId, user_id: userId, kind: 'view' }).execute(),
      ),
    ).rejects.toThrow(/row-level security/)
    // Nor record one in the name of someone of another organisation, even for a resource it can see.
    const goldUserId = gold.actor.kind === 'partner' ? gold.actor.userId : ''
    await expect(
      withTenant(deps.db, { tenantId: actor.tenantId, partnerId: actor.partnerId }, (trx) =>
        trx.insertInto('resource_events').values({ tenant_id: actor.tenantId, resource_id: referralOnly, partner_id: actor.partnerId, user_id: goldUserId, kind: 'view' }).execute(),
      ),
    ).rejects.toThrow(/row-level security/)
  })

  it('the policy maps partner types to motions exactly as core does', async () => {
    const mapped = await sql<{ type: string; motion: string }>`select t as type, motion_of_partner_type(t) as motion from unnest(${PARTNER_TYPES as unknown as string[]}::text[]) as t`.execute(deps.ownerDb)
    for (const row of mapped.rows) expect(row.motion, row.type).toBe(motionForPartnerType(row.type))
  })

  it('archiving hides a resource from partners and restoring brings it back; editing changes visibility', async () => {
    await setResourceArchived(vendor.owner, { resourceId: goldOnly, archived: true })
    expect(await codeOf(viewResource(gold, { resourceId: goldOnly }))).toBe('NOT_FOUND')
    // Staff still preview archived files.
    expect((await readResourceFileForStaff(vendor.owner, { resourceId: goldOnly })).mime).toBe('image/png')
    await setResourceArchived(vendor.owner, { resourceId: goldOnly, archived: false })
    expect((await viewResource(gold, { resourceId: goldOnly })).title).toBe('Gold price guide')
    // A draft archived and restored stays a draft; only archived resources can be restored.
    expect(await codeOf(setResourceArchived(vendor.owner, { resourceId: draft, archived: false }))).toBe('CONFLICT')
    await setResourceArchived(vendor.owner, { resourceId: draft, archived: true })
    expect(await setResourceArchived(vendor.owner, { resourceId: draft, archived: false })).toMatchObject({ status: 'draft' })
    expect(await codeOf(viewResource(gold, { resourceId: draft }))).toBe('NOT_FOUND')
    await updateResource(vendor.owner, { resourceId: goldOnly, ...battleCard, title: 'Price guide for everyone', contentType: 'price_guide', visibleTiers: [] })
    expect((await viewResource(registeredReferral, { resourceId: goldOnly })).title).toBe('Price guide for everyone')
  })

  it('another tenant sees nothing of this library; deleting removes the row, its history and its file', async () => {
    expect(await codeOf(getResourceForStaff(otherVendor.owner, { resourceId: goldOnly }))).toBe('NOT_FOUND')
    expect(await codeOf(deleteResource(otherVendor.owner, { resourceId: goldOnly }))).toBe('NOT_FOUND')
    expect(await listResourcesForStaff(otherVendor.owner)).toEqual([])
    const key = (await deps.ownerDb.selectFrom('resources').select('file_key').where('id', '=', goldOnly).executeTakeFirstOrThrow()).file_key ?? ''
    expect(await deps.storage.get(key)).not.toBeNull()
    await deleteResource(vendor.owner, { resourceId: goldOnly })
    expect(await deps.storage.get(key)).toBeNull()
    expect(await codeOf(getResourceForStaff(vendor.owner, { resourceId: goldOnly }))).toBe('NOT_FOUND')
  })
})

import { sql, withTenant } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { updateRegistrationPolicy } from './registration-policy.js'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { getPartnerEngagement } from '../partners/engagement.js'
import { getPortalHome } from '../portal/home.js'
import {
  createProgrammePagesFromTemplates,
  deleteProgrammePage,
  excerptOf,
  getProgrammePageForStaff,
  getPublishedProgrammePage,
  listProgrammePages,
  listPublishedProgrammePages,
  moveProgrammePage,
  publishProgrammePage,
  saveProgrammePage,
  slugifyTitle,
  unpublishProgrammePage,
  withHeadingAnchors,
} from './pages.js'

let deps: TestDeps
let vendor: VendorFixture
let partner: CoreContext
let partnerId: string
let viewer: CoreContext

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Rules Vendor' })
  const organisation = await createPartnerOrganisation(vendor.owner, { name: 'Rules Reseller' })
  partnerId = organisation.id
  partner = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId })).context
  viewer = (await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })).context
})
afterAll(async () => {
  await deps?.close()
})

async function fieldErrors(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  if (error instanceof AppError && error.code === 'VALIDATION') return error.fieldErrors ?? {}
  throw new Error(`expected a validation error, got ${String(error)}`)
}

const partnerScope = () => ({ tenantId: vendor.tenantId, partnerId })

describe('helpers', () => {
  it('suggests addresses from titles', () => {
    expect(slugifyTitle('Conflict policy 2027')).toBe('conflict-policy-2027')
    expect(slugifyTitle('  Größe & Übersicht!  ')).toBe('grosse-ubersicht')
    expect(slugifyTitle('???')).toBe('page')
    expect(slugifyTitle('x'.repeat(100)).length).toBe(60)
  })

  it('cuts excerpts at a word and anchors headings for a table of contents', () => {
    expect(excerptOf('short text')).toBe('short text')
    const long = excerptOf('word '.repeat(100))
    expect(long.length).toBeLessThanOrEqual(221)
    expect(long.endsWith('word…')).toBe(true)
    const anchored = withHeadingAnchors('<h2>Why <strong>register</strong></h2><p>x</p><h3>Details</h3><h2>Why register</h2>')
    expect(anchored.headings).toEqual([
      { id: 'section-why-register', level: 2, text: 'Why register' },
      { id: 'section-details', level: 3, text: 'Details' },
      { id: 'section-why-register-2', level: 2, text: 'Why register' },
    ])
    expect(anchored.html).toContain('<h2 id="section-why-register">Why <strong>register</strong></h2>')
  })
})

describe('authoring', () => {
  it('field errors for a missing or long title and a malformed address; nothing is stored', async () => {
    expect(await fieldErrors(saveProgrammePage(vendor.owner, { title: '  ' }))).toEqual({ title: ['Give the page a title.'] })
    expect(await fieldErrors(saveProgrammePage(vendor.owner, { title: 'x'.repeat(121) }))).toEqual({ title: ['Keep the title under 120 characters.'] })
    expect((await fieldErrors(saveProgrammePage(vendor.owner, { title: 'Rules', slug: 'no spaces/allowed' }))).slug?.[0]).toMatch(/lowercase letters/)
    expect((await fieldErrors(saveProgrammePage(vendor.owner, { title: 'Rules', slug: 'a'.repeat(61) }))).slug).toEqual(['Keep the address under 60 characters.'])
    expect(await fieldErrors(saveProgrammePage(vendor.owner, { title: 'Rules', pageId: 'not-a-uuid' }))).toHaveProperty('pageId')
    expect(await listProgrammePages(vendor.owner)).toHaveLength(0)
  })

  it('only owners and admins write; every staff role reads; partners use the portal functions', async () => {
    expect(await codeOf(saveProgrammePage(viewer, { title: 'Nope' }))).toBe('FORBIDDEN')
    expect(await codeOf(createProgrammePagesFromTemplates(viewer))).toBe('FORBIDDEN')
    expect(await codeOf(listProgrammePages(viewer))).toBe('OK')
    expect(await codeOf(saveProgrammePage(partner, { title: 'Nope' }))).toBe('UNAUTHENTICATED')
    expect(await codeOf(listProgrammePages(partner))).toBe('UNAUTHENTICATED')
    expect(await codeOf(listPublishedProgrammePages(vendor.owner))).toBe('UNAUTHENTICATED')
  })

  it('suggests the address from the title, keeps it unique, and refuses a chosen address that is taken', async () => {
    const first = await saveProgrammePage(vendor.owner, { title: 'Deal Registration FAQ', bodyHtml: '<p>One</p>' })
    expect(first).toMatchObject({ slug: 'deal-registration-faq', status: 'draft', created: true })
    const second = await saveProgrammePage(vendor.owner, { title: 'Deal registration FAQ' })
    expect(second.slug).toBe('deal-registration-faq-2')
    expect(await fieldErrors(saveProgrammePage(vendor.owner, { title: 'Another', slug: 'Deal-Registration-FAQ' }))).toEqual({ slug: ['Another page already uses this address. Choose a different one.'] })
    expect(await fieldErrors(saveProgrammePage(vendor.owner, { pageId: second.pageId, title: 'Renamed', slug: 'deal-registration-faq' }))).toHaveProperty('slug')
    // Keeping its own address is fine.
    expect(await saveProgrammePage(vendor.owner, { pageId: first.pageId, title: 'Deal registration FAQ', slug: 'deal-registration-faq' })).toMatchObject({ created: false, slug: 'deal-registration-faq' })
    // Another tenant may use the same address.
    const other = await createVendor(deps)
    expect((await saveProgrammePage(other.owner, { title: 'Deal registration FAQ' })).slug).toBe('deal-registration-faq')
    await deleteProgrammePage(vendor.owner, { pageId: first.pageId })
    await deleteProgrammePage(vendor.owner, { pageId: second.pageId })
  })

  it('sanitises hostile HTML on the server and stores the plain text', async () => {
    const saved = await saveProgrammePage(vendor.owner, {
      title: 'Hostile',
      bodyHtml:
        '<h2 onclick="x()">Rules</h2><p>Read <a href="javascript:alert(1)">this</a> and <a href="https://ok.example/rules">that</a> &amp; more.</p><script>alert(1)</script><img src="x" onerror="alert(1)"><iframe src="https://evil.example"></iframe><p style="color:red">styled</p>',
    })
    const page = await getProgrammePageForStaff(vendor.owner, { pageId: saved.pageId })
    expect(page.body_html).not.toMatch(/script|onclick|onerror|javascript:|iframe|style=/)
    expect(page.body_html).toContain('<h2>Rules</h2>')
    expect(page.body_html).toContain('href="https://ok.example/rules"')
    const stored = await deps.ownerDb.selectFrom('programme_pages').select('body_text').where('id', '=', saved.pageId).executeTakeFirstOrThrow()
    expect(stored.body_text).toBe('Rules\nRead this and that & more.\nstyled')
    await deleteProgrammePage(vendor.owner, { pageId: saved.pageId })
  })
})

describe('publishing and what partners see', () => {
  it('drafts stay invisible; published pages are listed and readable; unpublished ones disappear again', async () => {
    const draft = await saveProgrammePage(vendor.owner, { title: 'Onboarding checklist', bodyHtml: '<h2>Week one</h2><p>Secret draft text</p>' })
    expect(await listPublishedProgrammePages(partner)).toEqual([])
    expect(await codeOf(getPublishedProgrammePage(partner, { slug: draft.slug }))).toBe('NOT_FOUND')

    expect(await publishProgrammePage(vendor.owner, { pageId: draft.pageId })).toMatchObject({ status: 'published', changed: true })
    expect(await publishProgrammePage(vendor.owner, { pageId: draft.pageId })).toMatchObject({ changed: false })
    const listed = await listPublishedProgrammePages(partner)
    expect(listed).toEqual([{ title: 'Onboarding checklist', slug: 'onboarding-checklist', updatedAt: expect.any(Date), excerpt: 'Week one Secret draft text' }])
    const page = await getPublishedProgrammePage(partner, { slug: 'onboarding-checklist' })
    expect(page).toMatchObject({ title: 'Onboarding checklist', headings: [{ id: 'section-week-one', level: 2, text: 'Week one' }] })
    expect(page.bodyHtml).toContain('<h2 id="section-week-one">Week one</h2>')
    expect(await codeOf(getPublishedProgrammePage(partner, { slug: '../../etc' }))).toBe('NOT_FOUND')
    // Reading counts once per person (a reload within ten minutes is the same reading), and lights up the home page's first step.
    await getPublishedProgrammePage(partner, { slug: 'onboarding-checklist' })
    const reads = await deps.ownerDb.selectFrom('programme_page_reads').select(['reads', 'partner_id']).where('page_id', '=', draft.pageId).execute()
    expect(reads).toEqual([{ reads: 1, partner_id: partnerId }])
    expect((await getPortalHome(partner)).firstSteps.find((step) => step.id === 'programme')).toMatchObject({ done: true, href: '/programme' })
    expect((await getPartnerEngagement(vendor.owner, { partnerId })).totals).toMatchObject({ rulesPagesRead: 1, rulesPagesPublished: 1 })

    expect(await unpublishProgrammePage(vendor.owner, { pageId: draft.pageId })).toMatchObject({ status: 'draft' })
    expect(await listPublishedProgrammePages(partner)).toEqual([])
    expect(await codeOf(getPublishedProgrammePage(partner, { slug: 'onboarding-checklist' }))).toBe('NOT_FOUND')

    const actions = await deps.ownerDb.selectFrom('audit_log').select('action').where('target_id', '=', draft.pageId).orderBy('created_at').execute()
    expect(actions.map((row) => row.action)).toEqual(['programme_page.created', 'programme_page.published', 'programme_page.unpublished'])
    await deleteProgrammePage(vendor.owner, { pageId: draft.pageId })
  })
})

describe('templates', () => {
  it('drafts three pages from the settings, in order, and is idempotent', async () => {
    await updateRegistrationPolicy(vendor.owner, {
      decisionSlaHours: 24,
      slaReminderHoursBefore: 4,
      protectionWindowDays: 75,
      expiryReminderDays: 10,
      extensionDays: 21,
      maxExtensions: 3,
      idleAfterDays: 30,
      appealWindowDays: 14,
      timeZone: 'Europe/Berlin',
      startHour: 9,
      endHour: 17,
      workingDays: [1, 2, 3, 4, 5],
      hierarchy: ['tier_priority', 'first_approved_wins'],
      establishedAfterDays: 180,
    })
    await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.insertInto('territories').values({ tenant_id: vendor.tenantId, region: 'DACH <b>', partner_id: partnerId }).execute())
    const { created, skipped } = await createProgrammePagesFromTemplates(vendor.owner)
    expect(created.map((page) => page.title)).toEqual(['Conflict policy', 'Territories', 'Price bands'])
    expect(skipped).toEqual([])

    const list = await listProgrammePages(vendor.owner)
    expect(list.map((page) => [page.slug, page.status])).toEqual([
      ['conflict-policy', 'draft'],
      ['territories', 'draft'],
      ['price-bands', 'draft'],
    ])
    const byslug = async (slug: string) => getProgrammePageForStaff(vendor.owner, { pageId: list.find((page) => page.slug === slug)?.id ?? '' })
    const conflict = await byslug('conflict-policy')
    expect(conflict.body_html).toContain('<strong>75 days</strong>')
    expect(conflict.body_html).toContain('extended by 21 days, up to 3 times')
    expect(conflict.body_html).toContain('within <strong>24 hours</strong>, counted in business hours')
    expect(conflict.body_html).toContain('10 days before protection ends')
    // The hierarchy in the configured order, and only those rules.
    expect(conflict.body_html.indexOf('Higher tier wins')).toBeLessThan(conflict.body_html.indexOf('First approved wins'))
    expect(conflict.body_html).not.toContain('Established beats new')
    expect(conflict.body_html).toContain('(from highest: Elite, Select, Registered)')
    const territories = await byslug('territories')
    expect(territories.body_html).toContain('<li>DACH &lt;b&gt;</li>')
    expect(territories.body_html).not.toContain('Rules Reseller')
    const prices = await byslug('price-bands')
    expect(prices.body_html).toContain('<strong>Select</strong>: 15 %')
    expect(prices.body_html).toContain('New partners start in Registered.')

    const again = await createProgrammePagesFromTemplates(vendor.owner)
    expect(again).toEqual({ created: [], skipped: ['conflict-policy', 'territories', 'price-bands'] })
    expect(await listProgrammePages(vendor.owner)).toHaveLength(3)
    // Deleting one brings back only that one.
    await deleteProgrammePage(vendor.owner, { pageId: territories.id })
    expect((await createProgrammePagesFromTemplates(vendor.owner)).created.map((page) => page.slug)).toEqual(['territories'])
  })

  it('moves pages up and down; the ends stay put', async () => {
    const slugs = async () => (await listProgrammePages(vendor.owner)).map((page) => page.slug)
    expect(await slugs()).toEqual(['conflict-policy', 'price-bands', 'territories'])
    const pages = await listProgrammePages(vendor.owner)
    const territories = pages.find((page) => page.slug === 'territories')?.id ?? ''
    expect(await moveProgrammePage(vendor.owner, { pageId: territories, direction: 'up' })).toEqual({ moved: true })
    expect(await slugs()).toEqual(['conflict-policy', 'territories', 'price-bands'])
    expect(await moveProgrammePage(vendor.owner, { pageId: territories, direction: 'up' })).toEqual({ moved: true })
    expect(await moveProgrammePage(vendor.owner, { pageId: territories, direction: 'up' })).toEqual({ moved: false })
    expect(await slugs()).toEqual(['territories', 'conflict-policy', 'price-bands'])
    expect((await listProgrammePages(vendor.owner)).map((page) => page.position)).toEqual([0, 1, 2])
    expect(await fieldErrors(moveProgrammePage(vendor.owner, { pageId: territories, direction: 'sideways' as never }))).toEqual({ direction: ['Move it up or down.'] })
    // Partners see the same order.
    for (const page of await listProgrammePages(vendor.owner)) await publishProgrammePage(vendor.owner, { pageId: page.id })
    expect((await listPublishedProgrammePages(partner)).map((page) => page.slug)).toEqual(['territories', 'conflict-policy', 'price-bands'])
  })

  it('deletes a page (audited); unknown ids are not found', async () => {
    const [first] = await listProgrammePages(vendor.owner)
    if (!first) throw new Error('no page')
    expect(await deleteProgrammePage(vendor.owner, { pageId: first.id })).toEqual({ deleted: true })
    expect(await codeOf(deleteProgrammePage(vendor.owner, { pageId: first.id }))).toBe('NOT_FOUND')
    expect(await codeOf(getProgrammePageForStaff(vendor.owner, { pageId: first.id }))).toBe('NOT_FOUND')
    expect(await codeOf(publishProgrammePage(vendor.owner, { pageId: '00000000-0000-4000-8000-000000000000' }))).toBe('NOT_FOUND')
    const audit = await deps.ownerDb.selectFrom('audit_log').select(['action', 'details']).where('target_id', '=', first.id).where('action', '=', 'programme_page.deleted').executeTakeFirstOrThrow()
    expect(audit.details).toMatchObject({ slug: first.slug })
  })
})

describe('hostile input and races', () => {
  it('control characters: refused in titles, stripped from the text; empty headings get no contents entry', async () => {
    expect(await codeOf(saveProgrammePage(vendor.owner, { title: 'Bad\u0000title' }))).toBe('VALIDATION')
    const saved = await saveProgrammePage(vendor.owner, { title: 'Null bytes', bodyHtml: '<h2></h2><h2> </h2><p>a\u0000b\u0007c</p>' })
    const row = await deps.ownerDb.selectFrom('programme_pages').select('body_html').where('id', '=', saved.pageId).executeTakeFirstOrThrow()
    expect(row.body_html).toContain('abc')
    expect(withHeadingAnchors(row.body_html).headings).toEqual([])
    await deleteProgrammePage(vendor.owner, { pageId: saved.pageId })
  })

  it('two "start from templates" at once create the three pages once, without an error', async () => {
    const fresh = await createVendor(deps, { companyName: 'Template Race Vendor' })
    const results = await Promise.all([createProgrammePagesFromTemplates(fresh.owner), createProgrammePagesFromTemplates(fresh.owner)])
    expect(results.map((result) => result.created.length).sort()).toEqual([0, 3])
    expect(await listProgrammePages(fresh.owner)).toHaveLength(3)
  })
})

describe('row-level security', () => {
  it('a partner scope reads published pages only and cannot write, even by direct query', async () => {
    const draft = await saveProgrammePage(vendor.owner, { title: 'Internal draft only' })
    const visible = await withTenant(deps.db, partnerScope(), (trx) => trx.selectFrom('programme_pages').select(['slug', 'status']).execute())
    expect(visible.length).toBeGreaterThan(0)
    expect(visible.every((row) => row.status === 'published')).toBe(true)
    expect(visible.map((row) => row.slug)).not.toContain(draft.slug)

    await expect(withTenant(deps.db, partnerScope(), (trx) => trx.insertInto('programme_pages').values({ tenant_id: vendor.tenantId, slug: 'partner-wrote-this', title: 'Partner page' }).execute())).rejects.toThrow(/row-level security/)
    // Published rows are visible to the partner, but no write policy lets it touch them.
    const updated = await withTenant(deps.db, partnerScope(), (trx) => trx.updateTable('programme_pages').set({ title: 'Defaced' }).executeTakeFirst())
    expect(Number(updated.numUpdatedRows)).toBe(0)
    const deleted = await withTenant(deps.db, partnerScope(), (trx) => trx.deleteFrom('programme_pages').executeTakeFirst())
    expect(Number(deleted.numDeletedRows)).toBe(0)
    const titles = await deps.ownerDb.selectFrom('programme_pages').select('title').where('tenant_id', '=', vendor.tenantId).execute()
    expect(titles.map((row) => row.title)).not.toContain('Defaced')
    expect(titles.length).toBeGreaterThanOrEqual(3)
  })

  it('another tenant sees nothing of these pages, through core or a direct query', async () => {
    const other = await createVendor(deps)
    const otherPartner = await createPartnerOrganisation(other.owner)
    const otherRep = (await createPartnerUser(deps, { tenantId: other.tenantId, partnerId: otherPartner.id })).context
    expect((await listProgrammePages(other.owner)).map((page) => page.title)).not.toContain('Internal draft only')
    expect(await listPublishedProgrammePages(otherRep)).toEqual([])
    expect(await codeOf(getPublishedProgrammePage(otherRep, { slug: 'conflict-policy' }))).toBe('NOT_FOUND')
    const mine = (await listProgrammePages(vendor.owner))[0]
    if (!mine) throw new Error('no page')
    expect(await codeOf(getProgrammePageForStaff(other.owner, { pageId: mine.id }))).toBe('NOT_FOUND')
    expect(await codeOf(saveProgrammePage(other.owner, { pageId: mine.id, title: 'Hijack' }))).toBe('NOT_FOUND')
    expect(await codeOf(moveProgrammePage(other.owner, { pageId: mine.id, direction: 'down' }))).toBe('NOT_FOUND')
    expect(await codeOf(deleteProgrammePage(other.owner, { pageId: mine.id }))).toBe('NOT_FOUND')
    const direct = await withTenant(deps.db, { tenantId: other.tenantId }, (trx) => trx.selectFrom('programme_pages').select('id').where('tenant_id', '=', vendor.tenantId).execute())
    expect(direct).toEqual([])
    const count = await withTenant(deps.db, { tenantId: other.tenantId }, (trx) => sql<{ n: number }>`select count(*)::int as n from programme_pages where tenant_id <> ${other.tenantId}`.execute(trx))
    expect(count.rows[0]?.n).toBe(0)
  })
})

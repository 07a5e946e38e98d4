import { approveRegistration, createRegistrationImport, publishAnnouncement, runAnnouncementFanout, saveAnnouncementDraft, createRegistrationLink, listDeals, submitRegistration, updateDeal } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser, createVendor } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { createFileResource, createLinkResource, publishProgrammePage, runResourceTextExtraction, saveProgrammePage, viewResource } from '@accord/core'
import { makePdf } from '@accord/core/resources/testing/fixtures'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter, createCaller } from './root.js'
import { appErrorOf } from './trpc.js'

/**
 * Partner against partner inside one tenant: partner A's user calls every
 * portal procedure, and no answer may carry partner B's rows, a deal field the
 * vendor has not marked safe, or the vendor's internal values. The table must
 * name every portal procedure, so a new one fails here until it is covered.
 */
let deps: TestDeps
let callerA: ReturnType<typeof createCaller>
const forbidden: string[] = []
let ids: { registrationA: string; registrationB: string; importB: string; linkB: string; announcementB: string; announcementAll: string; repB: string; repA: string }
// The library: one resource for everyone, one for the Elite tier only (A is not Elite), one draft.
let library: { forAll: string; eliteOnly: string; draft: string }

const lead = (company: string, domain: string, extra: Record<string, unknown> = {}) => ({ companyName: company, website: domain, contactName: `Contact at ${company}`, contactEmail: `buyer@${domain}`, problem: `Problem of ${company}`, consent: true, ...extra })
const inTwoMonths = () => new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10)

beforeAll(async () => {
  deps = await createTestDeps()
  const vendor = await createVendor(deps)
  const partnerA = await createPartnerOrganisation(vendor.owner, { name: 'Partner Alpha Visible' })
  const partnerB = await createPartnerOrganisation(vendor.owner, { name: 'Partner Bravo Hidden' })
  const repA = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partnerA.id, role: 'partner_admin' })
  const repB = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partnerB.id, email: 'bravo-rep@bravo-hidden.example' })
  const dealA = await submitRegistration(repA.context, { fields: lead('Alpha Deal Customer', 'alpha-deal-customer.com', { kind: 'deal', amount: '77777', currency: 'EUR', expectedClose: inTwoMonths() }) })
  const dealB = await submitRegistration(repB.context, { fields: lead('Bravo Secret Customer', 'bravo-secret-customer.com', { kind: 'deal', amount: '99999', currency: 'EUR', expectedClose: inTwoMonths() }) })
  // B also claims A's customer: A must not learn that B exists.
  await submitRegistration(repB.context, { fields: lead('Alpha Deal Customer', 'alpha-deal-customer.com') })
  await approveRegistration(vendor.owner, { registrationId: dealA.registrationId, note: 'Approved for Alpha' })
  await approveRegistration(vendor.owner, { registrationId: dealB.registrationId })
  for (const deal of (await listDeals(vendor.owner)).deals) {
    await updateDeal(vendor.owner, { dealId: deal.id, amount: deal.amount ?? undefined, currency: deal.currency ?? undefined, expectedClose: deal.expectedClose ?? undefined, nextStep: 'Kick-off', ownerUserId: vendor.ownerId, internalNotes: 'INTERNAL-NOTE-do-not-share', discountPercent: '37' })
  }
  const importB = await createRegistrationImport(repB.context, { fileName: 'bravo-import.csv', contentBase64: Buffer.from('Company,Email\nBravo Import Co,x@bravo-import.com\n').toString('base64') })
  const linkB = await createRegistrationLink(vendor.owner, { partnerId: partnerB.id })
  // An announcement only for B, and one for everyone: A sees the second and nothing about who else received it.
  const announcementB = await saveAnnouncementDraft(vendor.owner, { title: 'Bravo-only pricing memo', channels: ['portal'], audience: { partnerIds: [partnerB.id] } })
  const announcementAll = await saveAnnouncementDraft(vendor.owner, { title: 'Programme update for all', channels: ['portal'], ackRequired: true })
  for (const { announcementId } of [announcementB, announcementAll]) {
    await publishAnnouncement(vendor.owner, { announcementId })
    await runAnnouncementFanout(deps, { tenantId: vendor.tenantId, announcementId })
  }
  ids = { registrationA: dealA.registrationId, registrationB: dealB.registrationId, importB: importB.importId, linkB: linkB.linkId, announcementB: announcementB.announcementId, announcementAll: announcementAll.announcementId, repB: repB.userId, repA: repA.userId }
  forbidden.push(announcementB.announcementId, 'Bravo-only pricing memo', repB.userId, linkB.linkId, partnerB.id, 'Partner Bravo Hidden', 'Bravo Secret Customer', 'bravo-secret-customer.com', 'bravo-rep@bravo-hidden.example', dealB.registrationId, importB.importId, 'bravo-import.csv', 'INTERNAL-NOTE', '99999', '99,999', '"37"', 'discount', 'internal')
  // Programme rules pages: one published, one draft. Partners read the first; the draft never reaches them.
  const publishedPage = await saveProgrammePage(vendor.owner, { title: 'Conflict policy for all', slug: 'conflict-policy', bodyHtml: '<h2>Who wins</h2><p>Registered beats unregistered.</p>' })
  await publishProgrammePage(vendor.owner, { pageId: publishedPage.pageId })
  const draftPage = await saveProgrammePage(vendor.owner, { title: 'Draft margin memo', slug: 'draft-margin-memo', bodyHtml: '<p>Draft-only internal margin text</p>' })
  forbidden.push(publishedPage.pageId, draftPage.pageId, 'Draft margin memo', 'draft-margin-memo', 'Draft-only internal margin text', vendor.ownerId)
  const forAll = await createFileResource(vendor.owner, { title: 'Battle card for all', contentType: 'battle_card', industries: ['Retail'] }, { bytes: makePdf(['Public pricing talk track']), fileName: 'for-all.pdf' })
  const eliteOnly = await createLinkResource(vendor.owner, { title: 'Elite-only margin sheet', contentType: 'price_guide', visibleTiers: ['Elite'], url: 'https://elite-only.example/margins' })
  const draft = await createLinkResource(vendor.owner, { title: 'Unpublished draft deck', contentType: 'integration_deck', status: 'draft', url: 'https://draft-deck.example' })
  const forAllKey = (await deps.ownerDb.selectFrom('resources').select('file_key').where('id', '=', forAll.resourceId).executeTakeFirstOrThrow()).file_key ?? ''
  await runResourceTextExtraction(deps, { tenantId: vendor.tenantId, resourceId: forAll.resourceId, fileKey: forAllKey })
  // B's people use the library too: A must not learn who or how often.
  await viewResource(repB.context, { resourceId: forAll.resourceId })
  library = { forAll: forAll.resourceId, eliteOnly: eliteOnly.resourceId, draft: draft.resourceId }
  forbidden.push('for-all.pdf', eliteOnly.resourceId, 'Elite-only margin sheet', 'elite-only.example', draft.resourceId, 'Unpublished draft deck', 'draft-deck.example', forAllKey, 'tenants/', 'visibleTiers', 'visible_tiers', 'extracted')
  callerA = createCaller({ core: repA.context, app: 'portal', portalTenantId: vendor.tenantId })
})
afterAll(async () => {
  await deps.close()
})

const DEFAULT_SAFE = ['stage', 'owner', 'protection_status', 'protection_ends_at', 'next_step']

const probes: Record<string, () => Promise<unknown>> = {
  'portal.home': () => callerA.portal.home(),
  'portal.announcements.feed': async () => {
    const feed = await callerA.portal.announcements.feed()
    expect(feed.announcements.map((announcement) => announcement.title)).toEqual(['Programme update for all'])
    return feed
  },
  'portal.announcements.open': async () => {
    await expect(callerA.portal.announcements.open({ announcementId: ids.announcementB })).rejects.toThrow(/not found/)
    return callerA.portal.announcements.open({ announcementId: ids.announcementAll })
  },
  'portal.announcements.acknowledge': async () => {
    await expect(callerA.portal.announcements.acknowledge({ announcementId: ids.announcementB })).rejects.toThrow(/not found/)
    return callerA.portal.announcements.acknowledge({ announcementId: ids.announcementAll })
  },
  'portal.programmePages.list': async () => {
    const pages = await callerA.portal.programmePages.list()
    expect(pages.map((page) => page.title)).toEqual(['Conflict policy for all'])
    expect(Object.keys(pages[0] ?? {}).sort()).toEqual(['excerpt', 'slug', 'title', 'updatedAt'])
    return pages
  },
  'portal.programmePages.open': async () => {
    await expect(callerA.portal.programmePages.open({ slug: 'draft-margin-memo' })).rejects.toThrow(/not found/)
    const page = await callerA.portal.programmePages.open({ slug: 'conflict-policy' })
    expect(Object.keys(page).sort()).toEqual(['bodyHtml', 'headings', 'slug', 'title', 'updatedAt'])
    return page
  },
  'portal.resources.search': async () => {
    const everything = await callerA.portal.resources.search({})
    expect(everything.results.map((resource) => resource.title)).toEqual(['Battle card for all'])
    // Words from an invisible resource's title find nothing; words inside the visible file do.
    expect((await callerA.portal.resources.search({ q: 'margin sheet' })).results).toEqual([])
    const found = await callerA.portal.resources.search({ q: 'pricing talk track' })
    expect(found.results.map((resource) => resource.id)).toEqual([library.forAll])
    expect(Object.keys(found.results[0] ?? {}).sort()).toEqual(['contentType', 'contentTypeLabel', 'description', 'fileBytes', 'fileLabel', 'id', 'industries', 'isNew', 'kind', 'linkHost', 'motions', 'publishedAt', 'snippet', 'title', 'useCases'])
    return found
  },
  'portal.resources.view': async () => {
    await expect(callerA.portal.resources.view({ resourceId: library.eliteOnly })).rejects.toThrow(/not found/)
    await expect(callerA.portal.resources.view({ resourceId: library.draft })).rejects.toThrow(/not found/)
    return callerA.portal.resources.view({ resourceId: library.forAll })
  },
  'portal.resources.openLink': async () => {
    await expect(callerA.portal.resources.openLink({ resourceId: library.draft })).rejects.toThrow(/not found/)
    return callerA.portal.resources.openLink({ resourceId: library.eliteOnly })
  },
  'portal.pipeline.list': async () => {
    const pipeline = await callerA.portal.pipeline.list()
    expect(pipeline.deals.map((deal) => deal.customerName)).toEqual(['Alpha Deal Customer'])
    for (const deal of pipeline.deals) expect(Object.keys(deal.fields).every((key) => DEFAULT_SAFE.includes(key))).toBe(true)
    expect(pipeline.deals[0]?.fields.next_step).toBe('Kick-off')
    // The deal's amount is not on the default safelist (the registration's own amount is the partner's own input).
    expect(JSON.stringify(pipeline)).not.toMatch(/77[,.]?777/)
    return pipeline
  },
  'portal.registrations.list': () => callerA.portal.registrations.list({ view: 'all' }),
  'portal.registrations.get': async () => {
    const own = await callerA.portal.registrations.get({ registrationId: ids.registrationA })
    expect(own.registration.status).toBe('approved')
    await expect(callerA.portal.registrations.get({ registrationId: ids.registrationB })).rejects.toThrow()
    return own
  },
  'portal.registrations.precheck': () => callerA.portal.registrations.precheck({ companyName: 'Bravo Secret Customer', website: 'https://www.bravo-secret-customer.com' }),
  'portal.registrations.submit': () => callerA.portal.registrations.submit({ fields: lead('Bravo Secret Customer Inc', 'bravo-secret-customer.com') }),
  'portal.registrations.answerInfo': () => callerA.portal.registrations.answerInfo({ registrationId: ids.registrationB, answer: 'hello' }),
  'portal.registrations.logNextStep': () => callerA.portal.registrations.logNextStep({ registrationId: ids.registrationA, nextStep: 'Workshop with the CIO' }),
  'portal.registrations.requestExtension': () => callerA.portal.registrations.requestExtension({ registrationId: ids.registrationB, note: 'Please extend' }),
  'portal.registrations.appeal': () => callerA.portal.registrations.appeal({ registrationId: ids.registrationB, evidence: 'We were first, we met them on 2026-11-01.' }),
  'portal.registrations.link': () => callerA.portal.registrations.link(),
  'portal.registrations.createLink': () => callerA.portal.registrations.createLink(),
  'portal.registrations.revokeLink': () => callerA.portal.registrations.revokeLink({ linkId: ids.linkB }),
  'portal.registrations.imports': () => callerA.portal.registrations.imports(),
  'portal.registrations.importDetail': () => callerA.portal.registrations.importDetail({ importId: ids.importB, rows: 'all' }),
  'portal.registrations.importResultCsv': () => callerA.portal.registrations.importResultCsv({ importId: ids.importB }),
  'portal.registrations.createImport': () => callerA.portal.registrations.createImport({ fileName: 'alpha.csv', contentBase64: Buffer.from('Company\nAlpha Import\n').toString('base64') }),
  'portal.registrations.startImport': () => callerA.portal.registrations.startImport({ importId: ids.importB, mapping: {} }),
  // Partner A's admin sees their own organisation's people only, and cannot touch partner B's.
  'portal.team.list': async () => {
    const team = await callerA.portal.team.list()
    expect(team.people.map((person) => person.id)).toEqual([ids.repA])
    expect(Object.keys(team.people[0] ?? {}).sort()).toEqual(['active', 'canDeactivate', 'canReactivate', 'deactivatedAt', 'deactivatedByVendor', 'email', 'id', 'isMe', 'lastSignInAt', 'name', 'role', 'roleLabel'])
    return team
  },
  'portal.team.deactivate': async () => {
    await expect(callerA.portal.team.deactivate({ userId: ids.repB })).rejects.toThrow(/not found/)
    return callerA.portal.team.deactivate({ userId: ids.repB })
  },
  'portal.team.reactivate': () => callerA.portal.team.reactivate({ userId: ids.repB }),
}

describe('partner-safe portal: every procedure', () => {
  it('covers every portal procedure', () => {
    expect(Object.keys(appRouter._def.procedures).filter((path) => path.startsWith('portal.')).sort()).toEqual(Object.keys(probes).sort())
  })

  it.each(Object.keys(probes))('%s carries no other partner’s row and no unsafe field', async (path) => {
    const probe = probes[path]
    if (!probe) throw new Error(`no probe for ${path}`)
    try {
      const json = JSON.stringify(await probe())
      for (const marker of forbidden) expect(json).not.toContain(marker)
    } catch (error) {
      const appError = appErrorOf(error)
      if (!appError) throw error
      expect(['NOT_FOUND', 'VALIDATION', 'CONFLICT']).toContain(appError.code)
      for (const marker of forbidden) expect(appError.message).not.toContain(marker)
    }
  })

  it('left partner B’s people active', async () => {
    const repB = await deps.ownerDb.selectFrom('users').select('status').where('id', '=', ids.repB).executeTakeFirstOrThrow()
    expect(repB.status).toBe('active')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { saveAnnouncementDraft } from './announcements/announcements.js'
import { AppError } from './errors.js'
import { invitePartnerUser, inviteStaffMember } from './invitations/invitations.js'
import { createPartner, listPartners, updatePartner } from './partners/partners.js'
import { closeDeal, moveDealStage, updateDeal } from './pipeline/pipeline.js'
import { saveProgrammePage } from './programme/pages.js'
import { addApprovalRoute, addTerritory, blockAccount, updateMotionStages } from './programme/registration-policy.js'
import { answerInfoRequest, appealRejection, listMyRegistrations, logNextStep, requestProtectionExtension } from './registrations/partner.js'
import { createRegistrationLink, submitViaRegistrationLink } from './registrations/public-link.js'
import { approveRegistration, bulkDecideRegistrations, closeRegistration, extendProtection, listReviewQueue, rejectRegistration, requestRegistrationInfo } from './registrations/review.js'
import { precheckRegistration, submitRegistration, submitRegistrationOnBehalf } from './registrations/submit.js'
import { createLinkResource } from './resources/library.js'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from './testing/factories.js'
import { createTestDeps, type TestDeps } from './testing/test-context.js'
import { CONTROL_CHARACTER_MESSAGE } from './validation.js'

/**
 * U+0000 in free text used to reach Postgres ("invalid byte sequence") and
 * answer 500 in about thirty places. Each place, called the way its app
 * calls it (core directly, below any tRPC or form boundary), now answers a
 * field error; search boxes and rich-text bodies drop the character instead.
 */
const NUL = '\u0000'
let deps: TestDeps
let vendor: VendorFixture
let partnerId: string
let rep: Awaited<ReturnType<typeof createPartnerUser>>
let registrationId: string
let dealRegistrationId: string
let dealId: string
let linkToken: string

function lead(overrides: Record<string, unknown> = {}) {
  return { kind: 'lead', companyName: 'Nul Customer', website: 'nul-customer.com', contactName: 'Jane Buyer', contactEmail: 'jane@nul-customer.com', problem: 'Needs a partner-led rollout.', consent: 'on', ...overrides }
}

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Control Vendor' })
  partnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Control Partner', emailDomains: ['control-partner.example'] })).id
  rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId })
  registrationId = (await submitRegistration(rep.context, { fields: lead() })).registrationId
  const [deal] = await createApprovedDealRegistrations(vendor.owner, rep.context, 1, { label: 'Nul deal' })
  if (!deal) throw new Error('no deal')
  dealRegistrationId = deal.registrationId
  const link = await createRegistrationLink(vendor.owner, { partnerId })
  linkToken = decodeURIComponent(link.url.slice(link.url.lastIndexOf('/') + 1))
  dealId = (await deps.ownerDb.selectFrom('registrations').select('deal_id').where('id', '=', deal.registrationId).executeTakeFirstOrThrow()).deal_id as string
})
afterAll(async () => {
  await deps.close()
})

async function fieldErrorsOf(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AppError && error.code === 'VALIDATION') return error.fieldErrors ?? {}
    throw error
  }
  throw new Error('expected a validation error')
}

// [place, call with NUL in that field, the field the message is on]
const refused: Array<[string, () => Promise<unknown>, string]> = [
  ['announcement title', () => saveAnnouncementDraft(vendor.owner, { title: `Price list${NUL}`, channels: ['portal'] }), 'title'],
  ['announcement audience region', () => saveAnnouncementDraft(vendor.owner, { title: 'Audience', channels: ['portal'], audience: { regions: [`DA${NUL}CH`] } }), 'audience.regions.0'],
  ['product interest (portal form)', () => submitRegistration(rep.context, { fields: lead({ productInterest: `Analytics, Se${NUL}curity` }) }), 'productInterest'],
  ['company name (portal form)', () => submitRegistration(rep.context, { fields: lead({ companyName: `Acme${NUL}` }) }), 'companyName'],
  ['contact name (on behalf)', () => submitRegistrationOnBehalf(vendor.owner, { partnerId, fields: lead({ contactName: `Jane${NUL}` }) }), 'contactName'],
  ['problem (public link)', () => submitViaRegistrationLink(deps, { token: linkToken, submitterName: 'Sam', submitterEmail: 'sam@control-partner.example', fields: lead({ problem: `x${NUL}` }), ip: null }), 'problem'],
  ['submitter name (public link)', () => submitViaRegistrationLink(deps, { token: linkToken, submitterName: `Sam${NUL}`, submitterEmail: 'sam@control-partner.example', fields: lead(), ip: null }), 'submitterName'],
  ['pre-check company name', () => precheckRegistration(rep.context, { companyName: `Acme${NUL}` }), 'companyName'],
  ['pre-check product interest', () => precheckRegistration(rep.context, { companyName: 'Acme', productInterest: `a${NUL}` }), 'productInterest'],
  ['territory', () => addTerritory(vendor.owner, { region: `DACH${NUL}`, partnerId }), 'region'],
  ['approval route region', () => addApprovalRoute(vendor.owner, { region: `EMEA${NUL}`, approverUserId: vendor.ownerId }), 'region'],
  ['blocked account: website', () => blockAccount(vendor.owner, { website: `blocked${NUL}.com`, name: 'Blocked', reason: 'Direct only' }), 'website'],
  ['blocked account: name', () => blockAccount(vendor.owner, { website: 'blocked.com', name: `Blocked${NUL}`, reason: 'Direct only' }), 'name'],
  ['blocked account: reason', () => blockAccount(vendor.owner, { website: 'blocked.com', name: 'Blocked', reason: `Direct${NUL} only` }), 'reason'],
  ['motion label', () => updateMotionStages(vendor.owner, { motion: 'referral', label: `Referral${NUL}`, stages: [{ label: 'Intro' }] }), 'label'],
  ['partner invitation name', () => invitePartnerUser(vendor.owner, { partnerId, email: 'new@control-partner.example', name: `Nina${NUL}`, role: 'sales' }), 'name'],
  ['staff invitation name', () => inviteStaffMember(vendor.owner, { email: 'new-staff@control-vendor.example', name: `Sven${NUL}`, role: 'viewer' }), 'name'],
  ['partner name', () => createPartner(vendor.owner, { name: `Partner${NUL}`, type: 'referral' }), 'name'],
  ['partner region', () => updatePartner(vendor.owner, { partnerId, name: 'Control Partner', type: 'reseller', region: `North${NUL}` }), 'region'],
  ['approval note', () => approveRegistration(vendor.owner, { registrationId, note: `Welcome${NUL}` }), 'note'],
  ['conflict resolution', () => approveRegistration(vendor.owner, { registrationId, conflictResolution: `Split${NUL}` }), 'conflictResolution'],
  ['rejection reason', () => rejectRegistration(vendor.owner, { registrationId, reason: `Already ours${NUL}` }), 'reason'],
  ['information request', () => requestRegistrationInfo(vendor.owner, { registrationId, question: `Who is the buyer${NUL}?` }), 'question'],
  ['bulk rejection reason', () => bulkDecideRegistrations(vendor.owner, { registrationIds: [registrationId], action: 'reject', reason: `No${NUL} thanks` }), 'reason'],
  ['extension reason (staff)', () => extendProtection(vendor.owner, { registrationId: dealRegistrationId, days: 10, reason: `Board${NUL}` }), 'reason'],
  ['close note', () => closeRegistration(vendor.owner, { registrationId: dealRegistrationId, outcome: 'won', reason: `Signed${NUL}` }), 'reason'],
  ['partner answer', () => answerInfoRequest(rep.context, { registrationId, answer: `The CFO${NUL}` }), 'answer'],
  ['partner next step', () => logNextStep(rep.context, { registrationId: dealRegistrationId, nextStep: `Workshop${NUL}` }), 'nextStep'],
  ['partner extension request', () => requestProtectionExtension(rep.context, { registrationId: dealRegistrationId, note: `More time${NUL}` }), 'note'],
  ['partner appeal', () => appealRejection(rep.context, { registrationId, evidence: `We met them first on 1 May${NUL}, in Berlin.` }), 'evidence'],
  ['deal next step', () => updateDeal(vendor.owner, { dealId, nextStep: `Call${NUL}` }), 'nextStep'],
  ['deal internal notes', () => updateDeal(vendor.owner, { dealId, internalNotes: `Notes${NUL}` }), 'internalNotes'],
  ['deal stage', () => moveDealStage(vendor.owner, { dealId, stage: `won${NUL}` }), 'stage'],
  ['deal close reason', () => closeDeal(vendor.owner, { dealId, outcome: 'lost', reason: `Budget${NUL}` }), 'reason'],
  ['programme page title', () => saveProgrammePage(vendor.owner, { title: `Rules${NUL}` }), 'title'],
  ['resource title', () => createLinkResource(vendor.owner, { title: `Card${NUL}`, contentType: 'battle_card', url: 'https://example.com' }), 'title'],
]

describe('U+0000 in free text is a field error, never a 500', () => {
  it.each(refused)('%s', async (_place, call, field) => {
    const fieldErrors = await fieldErrorsOf(call())
    const messages = fieldErrors[field] ?? Object.entries(fieldErrors).find(([key]) => key.startsWith(`${field}.`))?.[1]
    expect(messages, JSON.stringify(fieldErrors)).toBeDefined()
    expect(messages).toContain(CONTROL_CHARACTER_MESSAGE)
  })

  it('nothing of it was written', async () => {
    const registration = await deps.ownerDb.selectFrom('registrations').select(['status', 'rejection_reason', 'info_request']).where('id', '=', registrationId).executeTakeFirstOrThrow()
    expect(registration).toEqual({ status: 'submitted', rejection_reason: null, info_request: null })
    const deal = await deps.ownerDb.selectFrom('deals').select(['status', 'next_step', 'internal_notes']).where('id', '=', dealId).executeTakeFirstOrThrow()
    expect(deal.status).toBe('open')
  })

  it('single-line fields refuse line breaks; titles of only invisible characters are refused', async () => {
    expect(await fieldErrorsOf(addTerritory(vendor.owner, { region: 'North\nSouth', partnerId }))).toEqual({ region: ['Keep the region on one line.'] })
    expect(await fieldErrorsOf(submitRegistration(rep.context, { fields: lead({ companyName: 'Acme\nInc' }) }))).toEqual({ companyName: ['Keep the company name on one line.'] })
    expect(await fieldErrorsOf(saveAnnouncementDraft(vendor.owner, { title: '\u200B\u200B', channels: ['portal'] }))).toEqual({ title: ['Give the announcement a title.'] })
    expect(await fieldErrorsOf(saveProgrammePage(vendor.owner, { title: '\u2060\uFEFF\u0301' }))).toEqual({ title: ['Give the page a title.'] })
    // Multi-line fields keep their line breaks.
    await rejectRegistration(vendor.owner, { registrationId: (await submitRegistration(rep.context, { fields: lead({ companyName: 'Lines Customer', website: 'lines-customer.com' }) })).registrationId, reason: 'First line.\nSecond line.' })
  })

  it('search boxes and rich-text bodies drop the character instead', async () => {
    expect((await listPartners(vendor.owner, { search: `Control${NUL}` })).map((partner) => partner.name)).toEqual(['Control Partner'])
    expect((await listReviewQueue(vendor.owner, { view: 'all', search: `Nul${NUL}` })).map((row) => row.companyName)).toContain('Nul Customer')
    expect((await listMyRegistrations(rep.context, { search: `Nul${NUL}Customer` })).map((row) => row.companyName)).toEqual(['Nul Customer'])
    const saved = await saveAnnouncementDraft(vendor.owner, { title: 'Body with a NUL', bodyHtml: `<p>a${NUL}b</p>`, channels: ['portal'] })
    const row = await deps.ownerDb.selectFrom('announcements').select('body_html').where('id', '=', saved.announcementId).executeTakeFirstOrThrow()
    expect(row.body_html).toBe('<p>ab</p>')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { approveRegistration } from '../registrations/review.js'
import { submitRegistration } from '../registrations/submit.js'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { closeDeal, listDeals, listPartnerPipeline, moveDealStage, previewPartnerPipeline, setDealAttribution, updateDeal, updatePartnerSafeFields } from './pipeline.js'

let deps: TestDeps
let vendor: VendorFixture
let seller: CoreContext
let helper: CoreContext
let sellerPartnerId: string
let helperPartnerId: string
let dealId: string

const inTwoMonths = () => new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10)

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps)
  sellerPartnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Seller Partner', type: 'reseller' })).id
  helperPartnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Helper Partner', type: 'services' })).id
  seller = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: sellerPartnerId })).context
  helper = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: helperPartnerId })).context
  const receipt = await submitRegistration(seller, {
    fields: { kind: 'deal', companyName: 'Pipeline Corp', website: 'pipeline-corp.com', contactName: 'P', contactEmail: 'p@pipeline-corp.com', problem: 'Big rollout', consent: true, amount: '48000', currency: 'EUR', expectedClose: inTwoMonths() },
  })
  await approveRegistration(vendor.owner, { registrationId: receipt.registrationId })
  const deals = await listDeals(vendor.owner)
  dealId = deals.deals.find((deal) => deal.customerName === 'Pipeline Corp')?.id ?? ''
  await updateDeal(vendor.owner, { dealId, amount: '48000', currency: 'EUR', expectedClose: inTwoMonths(), nextStep: '', ownerUserId: vendor.ownerId, internalNotes: 'Secret: we would go to 30 % discount', discountPercent: '37.25' })
})
afterAll(async () => {
  await deps.close()
})

describe('shared pipeline', () => {
  it('a partner sees its deals with only the safelisted fields; preview as partner is identical', async () => {
    const view = await listPartnerPipeline(seller)
    expect(view.deals).toHaveLength(1)
    const deal = view.deals[0]
    expect(Object.keys(deal?.fields ?? {}).sort()).toEqual(['next_step', 'owner', 'protection_ends_at', 'protection_status', 'stage'])
    expect(deal?.fields.protection_status).toBe('Protected')
    expect(deal?.fields.owner).toMatch(/^Owner /)
    const json = JSON.stringify(view)
    for (const secret of ['48000', '48,000', 'Secret', 'discount', '37.25']) expect(json).not.toContain(secret)
    expect(await previewPartnerPipeline(vendor.owner, { partnerId: sellerPartnerId })).toEqual({ partner: { id: sellerPartnerId, name: 'Seller Partner' }, ...view })
    expect((await listPartnerPipeline(helper)).deals).toEqual([])
  })

  it('attribution decides who sees a deal; the vendor decides which fields', async () => {
    await setDealAttribution(vendor.owner, { dealId, partners: [{ partnerId: sellerPartnerId, attribution: 'sourced', percent: 70, contactRole: 'AE' }, { partnerId: helperPartnerId, attribution: 'influenced', percent: 30, contactRole: 'SE' }] })
    const helperView = await listPartnerPipeline(helper)
    expect(helperView.deals.map((deal) => [deal.customerName, deal.attribution, deal.attributionPercent])).toEqual([['Pipeline Corp', 'influenced', 30]])
    // A partner never learns who else is on the deal.
    expect(JSON.stringify(helperView)).not.toContain('Seller Partner')
    await updatePartnerSafeFields(vendor.owner, { fields: ['stage', 'amount'] })
    expect((await listPartnerPipeline(helper)).deals[0]?.fields).toEqual({ stage: 'Deal registration', amount: '48,000 EUR' })
    const errors = await codeOf(updatePartnerSafeFields(vendor.owner, { fields: ['internal_notes' as never] }))
    expect(errors).toBe('VALIDATION')
    expect(await codeOf(setDealAttribution(vendor.owner, { dealId, partners: [{ partnerId: sellerPartnerId, attribution: 'sourced', percent: 60 }, { partnerId: helperPartnerId, attribution: 'sourced', percent: 40 }] }))).toBe('VALIDATION')
    expect(await codeOf(setDealAttribution(vendor.owner, { dealId, partners: [{ partnerId: sellerPartnerId, attribution: 'sourced', percent: 80 }, { partnerId: helperPartnerId, attribution: 'influenced', percent: 40 }] }))).toBe('VALIDATION')
  })

  it('a deal cannot leave a stage whose exit fields are missing; the message names them', async () => {
    await moveDealStage(vendor.owner, { dealId, stage: 'qualification' })
    try {
      await moveDealStage(vendor.owner, { dealId, stage: 'configure_quote' })
      throw new Error('expected a validation error')
    } catch (error) {
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).fieldErrors?.stage?.[0]).toBe('Fill in the next step before moving to Configure & quote.')
    }
    await updateDeal(vendor.owner, { dealId, amount: '48000', currency: 'EUR', expectedClose: inTwoMonths(), nextStep: 'Send the quote', ownerUserId: vendor.ownerId, internalNotes: '', discountPercent: '' })
    expect(await moveDealStage(vendor.owner, { dealId, stage: 'configure_quote' })).toEqual({ dealId, stage: 'configure_quote' })
    // Back is always allowed; partners cannot move deals.
    expect(await codeOf(moveDealStage(vendor.owner, { dealId, stage: 'deal_registration' }))).toBe('OK')
    expect(await codeOf(moveDealStage(seller, { dealId, stage: 'transact' }))).toBe('UNAUTHENTICATED')
  })

  it('closing the deal as won closes the registration and tells the partner', async () => {
    expect((await listDeals(vendor.owner, { status: 'all', dealId })).deals.map((deal) => deal.id)).toEqual([dealId])
    expect(await closeDeal(vendor.owner, { dealId, outcome: 'won' })).toMatchObject({ status: 'won', registrationClosed: true })
    const deal = (await listDeals(vendor.owner, { status: 'all', dealId })).deals[0]
    expect(deal?.status).toBe('won')
    expect(await codeOf(closeDeal(vendor.owner, { dealId, outcome: 'lost' }))).toBe('CONFLICT')
    const won = await deps.ownerDb.selectFrom('email_outbox').select('subject').where('subject', 'like', 'Won: Pipeline Corp%').execute()
    expect(won).toHaveLength(1)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listDeals, moveDealStage } from '../pipeline/pipeline.js'
import { approveRegistration } from '../registrations/review.js'
import { submitRegistration } from '../registrations/submit.js'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { getRegistrationPolicy, updateMotionStages, updateRegistrationPolicy } from './registration-policy.js'

let deps: TestDeps
let vendor: VendorFixture
beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps)
})
afterAll(async () => {
  await deps.close()
})

describe('programme: registration policy and motions', () => {
  it('stages are configurable per tenant; renamed stages keep deals; stages in use cannot be removed', async () => {
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Stage Partner', type: 'reseller' })
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
    const receipt = await submitRegistration(rep.context, { fields: { kind: 'deal', companyName: 'Stageco', website: 'stageco.com', contactName: 'S', contactEmail: 's@stageco.com', problem: 'x', consent: true, amount: '1000', currency: 'EUR', expectedClose: inAMonth } })
    await approveRegistration(vendor.owner, { registrationId: receipt.registrationId })
    const policy = await getRegistrationPolicy(vendor.owner)
    const reseller = policy.motions.find((motion) => motion.key === 'reseller')
    expect(reseller?.stages.map((stage) => stage.key)).toEqual(['deal_registration', 'qualification', 'configure_quote', 'transact', 'launch_activate'])

    const stages = (reseller?.stages ?? []).map((stage) => ({ key: stage.key, label: stage.label, exitFields: stage.exitFields }))
    await updateMotionStages(vendor.owner, {
      motion: 'reseller',
      label: 'Resale',
      stages: [{ ...stages[0]!, label: 'Registered deal', exitFields: ['amount'] }, ...stages.slice(1, 4), { key: '', label: 'Live & growing', exitFields: [] }],
    })
    const deal = (await listDeals(vendor.owner)).deals.find((candidate) => candidate.customerName === 'Stageco')
    expect(deal).toMatchObject({ stage: 'deal_registration', stageLabel: 'Registered deal' })
    // Fewer exit fields now: straight to qualification without attribution checks beyond the amount.
    expect(await codeOf(moveDealStage(vendor.owner, { dealId: deal?.id ?? '', stage: 'qualification' }))).toBe('OK')

    const removeUsed = await codeOf(updateMotionStages(vendor.owner, { motion: 'reseller', label: 'Resale', stages: stages.slice(2).map((stage) => ({ ...stage })) }))
    expect(removeUsed).toBe('VALIDATION')
    expect(await codeOf(updateMotionStages(vendor.owner, { motion: 'reseller', label: 'Resale', stages: [{ key: '', label: 'Only one', exitFields: [] }] }))).toBe('VALIDATION')
    expect(await codeOf(updateMotionStages(vendor.owner, { motion: 'reseller', label: 'Resale', stages: [{ key: '', label: 'Same', exitFields: [] }, { key: '', label: 'same', exitFields: [] }] }))).toBe('VALIDATION')
  })

  it('policy numbers are validated and only owners and admins change them', async () => {
    const manager = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'partner_manager' })
    const valid = { decisionSlaHours: 24, slaReminderHoursBefore: 4, protectionWindowDays: 60, expiryReminderDays: 7, extensionDays: 30, maxExtensions: 2, idleAfterDays: 30, appealWindowDays: 14, timeZone: 'America/New_York', startHour: 8, endHour: 18, workingDays: [1, 2, 3, 4, 5], hierarchy: ['tier_priority', 'first_approved_wins'] as const, establishedAfterDays: 90 }
    expect(await codeOf(updateRegistrationPolicy(manager.context, { ...valid, hierarchy: [...valid.hierarchy] }))).toBe('FORBIDDEN')
    expect(await codeOf(updateRegistrationPolicy(vendor.owner, { ...valid, hierarchy: [...valid.hierarchy], timeZone: 'Mars/Olympus' }))).toBe('VALIDATION')
    expect(await codeOf(updateRegistrationPolicy(vendor.owner, { ...valid, hierarchy: [...valid.hierarchy], startHour: 18, endHour: 8 }))).toBe('VALIDATION')
    await updateRegistrationPolicy(vendor.owner, { ...valid, hierarchy: [...valid.hierarchy] })
    const policy = await getRegistrationPolicy(vendor.owner)
    expect(policy.registration).toMatchObject({ decisionSlaHours: 24, protectionWindowDays: 60 })
    expect(policy.conflicts.hierarchy).toEqual(['tier_priority', 'first_approved_wins'])
    expect(policy.businessHours).toEqual({ timeZone: 'America/New_York', startHour: 8, endHour: 18, workingDays: [1, 2, 3, 4, 5] })
  })
})

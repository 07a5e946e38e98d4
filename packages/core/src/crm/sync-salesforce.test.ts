import { createRollingLimiter } from '@accord/crm'
import { type FakeSalesforce, startFakeSalesforce } from '@accord/crm/testing/fake-salesforce'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { connectCrm, getCrmSettings } from './connection.js'
import { type CrmSyncOptions, runCrmSync } from './sync.js'

/** The same engine against a fake Salesforce through real jsforce: username + password + security token. */
let deps: TestDeps
let salesforce: FakeSalesforce
let vendor: VendorFixture
let rep: CoreContext
let registrations: Array<{ registrationId: string; domain: string }>
let skewMs = 0
const clock = { now: () => Date.now() + skewMs, sleep: async (ms: number) => void (skewMs += ms, await new Promise((resolve) => setTimeout(resolve, 1))) }
const quick: CrmSyncOptions = { limiter: createRollingLimiter({ requests: 1000, windowMs: 1000, ...clock }), sleep: clock.sleep, requestTimeoutMs: 1500 }
const sync = (trigger: 'initial' | 'scheduled' | 'manual' = 'scheduled') => runCrmSync(deps, { tenantId: vendor.tenantId, trigger }, quick)
const opportunityFor = (registrationId: string) => salesforce.records('Opportunity').find((record) => record.Accord_Registration_Id__c === registrationId)

beforeAll(async () => {
  deps = await createTestDeps()
  salesforce = await startFakeSalesforce({ username: 'integration@vendor.example', password: 'correct horse', securityToken: 'TOKEN123' })
  vendor = await createVendor(deps, { companyName: 'Salesforce Vendor' })
  const partner = await createPartnerOrganisation(vendor.owner, { name: 'SF Partners', type: 'services' })
  rep = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })).context
  registrations = await createApprovedDealRegistrations(vendor.owner, rep, 5, { label: 'Opportunity' })
})
afterAll(async () => {
  await salesforce?.close()
  await deps?.close()
})

describe('Salesforce', () => {
  it('a wrong password is a field error; the right one connects', async () => {
    const credentials = { provider: 'salesforce' as const, method: 'password' as const, username: 'integration@vendor.example', password: 'wrong', securityToken: 'TOKEN123', loginUrl: salesforce.url }
    await expect(connectCrm(vendor.owner, { credentials })).rejects.toMatchObject({ code: 'VALIDATION', fieldErrors: { 'credentials.password': [expect.stringMatching(/Salesforce did not accept/)] } })
    const connected = await connectCrm(vendor.owner, { credentials: { ...credentials, password: 'correct horse' } })
    expect(connected.account).toMatch(/Salesforce org/)
  })

  it('pushes opportunities with accounts matched by website and contacts, once', async () => {
    // The vendor's CRM already knows the first customer.
    salesforce.createRecord('Account', { Name: 'Known Customer Ltd', Website: `https://www.${registrations[0]!.domain}/` })
    const result = await sync('initial')
    expect(result).toMatchObject({ status: 'succeeded', pushed: 5, created: 5, failed: 0 })
    expect(salesforce.records('Opportunity')).toHaveLength(5)
    expect(salesforce.records('Account')).toHaveLength(5)
    expect(salesforce.records('Contact')).toHaveLength(5)
    const first = opportunityFor(registrations[0]!.registrationId)
    expect(first).toMatchObject({ Accord_Partner__c: 'SF Partners', Accord_Attribution__c: 'sourced', StageName: 'Prospecting' })
    const known = salesforce.records('Account').find((account) => account.Name === 'Known Customer Ltd')
    expect(first?.AccountId).toBe(known?.Id)
    expect(salesforce.duplicates()).toBe(0)
    expect((await sync()).pushed).toBe(0)
  })

  it('Closed Won in Salesforce closes the registration; REQUEST_LIMIT_EXCEEDED pauses the sync until the quota resets', async () => {
    const opportunity = opportunityFor(registrations[1]!.registrationId)!
    salesforce.updateOpportunity(String(opportunity.Id), { StageName: 'Closed Won', Amount: 77000 })
    await sync()
    const registration = await deps.ownerDb.selectFrom('registrations').select(['status']).where('id', '=', registrations[1]!.registrationId).executeTakeFirstOrThrow()
    expect(registration.status).toBe('won')

    salesforce.faults.requestLimitExceeded(10)
    const limited = await sync()
    expect(limited.status).toBe('rate_limited')
    expect((await getCrmSettings(vendor.owner)).connection?.rateLimitedUntil).toBeInstanceOf(Date)
    expect(salesforce.duplicates()).toBe(0)
  })
})

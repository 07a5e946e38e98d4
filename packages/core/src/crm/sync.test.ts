import { createRollingLimiter } from '@accord/crm'
import { type FakeHubspot, startFakeHubspot } from '@accord/crm/testing/fake-hubspot'
import { withTenant } from '@accord/db'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { extendProtection } from '../registrations/review.js'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { connectCrm, disconnectCrm, getCrmSettings, previewCrmSync, receiveCrmWebhook, retryCrmFailures, syncCrmNow, updateCrmMapping } from './connection.js'
import { type CrmSyncOptions, runCrmSync } from './sync.js'

/**
 * The sync engine against a fake HubSpot speaking the real wire format,
 * through the real @hubspot/api-client, on real Postgres with RLS.
 */
const TOKEN = 'pat-eu1-test-token-0001'
let deps: TestDeps
let hubspot: FakeHubspot
let vendor: VendorFixture
let rep: CoreContext
let registrations: Array<{ registrationId: string; companyName: string; domain: string }>

// The engine's waits (backoff, Retry-After pauses) run on a virtual clock, so a 10 s HubSpot pause costs the test nothing.
let skewMs = 0
const clock = {
  now: () => Date.now() + skewMs,
  sleep: async (ms: number) => {
    skewMs += ms
    await new Promise((resolve) => setTimeout(resolve, 1))
  },
}
const quick: CrmSyncOptions = { limiter: createRollingLimiter({ requests: 1000, windowMs: 1000, ...clock }), sleep: clock.sleep, requestTimeoutMs: 1500 }

const sync = (trigger: 'initial' | 'scheduled' | 'manual' | 'retry' = 'scheduled', options: CrmSyncOptions = quick) => runCrmSync(deps, { tenantId: vendor.tenantId, trigger }, options)

beforeAll(async () => {
  deps = await createTestDeps()
  hubspot = await startFakeHubspot({ accessToken: TOKEN })
  vendor = await createVendor(deps, { companyName: 'CRM Sync Vendor' })
  const partner = await createPartnerOrganisation(vendor.owner, { name: 'Sync Resellers', type: 'reseller', emailDomains: ['sync-resellers.example'] })
  rep = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })).context
  registrations = await createApprovedDealRegistrations(vendor.owner, rep, 12, { label: 'Synced' })
})
afterAll(async () => {
  await hubspot?.close()
  await deps?.close()
})

const dealsInCrm = () => hubspot.records('deals')
/** Requests that change something in HubSpot (reads and searches excluded). */
const writes = () => hubspot.log.filter((entry) => entry.method !== 'GET' && !/\/search$|\/batch\/read$/.test(entry.path)).length
const dealFor = (registrationId: string) => dealsInCrm().find((deal) => deal.properties.accord_registration_id === registrationId)

describe('connecting', () => {
  it('refuses a wrong token with a field error and stores nothing', async () => {
    const error = await connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: 'pat-wrong-token-000', baseUrl: hubspot.url } }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).fieldErrors?.['credentials.accessToken']?.[0]).toMatch(/did not accept/)
    const stored = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.selectFrom('crm_connections').selectAll().execute())
    expect(stored).toHaveLength(0)
  })

  it('an unreachable URL is a field error on the URL, not a 500', async () => {
    const error = (await connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: 'http://127.0.0.1:9' } }).catch((caught: unknown) => caught)) as AppError
    expect(error.code).toBe('VALIDATION')
    expect(Object.keys(error.fieldErrors ?? {})).toEqual(['credentials.baseUrl'])
  })

  it('only owners and admins may connect; partners cannot', async () => {
    expect(await codeOf(connectCrm(rep, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: hubspot.url } }))).toBe('UNAUTHENTICATED')
  })

  it('connects, stores the token encrypted, and queues the initial sync with a progress row', async () => {
    const connected = await connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: hubspot.url }, attributionMode: 'company_association' })
    expect(connected.account).toMatch(/HubSpot/)
    const row = await deps.ownerDb.selectFrom('crm_connections').selectAll().where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()
    expect(row.credentials_ciphertext).not.toContain(TOKEN)
    // Sealed with a key id (docs/decisions/016).
    expect(row.credentials_ciphertext).toMatch(/^v2:[0-9a-f]{8}:/)
    const run = await deps.ownerDb.selectFrom('crm_sync_runs').selectAll().where('id', '=', connected.runId).executeTakeFirstOrThrow()
    expect(run.trigger).toBe('initial')
    expect(run.progress_id).not.toBeNull()
    const jobs = await deps.ownerDb.selectFrom('pgboss.job' as never).select(['name' as never, 'data' as never]).where('name' as never, '=', 'crm.sync' as never).execute()
    expect(jobs.some((job) => (job as { data: { runId?: string } }).data.runId === connected.runId)).toBe(true)
  })
})

describe('push', () => {
  it('the dry run shows what would be written, without calling the CRM', async () => {
    const before = hubspot.requests
    const preview = await previewCrmSync(vendor.owner, { limit: 3 })
    expect(hubspot.requests).toBe(before)
    expect(preview).toMatchObject({ total: 12, creates: 12, updates: 0 })
    expect(preview.records[0]?.deal).toMatchObject({ accord_partner_name: 'Sync Resellers', accord_attribution: 'sourced', accord_attribution_percent: '100', dealstage: 'appointmentscheduled' })
    expect(preview.records[0]?.action).toBe('create')
  })

  it('the initial sync creates every deal once, with company, contact and the labelled partner company', async () => {
    const runId = (await deps.ownerDb.selectFrom('crm_sync_runs').select('id').where('tenant_id', '=', vendor.tenantId).where('trigger', '=', 'initial').executeTakeFirstOrThrow()).id
    const result = await runCrmSync(deps, { tenantId: vendor.tenantId, trigger: 'initial', runId }, quick)
    expect(result).toMatchObject({ status: 'succeeded', toPush: 12, pushed: 12, created: 12, failed: 0 })
    expect(dealsInCrm()).toHaveLength(12)
    expect(hubspot.duplicates()).toEqual([])
    const first = dealFor(registrations[0]!.registrationId)
    expect(first?.properties).toMatchObject({ accord_partner_name: 'Sync Resellers', accord_attribution: 'sourced', accord_registration_status: 'approved', amount: '10100' })
    // 12 customer companies + the partner organisation as a company.
    expect(hubspot.records('companies')).toHaveLength(13)
    expect(hubspot.records('contacts')).toHaveLength(12)
    const progress = await deps.ownerDb.selectFrom('crm_sync_runs as r').innerJoin('job_progress as j', 'j.id', 'r.progress_id').select(['j.status', 'j.done', 'j.total']).where('r.id', '=', runId).executeTakeFirstOrThrow()
    expect(progress).toEqual({ status: 'succeeded', done: 12, total: 12 })
    const settings = await getCrmSettings(vendor.owner)
    expect(settings.mappedCount).toBe(12)
    expect(settings.runs[0]).toMatchObject({ status: 'succeeded', pushed: 12 })
  })

  it('a second run writes nothing: unchanged records are not pushed again', async () => {
    const before = writes()
    const result = await sync()
    expect(result).toMatchObject({ status: 'succeeded', toPush: 0, pushed: 0 })
    expect(writes()).toBe(before)
  })

  it('a change on Accord’s side updates the deal; the CRM’s own fields stay as the CRM has them', async () => {
    const target = registrations[1]!
    const deal = dealFor(target.registrationId)!
    hubspot.updateDeal(deal.id, { dealstage: 'presentationscheduled' })
    await extendProtection(vendor.owner, { registrationId: target.registrationId, days: 30, reason: 'Workshop booked' })
    const result = await sync()
    expect(result).toMatchObject({ pushed: 1, created: 0 })
    const after = dealFor(target.registrationId)!
    expect(after.properties.dealstage).toBe('presentationscheduled')
    expect(after.properties.accord_protection_end).not.toBe(deal.properties.accord_protection_end)
    expect(dealsInCrm()).toHaveLength(12)
  })
})

describe('pull', () => {
  it('stage, amount and close date flow back; won closes the registration and tells the partner; the loop settles', async () => {
    const target = registrations[2]!
    const deal = dealFor(target.registrationId)!
    hubspot.updateDeal(deal.id, { amount: '48500', closedate: '2027-03-31T00:00:00.000Z', dealstage: 'closedwon' })
    const first = await sync()
    expect(first.applied).toBeGreaterThanOrEqual(2)
    const registration = await deps.ownerDb.selectFrom('registrations').select(['status', 'deal_id']).where('id', '=', target.registrationId).executeTakeFirstOrThrow()
    expect(registration.status).toBe('won')
    const local = await deps.ownerDb.selectFrom('deals').select(['amount', 'expected_close', 'crm_stage', 'status']).where('id', '=', registration.deal_id!).executeTakeFirstOrThrow()
    expect(Number(local.amount)).toBe(48500)
    expect(local.crm_stage).toBe('closedwon')
    expect(local.status).toBe('won')
    const mail = await deps.ownerDb.selectFrom('email_outbox').select('subject').where('tenant_id', '=', vendor.tenantId).where('subject', 'like', 'Won%').execute()
    expect(mail.length).toBeGreaterThanOrEqual(1)

    // The next run pushes the new registration status once; after that nothing moves either way.
    const second = await sync()
    expect(second.pushed).toBe(1)
    expect(dealFor(target.registrationId)?.properties.accord_registration_status).toBe('won')
    const before = writes()
    const third = await sync()
    const fourth = await sync()
    expect([third.pushed, third.applied, fourth.pushed, fourth.applied]).toEqual([0, 0, 0, 0])
    expect(writes()).toBe(before)
  })
})

describe('faults', () => {
  beforeEach(() => hubspot.faults.clear())

  it('a 429 storm is waited out (rolling window) and nothing is duplicated', async () => {
    await extendProtection(vendor.owner, { registrationId: registrations[3]!.registrationId, days: 5, reason: 'Storm test' })
    hubspot.faults.rateLimitStorm(5)
    const result = await sync()
    expect(result.status).toBe('succeeded')
    expect(result.rateLimited).toBeGreaterThanOrEqual(5)
    expect(result.pushed).toBe(1)
    expect(hubspot.duplicates()).toEqual([])
  })

  it('500s and timeouts are retried with backoff; the update lands once', async () => {
    await extendProtection(vendor.owner, { registrationId: registrations[4]!.registrationId, days: 5, reason: 'Fault test' })
    hubspot.faults.serverErrors(3)
    hubspot.faults.timeouts(1)
    const result = await sync()
    expect(result).toMatchObject({ status: 'succeeded', pushed: 1 })
    expect(hubspot.duplicates()).toEqual([])
  })

  it('a connection dropped after HubSpot applied the batch is replayed without duplicates', async () => {
    const fresh = await createApprovedDealRegistrations(vendor.owner, rep, 3, { label: 'Dropped' })
    hubspot.faults.dropConnection(3, { afterApplying: true })
    const result = await sync()
    expect(result).toMatchObject({ status: 'succeeded', pushed: 3 })
    for (const registration of fresh) expect(dealsInCrm().filter((deal) => deal.properties.accord_registration_id === registration.registrationId)).toHaveLength(1)
    expect(hubspot.duplicates()).toEqual([])
    registrations.push(...fresh)
  })

  it('a used-up daily limit ends the run and says when it resumes', async () => {
    await extendProtection(vendor.owner, { registrationId: registrations[5]!.registrationId, days: 5, reason: 'Daily test' })
    hubspot.faults.rateLimitStorm(50, { policy: 'DAILY' })
    const result = await sync()
    expect(result.status).toBe('rate_limited')
    expect(result.retryAt).toBeInstanceOf(Date)
    const connection = await deps.ownerDb.selectFrom('crm_connections').select(['rate_limited_until', 'last_error']).where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()
    expect(connection.rate_limited_until).not.toBeNull()
    hubspot.faults.clear()
    // A scheduled run before then waits; "Sync now" goes ahead.
    expect((await sync('scheduled')).status).toBe('rate_limited')
    expect(await sync('manual')).toMatchObject({ status: 'succeeded', pushed: 1 })
  })
})

describe('refused records, retry, disconnect', () => {
  it('a record the CRM refuses is isolated, logged and parked; the rest of the batch goes through', async () => {
    // A stage mapping pointing at a stage HubSpot does not have: HubSpot refuses the whole batch (400), the engine narrows it down.
    const referral = await createPartnerOrganisation(vendor.owner, { name: 'Sync Referrals', type: 'referral' })
    const referralRep = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: referral.id })).context
    await updateCrmMapping(vendor.owner, { stageMapping: { 'referral:*': 'no_such_stage' } })
    const fresh = [...(await createApprovedDealRegistrations(vendor.owner, rep, 3, { label: 'Accepted' })), ...(await createApprovedDealRegistrations(vendor.owner, referralRep, 1, { label: 'Refused' }))]
    const refusedId = fresh[3]!.registrationId
    for (let attempt = 0; attempt < 3; attempt++) await sync()
    const settings = await getCrmSettings(vendor.owner)
    const refused = settings.failedRecords.find((record) => record.registration_id === refusedId)
    expect(refused).toMatchObject({ failed_attempts: 3, parked: true })
    expect(refused?.last_error).toMatch(/no_such_stage/)
    expect(fresh.filter((registration) => dealFor(registration.registrationId))).toHaveLength(3)
    // Parked: the next scheduled run leaves it alone.
    expect((await sync()).failed).toBe(0)

    await updateCrmMapping(vendor.owner, { stageMapping: { 'referral:*': '' } })
    const { runId } = await retryCrmFailures(vendor.owner, { registrationIds: [refusedId] })
    expect(runId).toBeTruthy()
    const retried = await sync('retry')
    expect(retried).toMatchObject({ pushed: 1, failed: 0 })
    expect((await getCrmSettings(vendor.owner)).failedRecords).toHaveLength(0)
    registrations.push(...fresh)
  })

  it('disconnect stops syncing; reconnecting keeps the id map, so nothing is created twice', async () => {
    await disconnectCrm(vendor.owner)
    expect((await sync()).status).toBe('skipped')
    expect(await codeOf(syncCrmNow(vendor.owner))).toBe('CONFLICT')
    const before = dealsInCrm().length
    await connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: hubspot.url }, attributionMode: 'company_association' })
    const result = await sync('initial')
    expect(result.created).toBe(0)
    expect(dealsInCrm()).toHaveLength(before)
    expect(hubspot.duplicates()).toEqual([])
  })
})

describe('webhook', () => {
  it('the URL on the settings page queues a sync; a wrong secret or tenant is refused the same way', async () => {
    const url = (await getCrmSettings(vendor.owner)).connection?.webhookUrl
    expect(url).toMatch(/^http:\/\/admin\.test\/api\/crm\/webhook\//)
    const token = url!.split('/').pop()!
    expect(await receiveCrmWebhook(deps, { token })).toEqual({ accepted: true })
    const [tenantId, secret] = token.split('.')
    expect(await receiveCrmWebhook(deps, { token: `${tenantId}.${secret!.slice(0, -1)}x` })).toEqual({ accepted: false })
    const other = await createVendor(deps)
    expect(await receiveCrmWebhook(deps, { token: `${other.tenantId}.${secret}` })).toEqual({ accepted: false })
    expect(await receiveCrmWebhook(deps, { token: 'not-a-token' })).toEqual({ accepted: false })
    // A sync of this tenant is waiting (a burst of webhooks, or one already queued, is still one job).
    const queued = await deps.ownerDb.selectFrom('pgboss.job' as never).select('data' as never).where('name' as never, '=', 'crm.sync' as never).where('state' as never, '=', 'created' as never).execute()
    expect(queued.filter((job) => (job as { data: { tenantId: string } }).data.tenantId === vendor.tenantId)).toHaveLength(1)
  })
})

describe('who sees what', () => {
  it('another tenant sees the built-in CRM, not this connection; partners cannot read CRM tables at all', async () => {
    const other = await createVendor(deps, { companyName: 'Other CRM Vendor' })
    const theirs = await getCrmSettings(other.owner)
    expect(theirs).toMatchObject({ provider: 'builtin', connection: null, runs: [], failedRecords: [] })
    expect(await codeOf(getCrmSettings(rep))).toBe('UNAUTHENTICATED')
    const partnerId = rep.actor.kind === 'partner' ? rep.actor.partnerId : ''
    const seen = await withTenant(deps.db, { tenantId: vendor.tenantId, partnerId }, async (trx) => ({
      connections: await trx.selectFrom('crm_connections').select('tenant_id').execute(),
      records: await trx.selectFrom('crm_records').select('local_key').execute(),
      runs: await trx.selectFrom('crm_sync_runs').select('id').execute(),
    }))
    expect(seen).toEqual({ connections: [], records: [], runs: [] })
  })
})

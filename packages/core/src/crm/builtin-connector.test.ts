import { planDealPush, defaultFieldMapping } from '@accord/crm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeRegistration } from '../registrations/review.js'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { createBuiltinConnector } from './builtin-connector.js'
import { loadSyncSources } from './sync.js'
import { withTenant } from '@accord/db'

let deps: TestDeps
beforeAll(async () => {
  deps = await createTestDeps()
})
afterAll(async () => {
  await deps?.close()
})

describe('the built-in CRM behind the connector contract', () => {
  it('upserts into Accord’s deals without duplicates and pulls changes oldest first with an exact cursor', async () => {
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Builtin Partner' })
    const rep = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })).context
    const registrations = await createApprovedDealRegistrations(vendor.owner, rep, 3, { label: 'Builtin' })
    const connector = createBuiltinConnector(deps, vendor.tenantId)
    expect(await connector.testConnection()).toEqual({ account: 'Accord built-in CRM' })

    const sources = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => loadSyncSources(trx))
    const pushes = sources.map((source) => planDealPush('hubspot', source, defaultFieldMapping('hubspot'), {}, {}))
    const first = await connector.upsertDeals(pushes)
    const again = await connector.upsertDeals(pushes)
    expect(first.map((result) => result.dealId)).toEqual(again.map((result) => result.dealId))
    expect(first.every((result) => result.created === false)).toBe(true)
    const deals = await deps.ownerDb.selectFrom('deals').select('id').where('tenant_id', '=', vendor.tenantId).execute()
    expect(deals).toHaveLength(3)

    await closeRegistration(vendor.owner, { registrationId: registrations[0]!.registrationId, outcome: 'won' })
    const seen: string[] = []
    let cursor: string | null = null
    for (let page = 0; page < 10; page++) {
      const result = await connector.pullChangedDeals({ cursor, limit: 2 })
      seen.push(...result.changes.map((change) => `${change.registrationId}:${change.outcome}`))
      cursor = result.cursor ?? cursor
      if (!result.more) break
    }
    expect(seen).toHaveLength(3)
    expect(seen.at(-1)).toBe(`${registrations[0]!.registrationId}:won`)
    expect((await connector.pullChangedDeals({ cursor, limit: 2 })).changes).toEqual([])
    expect((await connector.listStages()).length).toBeGreaterThan(10)
  })
})

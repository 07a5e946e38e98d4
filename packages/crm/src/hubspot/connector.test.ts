import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AttributionMode, CrmConnector, CrmDealChange, CrmDealPush, CrmDealPushResult } from '../connector.js'
import { CrmError, isCrmError } from '../errors.js'
import { startFakeHubspot, type FakeHubspot } from '../testing/fake-hubspot.js'
import { createHubspotConnector, HUBSPOT_PARTNER_LABELS, type HubspotConnectorOptions } from './connector.js'

let fake: FakeHubspot

beforeEach(async () => {
  fake = await startFakeHubspot()
})

afterEach(async () => {
  await fake.close()
})

function connect(options: HubspotConnectorOptions = {}, token = fake.accessToken): CrmConnector {
  return createHubspotConnector({ provider: 'hubspot', accessToken: token, baseUrl: fake.url }, options)
}

const SCHEMA = {
  dealProperties: ['dealname', 'amount', 'dealstage', 'closedate', 'accord_partner_name', 'accord_registration_url'],
  companyProperties: ['name', 'domain', 'accord_partner_tier'],
  contactProperties: ['email', 'firstname', 'lastname', 'jobtitle', 'accord_partner_contact'],
}

async function setUp(mode: AttributionMode, options: HubspotConnectorOptions = {}): Promise<CrmConnector> {
  const connector = connect(options)
  await connector.ensureSchema({ attributionMode: mode, ...SCHEMA })
  return connector
}

function deal(number: number, overrides: Partial<CrmDealPush> = {}): CrmDealPush {
  return {
    registrationId: `reg_${number}`,
    properties: { dealname: `Acme expansion ${number}`, accord_partner_name: 'Northwind Partners', accord_registration_url: `https://accord.test/r/${number}` },
    createOnlyProperties: { dealstage: 'appointmentscheduled', amount: '12000', closedate: '2025-09-30' },
    company: { accountId: `acc_${number}`, domain: `customer${number}.com`, name: `Customer ${number}`, properties: {} },
    contact: { email: `buyer${number}@customer${number}.com`, firstName: 'Dana', lastName: `Buyer ${number}`, properties: { jobtitle: 'CTO' } },
    partner: { partnerId: 'ptn_northwind', name: 'Northwind Partners', domain: 'northwind.example', properties: { accord_partner_tier: 'gold' } },
    attribution: 'sourced',
    known: {},
    ...overrides,
  }
}

/** What the engine does: retry retryable failures until the push goes through. */
async function pushUntilDone(connector: CrmConnector, deals: CrmDealPush[], attempts = 8): Promise<{ results: CrmDealPushResult[]; errors: CrmError[] }> {
  const errors: CrmError[] = []
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return { results: await connector.upsertDeals(deals), errors }
    } catch (error) {
      if (!isCrmError(error) || !error.retryable) throw error
      errors.push(error)
    }
  }
  throw new Error(`push did not converge: ${errors.map((error) => error.message).join(' | ')}`)
}

async function captureError(promise: Promise<unknown>): Promise<CrmError> {
  try {
    await promise
  } catch (error) {
    if (isCrmError(error)) return error
    throw error
  }
  throw new Error('expected a CrmError')
}

function counts() {
  return {
    deals: fake.records('deals').length,
    companies: fake.records('companies').length,
    contacts: fake.records('contacts').length,
    associations: fake.associations().length,
  }
}

describe('HubSpot connector: connection', () => {
  it('names the portal and counts every request through the hooks', async () => {
    const statuses: number[] = []
    let before = 0
    const connector = connect({ hooks: { beforeRequest: async () => void before++, afterResponse: (status) => void statuses.push(status) } })
    await expect(connector.testConnection()).resolves.toEqual({ account: `HubSpot portal ${fake.portalId}` })
    expect(before).toBe(1)
    expect(statuses).toEqual([200])
    expect(fake.log).toEqual([{ method: 'GET', path: '/account-info/v3/details', status: 200 }])
  })

  it('maps a rejected token to an auth error', async () => {
    const statuses: number[] = []
    const error = await captureError(connect({ hooks: { afterResponse: (status) => void statuses.push(status) } }, 'pat-na1-revoked-token-000').testConnection())
    expect(error.kind).toBe('auth')
    expect(error.details.status).toBe(401)
    expect(error.message).toContain('Authentication credentials not found')
    expect(statuses).toEqual([401])
  })
})

describe('HubSpot connector: ensureSchema', () => {
  it.each(['deal_property', 'company_association', 'partner_object'] as const)('creates what %s needs once; a second run (new connector) creates nothing', async (mode) => {
    await setUp(mode)
    const snapshot = () => ({
      deals: fake.propertyNames('deals').sort(),
      companies: fake.propertyNames('companies').sort(),
      contacts: fake.propertyNames('contacts').sort(),
      labels: fake.associationLabels('deals', 'companies'),
      schemas: fake.schemaNames(),
    })
    const first = snapshot()
    expect(first.deals).toEqual(expect.arrayContaining(['accord_registration_id', 'accord_partner_name', 'accord_registration_url']))
    expect(first.companies).toEqual(expect.arrayContaining(['accord_account_id', 'accord_partner_id', 'accord_partner_tier']))
    expect(first.contacts).toContain('accord_partner_contact')
    const userLabels = first.labels.filter((label) => label.category === 'USER_DEFINED').map((label) => label.label)
    expect(userLabels.sort()).toEqual(mode === 'company_association' ? [HUBSPOT_PARTNER_LABELS.influenced, HUBSPOT_PARTNER_LABELS.sourced] : [])
    expect(first.schemas).toEqual(mode === 'partner_object' ? ['accord_partner'] : [])
    if (mode === 'partner_object') expect(fake.propertyNames('accord_partner')).toEqual(expect.arrayContaining(['name', 'domain', 'accord_partner_id', 'accord_partner_tier']))

    fake.resetCounters()
    await setUp(mode)
    expect(snapshot()).toEqual(first)
    expect(fake.log.filter((entry) => entry.method !== 'GET')).toEqual([])
  })

  it('refuses a mapped standard property HubSpot does not have', async () => {
    const error = await captureError(connect().ensureSchema({ attributionMode: 'deal_property', ...SCHEMA, dealProperties: ['dealname', 'deal_size_bucket'] }))
    expect(error.kind).toBe('invalid')
    expect(error.message).toContain('deal_size_bucket')
  })
})

describe('HubSpot connector: upsertDeals', () => {
  it('reuses a company matched by domain, creates the rest, links the partner with its label, and a replay duplicates nothing', async () => {
    const existingCompany = fake.insert('companies', { name: 'Customer One Inc (CRM name)', domain: 'customer1.com' })
    const connector = await setUp('company_association')
    const deals = [deal(1), deal(2, { attribution: 'influenced' }), deal(3, { company: { accountId: 'acc_3', domain: null, name: 'No Domain Ltd', properties: {} }, contact: null })]

    const first = await connector.upsertDeals(deals)
    expect(first.map((result) => result.created)).toEqual([true, true, true])
    const [one, two, three] = first
    expect(one?.companyId).toBe(existingCompany.id)
    expect(fake.record('companies', existingCompany.id)?.properties).toMatchObject({ accord_account_id: 'acc_1', name: 'Customer One Inc (CRM name)' })
    expect(fake.record('companies', two!.companyId!)?.properties).toMatchObject({ accord_account_id: 'acc_2', domain: 'customer2.com', name: 'Customer 2' })
    expect(fake.record('companies', three!.companyId!)?.properties).toMatchObject({ accord_account_id: 'acc_3', name: 'No Domain Ltd' })
    expect(three?.contactId).toBeNull()

    const dealRecord = fake.record('deals', one!.dealId)!
    expect(dealRecord.properties).toMatchObject({ accord_registration_id: 'reg_1', dealname: 'Acme expansion 1', dealstage: 'appointmentscheduled', amount: '12000', accord_partner_name: 'Northwind Partners' })
    expect(dealRecord.properties.closedate).toBe('2025-09-30T00:00:00.000Z')
    expect(fake.record('contacts', one!.contactId!)?.properties).toMatchObject({ email: 'buyer1@customer1.com', firstname: 'Dana', lastname: 'Buyer 1', jobtitle: 'CTO' })

    // One partner company for all three deals, keyed by the partner id.
    expect(new Set(first.map((result) => result.partnerRecordId)).size).toBe(1)
    const partner = fake.record('companies', one!.partnerRecordId!)!
    expect(partner.properties).toMatchObject({ accord_partner_id: 'ptn_northwind', name: 'Northwind Partners', domain: 'northwind.example', accord_partner_tier: 'gold' })

    const labelsFor = (dealId: string, companyId: string) =>
      fake
        .associations('deals', 'companies')
        .filter((association) => association.fromId === dealId && association.toId === companyId)
        .map((association) => association.label)
        .sort()
    expect(labelsFor(one!.dealId, one!.companyId!)).toEqual([null])
    expect(labelsFor(one!.dealId, partner.id)).toEqual([HUBSPOT_PARTNER_LABELS.sourced, null])
    expect(labelsFor(two!.dealId, partner.id)).toEqual([HUBSPOT_PARTNER_LABELS.influenced, null])
    expect(fake.associations('deals', 'contacts').filter((association) => association.fromId === one!.dealId).map((association) => association.toId)).toEqual([one!.contactId])

    const before = counts()
    fake.resetCounters()
    let paced = 0
    const statuses: number[] = []
    const hooks = { beforeRequest: async () => void paced++, afterResponse: (status: number) => void statuses.push(status) }
    const replay = await connect({ attributionMode: 'company_association', hooks }).upsertDeals(deals)
    // Every HTTP request went through the engine's hooks, and a whole batch costs a handful of requests.
    expect(paced).toBe(fake.requests)
    expect(statuses).toEqual(fake.log.map((entry) => entry.status))
    expect(fake.requests).toBeLessThanOrEqual(11)
    expect(replay.map(({ created: _created, ...ids }) => ids)).toEqual(first.map(({ created: _created, ...ids }) => ids))
    expect(replay.every((result) => !result.created)).toBe(true)
    expect(counts()).toEqual(before)
    expect(fake.duplicates()).toEqual([])
  })

  it('links deals to the Accord Partner object in partner_object mode', async () => {
    const connector = await setUp('partner_object')
    const results = await connector.upsertDeals([deal(1), deal(2)])
    const partners = fake.records('accord_partner')
    expect(partners).toHaveLength(1)
    expect(partners[0]?.properties).toMatchObject({ name: 'Northwind Partners', accord_partner_id: 'ptn_northwind', accord_partner_tier: 'gold' })
    expect(results.every((result) => result.partnerRecordId === partners[0]?.id)).toBe(true)
    expect(fake.associations('deals', 'accord_partner').map((association) => association.fromId).sort()).toEqual(results.map((result) => result.dealId).sort())

    // A fresh connector (next job run) finds the object type by reading the schemas.
    const before = counts()
    await connect({ attributionMode: 'partner_object' }).upsertDeals([deal(1), deal(2)])
    expect(counts()).toEqual(before)
    expect(fake.records('accord_partner')).toHaveLength(1)
    expect(fake.duplicates()).toEqual([])
  })

  it('keeps partner fields on the deal only in deal_property mode', async () => {
    const connector = await setUp('deal_property')
    const [result] = await connector.upsertDeals([deal(1)])
    expect(result?.partnerRecordId).toBeNull()
    expect(fake.records('companies')).toHaveLength(1)
    expect(fake.record('deals', result!.dealId)?.properties.accord_partner_name).toBe('Northwind Partners')
  })

  it('never overwrites create-only properties the CRM owns', async () => {
    const connector = await setUp('deal_property')
    const [created] = await connector.upsertDeals([deal(1)])
    fake.updateDeal(created!.dealId, { dealstage: 'contractsent', amount: 55000, closedate: '2025-12-15' })

    const [updated] = await connector.upsertDeals([
      deal(1, { properties: { dealname: 'Acme expansion (renamed in Accord)', accord_partner_name: 'Northwind Partners', accord_registration_url: null } }),
    ])
    expect(updated).toMatchObject({ dealId: created!.dealId, created: false })
    const properties = fake.record('deals', created!.dealId)!.properties
    expect(properties).toMatchObject({ dealstage: 'contractsent', amount: '55000', closedate: '2025-12-15T00:00:00.000Z', dealname: 'Acme expansion (renamed in Accord)', accord_registration_url: '' })
  })

  it('reports refused content as invalid with HubSpot’s message', async () => {
    const connector = await setUp('deal_property')
    const error = await captureError(connector.upsertDeals([deal(1, { createOnlyProperties: { dealstage: 'not_a_stage' } })]))
    expect(error.kind).toBe('invalid')
    expect(error.details.status).toBe(400)
    expect(error.message).toContain('not_a_stage was not one of the allowed options')
  })

  it('needs to know the attribution mode', async () => {
    await expect(connect().upsertDeals([deal(1)])).rejects.toThrow(/attribution mode/)
  })
})

describe('HubSpot connector: failures', () => {
  it('maps a ten-secondly 429 storm to rolling waits and converges without duplicates', async () => {
    const connector = await setUp('company_association')
    fake.faults.rateLimitStorm(1, { path: '/batch/upsert' })
    const error = await captureError(connector.upsertDeals([deal(1), deal(2)]))
    expect(error).toMatchObject({ kind: 'rate_limited', details: { status: 429, policy: 'rolling', retryAfterMs: 10_000 } })

    fake.faults.rateLimitStorm(3, { retryAfterSeconds: 2 })
    const retried = await pushUntilDone(connector, [deal(1), deal(2)])
    expect(retried.errors.map((item) => item.details.retryAfterMs)).toEqual([2000, 2000, 2000])
    expect(fake.rateLimited).toBe(4)
    expect(fake.records('deals')).toHaveLength(2)
    expect(fake.duplicates()).toEqual([])
  })

  it('maps the daily quota to a wait until the next UTC midnight', async () => {
    const connector = connect()
    fake.faults.rateLimitStorm(1, { policy: 'DAILY' })
    const error = await captureError(connector.testConnection())
    expect(error.details.policy).toBe('daily')
    const midnight = new Date()
    midnight.setUTCHours(24, 0, 0, 0)
    expect(error.details.retryAfterMs).toBeGreaterThan(midnight.getTime() - Date.now() - 5_000)
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(24 * 3600_000)
  })

  it('waits the rolling interval HubSpot announces when it enforces its limit', async () => {
    await fake.close()
    // Roomy enough for one push (~11 requests): a retried push starts over, so a smaller window would never let it finish.
    fake = await startFakeHubspot({ rateLimit: { requests: 12, windowMs: 200 } })
    const connector = connect()
    const waits: CrmError[] = []
    // What the engine does: wait what the error says, then try again.
    const paced = async <T>(operation: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await operation()
        } catch (error) {
          if (!isCrmError(error) || error.kind !== 'rate_limited') throw error
          waits.push(error)
          await new Promise((resolve) => setTimeout(resolve, error.details.retryAfterMs))
        }
      }
    }
    await paced(() => connector.ensureSchema({ attributionMode: 'company_association', ...SCHEMA }))
    await paced(() => connector.upsertDeals([deal(1), deal(2)]))
    await paced(() => connector.upsertDeals([deal(1), deal(2)]))
    expect(waits.length).toBeGreaterThan(0)
    expect(waits.every((wait) => wait.details.policy === 'rolling' && wait.details.retryAfterMs === 200)).toBe(true)
    expect(fake.rateLimited).toBe(waits.length)
    expect(counts()).toMatchObject({ deals: 2, contacts: 2, companies: 3 })
    expect(fake.duplicates()).toEqual([])
  })

  it('maps 5xx (JSON or an HTML gateway page) to transient, with no SDK retries behind our back', async () => {
    const connector = await setUp('deal_property')
    const statuses: number[] = []
    const watched = connect({ attributionMode: 'deal_property', hooks: { afterResponse: (status) => void statuses.push(status) } })
    fake.faults.serverErrors(2)
    const first = await captureError(watched.upsertDeals([deal(1)]))
    const second = await captureError(watched.upsertDeals([deal(1)]))
    expect([first.kind, first.details.status, second.kind, second.details.status]).toEqual(['transient', 500, 'transient', 502])
    // The gateway's HTML page is not HubSpot's JSON error: only the status is told.
    expect(second.message).toBe('HubSpot batch read deals: HubSpot answered HTTP 502')
    expect(statuses).toEqual([500, 502])
    expect(fake.requests).toBeGreaterThan(0)
    const { results } = await pushUntilDone(connector, [deal(1)])
    expect(results).toHaveLength(1)
    expect(fake.records('deals')).toHaveLength(1)
  })

  it('turns a hung response into a transient error after the timeout', async () => {
    const statuses: number[] = []
    const connector = await setUp('company_association', { timeoutMs: 250, hooks: { afterResponse: (status) => void statuses.push(status) } })
    fake.faults.timeouts(1, { path: '/associations/' })
    const started = Date.now()
    const error = await captureError(connector.upsertDeals([deal(1)]))
    expect(error.kind).toBe('transient')
    expect(error.details.outbound).toBe('timeout')
    expect(error.message).toMatch(/: Could not reach HubSpot \(no answer in time\)\.$/)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(statuses.at(-1)).toBe(0)
    await pushUntilDone(connector, [deal(1)])
    expect(counts()).toMatchObject({ deals: 1, companies: 2, contacts: 1 })
    expect(fake.duplicates()).toEqual([])
  })

  it('converges with zero duplicates when the connection drops after HubSpot applied each write', async () => {
    const connector = await setUp('company_association')
    const deals = [deal(1), deal(2), deal(3, { company: { accountId: 'acc_1', domain: 'customer1.com', name: 'Customer 1', properties: {} } })]
    for (const path of ['/companies/batch/upsert', '/contacts/batch/upsert', '/deals/batch/upsert', '/batch/associate/default', '/batch/create']) {
      fake.faults.dropConnection(1, { path, afterApplying: true })
    }
    const { results, errors } = await pushUntilDone(connector, deals, 10)
    expect(errors.length).toBe(5)
    expect(errors.every((error) => error.kind === 'transient')).toBe(true)
    expect(results).toHaveLength(3)
    expect(results[0]?.companyId).toBe(results[2]?.companyId)
    expect(counts()).toMatchObject({ deals: 3, companies: 3, contacts: 3 })
    expect(fake.duplicates()).toEqual([])

    fake.faults.dropConnection(1, { path: '/deals/batch/upsert' })
    await pushUntilDone(connector, deals)
    expect(counts()).toMatchObject({ deals: 3, companies: 3, contacts: 3 })
    expect(fake.duplicates()).toEqual([])
  })
})

describe('HubSpot connector: pullChangedDeals', () => {
  async function pullAll(connector: CrmConnector, cursor: string | null, limit: number) {
    const changes: CrmDealChange[] = []
    let pages = 0
    for (;;) {
      const page = await connector.pullChangedDeals({ cursor, limit })
      pages++
      changes.push(...page.changes)
      if (page.cursor) cursor = page.cursor
      if (!page.more) return { changes, cursor, pages }
      if (pages > 500) throw new Error('pull does not end')
    }
  }

  it('returns our own pushes once, then only what a CRM user changed, oldest first', async () => {
    const connector = await setUp('deal_property')
    const pushed = await connector.upsertDeals([deal(1), deal(2), deal(3)])
    const first = await pullAll(connector, null, 100)
    expect(first.changes.map((change) => change.registrationId)).toEqual(['reg_1', 'reg_2', 'reg_3'])
    expect(first.changes[0]).toMatchObject({ dealId: pushed[0]?.dealId, stage: 'appointmentscheduled', amount: 12000, currency: null, closeDate: '2025-09-30', outcome: 'open' })

    const again = await connector.pullChangedDeals({ cursor: first.cursor, limit: 100 })
    expect(again).toEqual({ changes: [], cursor: null, more: false })

    fake.updateDeal(pushed[2]!.dealId, { dealstage: 'closedlost' })
    fake.updateDeal(pushed[0]!.dealId, { dealstage: 'closedwon', amount: '15000.5' })
    fake.updateDeal(pushed[1]!.dealId, { dealstage: '75318644' })
    const changed = await connector.pullChangedDeals({ cursor: first.cursor, limit: 100 })
    expect(changed.changes.map((change) => [change.registrationId, change.outcome, change.amount])).toEqual([
      ['reg_3', 'lost', 12000],
      ['reg_1', 'won', 15000.5],
      ['reg_2', 'won', 12000],
    ])
    const modified = changed.changes.map((change) => change.modifiedAt)
    expect([...modified].sort()).toEqual(modified)
  })

  it('neither skips nor repeats deals sharing the boundary timestamp', async () => {
    const connector = connect()
    const base = Date.parse('2025-03-01T10:00:00.000Z')
    const ids: string[] = []
    for (let index = 0; index < 7; index++) ids.push(fake.insert('deals', { dealname: `tie ${index}`, dealstage: 'qualifiedtobuy' }, { modifiedAt: base }).id)
    for (let index = 0; index < 3; index++) ids.push(fake.insert('deals', { dealname: `later ${index}` }, { modifiedAt: base + 1 }).id)
    const { changes, pages } = await pullAll(connector, null, 3)
    expect(changes.map((change) => change.dealId)).toEqual(ids)
    expect(pages).toBe(4)
    expect(changes[0]).toMatchObject({ registrationId: null, stage: 'qualifiedtobuy', modifiedAt: '2025-03-01T10:00:00.000Z' })

    // A deal edited later at the same millisecond as the cursor still comes through.
    const { cursor } = await pullAll(connector, null, 100)
    const late = fake.insert('deals', { dealname: 'late tie' }, { modifiedAt: base + 1 })
    const page = await connector.pullChangedDeals({ cursor, limit: 100 })
    expect(page.changes.map((change) => change.dealId)).toEqual([late.id])
  })

  it('walks past the 10,000-result search cap by moving the timestamp', async () => {
    const total = 10_050
    const base = Date.parse('2024-01-01T00:00:00.000Z')
    // Clusters of 7 deals share a millisecond, so page boundaries fall inside ties too.
    for (let index = 0; index < total; index++) fake.insert('deals', { dealname: `deal ${index}` }, { modifiedAt: base + Math.floor(index / 7) })
    const connector = connect()
    const { changes, pages } = await pullAll(connector, null, 100)
    expect(changes).toHaveLength(total)
    expect(new Set(changes.map((change) => change.dealId)).size).toBe(total)
    expect(pages).toBe(Math.ceil(total / 100))
    const times = changes.map((change) => change.modifiedAt)
    expect([...times].sort()).toEqual(times)

    // Paging with `after` alone would hit HubSpot's wall.
    const response = await fetch(`${fake.url}/crm/v3/objects/deals/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 100, after: '10000' }),
    })
    expect(response.status).toBe(400)
  })
})

describe('HubSpot connector: stages and write-back', () => {
  it('lists every pipeline’s stages as "Pipeline: Stage"', async () => {
    const stages = await connect().listStages()
    expect(stages).toHaveLength(10)
    expect(stages[0]).toEqual({ value: 'appointmentscheduled', label: 'Sales Pipeline: Appointment Scheduled' })
    expect(stages).toContainEqual({ value: 'closedwon', label: 'Sales Pipeline: Closed Won' })
    expect(stages).toContainEqual({ value: '75318644', label: 'Partner Pipeline: Won' })
  })

  it('writes facts onto existing contacts (by e-mail) and companies (by domain) only', async () => {
    const connector = await setUp('deal_property')
    const contact = fake.insert('contacts', { email: 'ada@customer1.com', firstname: 'Ada', lastname: 'L' })
    const company = fake.insert('companies', { name: 'Customer 1', domain: 'customer1.com' })
    await connector.writeBack([
      { object: 'contact', key: 'Ada@Customer1.com', properties: { accord_partner_contact: 'certified' } },
      { object: 'contact', key: 'nobody@nowhere.example', properties: { accord_partner_contact: 'x' } },
      { object: 'company', key: 'customer1.com', properties: { accord_partner_tier: 'platinum' } },
    ])
    expect(fake.record('contacts', contact.id)?.properties).toMatchObject({ accord_partner_contact: 'certified', firstname: 'Ada' })
    expect(fake.record('companies', company.id)?.properties).toMatchObject({ accord_partner_tier: 'platinum', name: 'Customer 1' })
    expect(fake.records('contacts')).toHaveLength(1)
  })
})

describe('addDealNote', () => {
  it('creates a note (POST /crm/v3/objects/notes) associated with the deal, escaping the text', async () => {
    const connector = await setUp('deal_property')
    const [pushed] = await connector.upsertDeals([deal(1)])
    const { noteId } = await connector.addDealNote({ dealId: pushed!.dealId, body: 'Line one <b>\nLine two & more', timestamp: '2026-11-30T10:15:00.000Z', dedupeKey: 'event-1' })
    expect(fake.record('notes', noteId)?.properties).toMatchObject({ hs_note_body: '<p>Line one &lt;b&gt;</p><p>Line two &amp; more</p>', hs_timestamp: '2026-11-30T10:15:00.000Z' })
    expect(fake.associations('notes', 'deals')).toEqual([expect.objectContaining({ fromId: noteId, toId: pushed!.dealId, category: 'HUBSPOT_DEFINED', typeId: 214 })])
    expect(fake.log.filter((entry) => entry.method === 'POST' && entry.path === '/crm/v3/objects/notes')).toHaveLength(1)
  })

  it('a deal that does not exist is refused as invalid (not retried)', async () => {
    const connector = await setUp('deal_property')
    const error = await connector.addDealNote({ dealId: '999999999', body: 'x', timestamp: '2026-11-30T10:15:00.000Z', dedupeKey: 'event-2' }).catch((caught: unknown) => caught)
    expect(isCrmError(error) && error.kind).toBe('invalid')
    expect(fake.records('notes')).toHaveLength(0)
  })
})

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CrmConnector, CrmDealPush } from '../connector.js'
import { salesforceCredentials } from '../credentials.js'
import { CrmError } from '../errors.js'
import { startFakeSalesforce, type FakeSalesforce } from '../testing/fake-salesforce.js'
import { createSalesforceConnector, type SalesforceConnectorOptions } from './connector.js'
import { classifyFailedResponse } from './transport.js'

let fake: FakeSalesforce

beforeEach(async () => {
  fake = await startFakeSalesforce()
})

afterEach(async () => {
  await fake.close()
})

function passwordConnector(options: SalesforceConnectorOptions = {}, password = fake.password): CrmConnector {
  const credentials = salesforceCredentials.parse({
    provider: 'salesforce',
    method: 'password',
    username: fake.username,
    password,
    securityToken: fake.securityToken,
    loginUrl: fake.url,
  })
  return createSalesforceConnector(credentials, { timeoutMs: 2_000, ...options })
}

const SCHEMA = {
  attributionMode: 'deal_property' as const,
  dealProperties: ['Accord_Partner__c', 'Accord_Attribution__c', 'Description', 'Name', 'StageName', 'Amount', 'CloseDate'],
  companyProperties: ['Accord_Partner_Tier__c', 'Name', 'Website'],
  contactProperties: ['Accord_Certified__c', 'Title', 'Email'],
}

async function readyConnector(options: SalesforceConnectorOptions = {}): Promise<CrmConnector> {
  const connector = passwordConnector(options)
  await connector.ensureSchema(SCHEMA)
  return connector
}

function uuid(prefix: number, n: number): string {
  return `${String(prefix).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`
}

function deal(n: number, overrides: Partial<CrmDealPush> = {}): CrmDealPush {
  return {
    registrationId: uuid(1, n),
    properties: { Accord_Partner__c: 'Northwind Partners', Accord_Attribution__c: 'sourced', Description: `Registered deal ${n}` },
    createOnlyProperties: { Name: `Customer ${n} expansion`, StageName: 'Qualification', Amount: '5000', CloseDate: '2030-01-31' },
    company: { accountId: uuid(2, n), domain: `customer${n}.com`, name: `Customer ${n}`, properties: { Accord_Partner_Tier__c: 'Gold' } },
    contact: { email: `buyer${n}@customer${n}.com`, firstName: 'Bea', lastName: `Buyer ${n}`, properties: { Title: 'CTO' } },
    partner: { partnerId: uuid(3, 1), name: 'Northwind Partners', domain: 'northwind.io', properties: {} },
    attribution: 'sourced',
    known: {},
    ...overrides,
  }
}

async function rejection(promise: Promise<unknown>): Promise<CrmError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a CrmError, the call succeeded')
    },
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(CrmError)
  return error as CrmError
}

const logins = () => fake.requests.filter((request) => request.path.startsWith('/services/Soap/u/')).length

describe('connecting', () => {
  it('logs in with username, password and security token on first use and names the org', async () => {
    let before = 0
    const statuses: number[] = []
    const connector = passwordConnector({
      hooks: {
        beforeRequest: async () => {
          before += 1
        },
        afterResponse: (status) => statuses.push(status),
      },
    })
    expect(fake.requests).toHaveLength(0) // lazy
    const info = await connector.testConnection()
    expect(info.account).toBe(`Salesforce org Acme Test Org (${fake.organizationId})`)
    expect(logins()).toBe(1)
    expect(before).toBe(fake.requests.length)
    expect(statuses).toEqual(fake.requests.map((request) => request.status))
  })

  it('reports a wrong password as auth', async () => {
    const error = await rejection(passwordConnector({}, 'wrong').testConnection())
    expect(error.kind).toBe('auth')
    expect(error.message).toContain('INVALID_LOGIN')
  })

  it('uses an OAuth access token without logging in', async () => {
    await fake.close()
    fake = await startFakeSalesforce({ accessToken: 'given-access-token-123' })
    const connector = createSalesforceConnector(
      salesforceCredentials.parse({ provider: 'salesforce', method: 'oauth', instanceUrl: fake.url, accessToken: fake.accessToken, loginUrl: fake.url }),
    )
    expect((await connector.testConnection()).account).toContain('Acme Test Org')
    expect(logins()).toBe(0)
    expect(fake.requests).toHaveLength(1)
  })

  it('refreshes an expired OAuth token once when a refresh token and client are given; without them it is auth', async () => {
    await fake.close()
    fake = await startFakeSalesforce({ accessToken: 'initial-access-token-123' })
    const base = { provider: 'salesforce', method: 'oauth', instanceUrl: fake.url, accessToken: fake.accessToken, loginUrl: fake.url } as const
    const refreshing = createSalesforceConnector(salesforceCredentials.parse({ ...base, refreshToken: fake.refreshToken, clientId: 'client-id', clientSecret: 'secret' }))
    const stuck = createSalesforceConnector(salesforceCredentials.parse(base))
    fake.faults.expireSession()
    expect((await refreshing.testConnection()).account).toContain('Acme Test Org')
    expect(fake.requests.filter((request) => request.path === '/services/oauth2/token')).toHaveLength(1)
    const error = await rejection(stuck.testConnection())
    expect(error.kind).toBe('auth')
  })

  it('logs in again exactly once when the session expires', async () => {
    const connector = passwordConnector()
    await connector.testConnection()
    fake.faults.expireSession()
    await connector.testConnection()
    expect(logins()).toBe(2)
    expect(fake.requests.filter((request) => request.status === 401)).toHaveLength(1)
  })
})

describe('ensureSchema', () => {
  it('creates the upsert keys and Accord_ fields once, never standard fields', async () => {
    const connector = passwordConnector()
    await connector.ensureSchema(SCHEMA)
    expect(fake.customFields().sort()).toEqual(
      [
        'Account.Accord_Account_Id__c',
        'Account.Accord_Partner_Tier__c',
        'Contact.Accord_Certified__c',
        'Opportunity.Accord_Attribution__c',
        'Opportunity.Accord_Partner__c',
        'Opportunity.Accord_Registration_Id__c',
      ].sort(),
    )
    const toolingCalls = () => fake.requests.filter((request) => request.path.includes('/tooling/')).length
    expect(toolingCalls()).toBe(6)
    await connector.ensureSchema(SCHEMA)
    await passwordConnector().ensureSchema(SCHEMA)
    expect(toolingCalls()).toBe(6)
    expect(fake.customFields()).toHaveLength(6)
  })
})

describe('upsertDeals', () => {
  it('creates opportunity, account and contact, reuses an account found by website domain, and a replay duplicates nothing', async () => {
    const existingAccount = fake.createRecord('Account', { Name: 'Customer One Inc.', Website: 'https://www.customer1.com/about' })
    const lookalike = fake.createRecord('Account', { Name: 'Not them', Website: 'https://customer1.com.evil.io' })
    const connector = await readyConnector()
    const deals = [deal(1), deal(2), deal(3, { contact: null })]

    const first = await connector.upsertDeals(deals)
    expect(first.map((result) => result.created)).toEqual([true, true, true])
    expect(first[0]?.companyId).toBe(existingAccount)
    expect(first[0]?.companyId).not.toBe(lookalike)
    expect(first.every((result) => result.partnerRecordId === null)).toBe(true)
    expect(first[2]?.contactId).toBeNull()

    const accounts = fake.records('Account')
    expect(accounts).toHaveLength(4) // two seeded, two created
    const reused = accounts.find((account) => account.Id === existingAccount)
    expect(reused?.Name).toBe('Customer One Inc.') // the CRM's name is kept
    expect(reused?.Accord_Account_Id__c).toBe(uuid(2, 1))
    expect(reused?.Accord_Partner_Tier__c).toBe('Gold')

    const opportunities = fake.records('Opportunity')
    expect(opportunities).toHaveLength(3)
    const opportunity = opportunities.find((record) => record.Id === first[0]?.dealId)
    expect(opportunity).toMatchObject({
      Name: 'Customer 1 expansion',
      StageName: 'Qualification',
      Amount: 5000,
      CloseDate: '2030-01-31',
      AccountId: existingAccount,
      Accord_Partner__c: 'Northwind Partners',
      Accord_Registration_Id__c: uuid(1, 1),
    })
    const contacts = fake.records('Contact')
    expect(contacts).toHaveLength(2)
    expect(contacts[0]).toMatchObject({ Email: 'buyer1@customer1.com', AccountId: existingAccount, LastName: 'Buyer 1', Title: 'CTO' })
    expect(fake.records('OpportunityContactRole')).toHaveLength(2)

    const replay = await connector.upsertDeals(deals)
    expect(replay.map((result) => result.created)).toEqual([false, false, false])
    expect(replay.map((result) => result.dealId)).toEqual(first.map((result) => result.dealId))
    expect(replay.map((result) => result.companyId)).toEqual(first.map((result) => result.companyId))
    expect(replay.map((result) => result.contactId)).toEqual(first.map((result) => result.contactId))
    expect(fake.records('Opportunity')).toHaveLength(3)
    expect(fake.records('Account')).toHaveLength(4)
    expect(fake.records('Contact')).toHaveLength(2)
    expect(fake.records('OpportunityContactRole')).toHaveLength(2)
    expect(fake.duplicates()).toBe(0)
  })

  it('fills Name, StageName and CloseDate when the mapping gives none', async () => {
    const connector = await readyConnector()
    const [result] = await connector.upsertDeals([deal(1, { createOnlyProperties: {} })])
    const opportunity = fake.records('Opportunity').find((record) => record.Id === result?.dealId)
    expect(opportunity?.Name).toBe('Customer 1')
    expect(opportunity?.StageName).toBe('Prospecting')
    expect(String(opportunity?.CloseDate) > new Date().toISOString().slice(0, 10)).toBe(true)
  })

  it('never overwrites create-only fields after a CRM user edited them', async () => {
    const connector = await readyConnector()
    const [created] = await connector.upsertDeals([deal(1)])
    fake.updateOpportunity(created?.dealId ?? '', { StageName: 'Negotiation/Review', Amount: 42_000 })
    const changed = deal(1, {
      properties: { Accord_Partner__c: 'Contoso Partners', Accord_Attribution__c: 'influenced', Description: 'updated' },
      createOnlyProperties: { Name: 'Renamed', StageName: 'Prospecting', Amount: '1', CloseDate: '2031-01-01' },
    })
    const [updated] = await connector.upsertDeals([changed])
    expect(updated?.created).toBe(false)
    const opportunity = fake.records('Opportunity')[0]
    expect(opportunity).toMatchObject({ StageName: 'Negotiation/Review', Amount: 42_000, CloseDate: '2030-01-31', Name: 'Customer 1 expansion' })
    expect(opportunity).toMatchObject({ Accord_Partner__c: 'Contoso Partners', Accord_Attribution__c: 'influenced', Description: 'updated' })
  })

  it('reports a refused record as invalid and still writes the rest', async () => {
    const connector = await readyConnector()
    const bad = deal(2, { createOnlyProperties: { StageName: 'Not A Stage' } })
    const error = await rejection(connector.upsertDeals([deal(1), bad]))
    expect(error.kind).toBe('invalid')
    expect(error.message).toContain(bad.registrationId)
    expect(error.message).toContain('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST')
    expect(fake.records('Opportunity').map((record) => record.Accord_Registration_Id__c)).toEqual([uuid(1, 1)])
  })

  it('reports an unknown field as invalid', async () => {
    const connector = await readyConnector()
    const error = await rejection(connector.upsertDeals([deal(1, { properties: { Accord_Not_Created__c: 'x' } })]))
    expect(error.kind).toBe('invalid')
    expect(error.message).toContain('INVALID_FIELD')
  })
})

describe('failures', () => {
  const deals = [deal(1), deal(2), deal(3)]

  async function expectConverges(connector: CrmConnector) {
    const results = await connector.upsertDeals(deals)
    expect(results).toHaveLength(3)
    expect(fake.records('Opportunity')).toHaveLength(3)
    expect(fake.records('Account')).toHaveLength(3)
    expect(fake.records('Contact')).toHaveLength(3)
    expect(fake.records('OpportunityContactRole')).toHaveLength(3)
    expect(fake.duplicates()).toBe(0)
  }

  it('REQUEST_LIMIT_EXCEEDED is rate_limited with the daily policy', async () => {
    const connector = await readyConnector()
    fake.faults.requestLimitExceeded(1, { match: /composite\/sobjects\/Opportunity/ })
    const error = await rejection(connector.upsertDeals(deals))
    expect(error.kind).toBe('rate_limited')
    expect(error.details).toMatchObject({ status: 403, policy: 'daily', retryAfterMs: 60 * 60 * 1000 })
    expect(error.retryable).toBe(true)
    await expectConverges(connector)
  })

  it('the org quota running out is rate_limited too', async () => {
    await fake.close()
    fake = await startFakeSalesforce({ dailyRequestLimit: 3 })
    const connector = passwordConnector()
    await connector.testConnection()
    await connector.listStages()
    await connector.listStages()
    const error = await rejection(connector.listStages())
    expect(error).toMatchObject({ kind: 'rate_limited', details: { policy: 'daily' } })
  })

  it('500 is transient', async () => {
    const connector = await readyConnector()
    fake.faults.serverErrors(1, { match: /POST .*composite\/sobjects$/ })
    const error = await rejection(connector.upsertDeals(deals))
    expect(error.kind).toBe('transient')
    expect(error.details.status).toBe(500)
    await expectConverges(connector)
  })

  it('a request with no answer times out as transient, even when Salesforce applied it', async () => {
    const connector = await readyConnector({ timeoutMs: 300 })
    fake.faults.timeouts(1, { match: /composite\/sobjects\/Opportunity/, afterApplying: true })
    const error = await rejection(connector.upsertDeals(deals))
    expect(error.kind).toBe('transient')
    expect(error.details.outbound).toBe('timeout')
    expect(error.message).toContain('Could not reach Salesforce (no answer in time).')
    await expectConverges(connector)
  })

  for (const [step, match] of [
    ['account upsert', /PATCH .*composite\/sobjects\/Account\/Accord_Account_Id__c/],
    ['contact create', /POST .*composite\/sobjects$/],
    ['opportunity upsert', /PATCH .*composite\/sobjects\/Opportunity\/Accord_Registration_Id__c/],
  ] as const) {
    it(`a connection dropped after the ${step} was applied is transient and the retry duplicates nothing`, async () => {
      const statuses: number[] = []
      const connector = await readyConnector({ hooks: { afterResponse: (status) => statuses.push(status) } })
      fake.faults.dropConnection(1, { match, afterApplying: true })
      const error = await rejection(connector.upsertDeals(deals))
      expect(error.kind).toBe('transient')
      expect(statuses).toContain(0)
      await expectConverges(connector)
    })
  }

  it('a contact role create dropped after applying converges too', async () => {
    const connector = await readyConnector()
    // Contacts that exist already leave the contact roles as the push's only POST collection.
    for (const n of [1, 2, 3]) fake.createRecord('Contact', { LastName: `Buyer ${n}`, Email: `buyer${n}@customer${n}.com` })
    fake.faults.dropConnection(1, { match: /POST .*composite\/sobjects$/, afterApplying: true })
    const error = await rejection(connector.upsertDeals(deals))
    expect(error.kind).toBe('transient')
    expect(fake.records('OpportunityContactRole')).toHaveLength(3)
    await expectConverges(connector)
  })
})

describe('pullChangedDeals', () => {
  it('pages oldest first through changes sharing a timestamp, neither skipping nor repeating', async () => {
    await fake.close()
    fake = await startFakeSalesforce({ queryBatchSize: 2 }) // forces nextRecordsUrl paging inside a pull
    const connector = await readyConnector()
    const pushed = await connector.upsertDeals([1, 2, 3, 4, 5].map((n) => deal(n)))
    // All five were written in one request: one SystemModstamp.
    expect(new Set(fake.records('Opportunity').map((record) => record.SystemModstamp)).size).toBe(1)

    const seen: string[] = []
    let cursor: string | null = null
    const pages: boolean[] = []
    for (let guard = 0; guard < 10; guard += 1) {
      const page = await connector.pullChangedDeals({ cursor, limit: 2 })
      seen.push(...page.changes.map((change) => change.dealId))
      pages.push(page.more)
      cursor = page.cursor ?? cursor
      if (!page.more) break
    }
    expect(pages).toEqual([true, true, false])
    expect([...seen].sort()).toEqual(pushed.map((result) => result.dealId).sort())
    expect(new Set(seen).size).toBe(5)

    const empty = await connector.pullChangedDeals({ cursor, limit: 2 })
    expect(empty).toEqual({ changes: [], cursor: null, more: false })

    const wonId = pushed[3]?.dealId ?? ''
    const lostId = pushed[1]?.dealId ?? ''
    fake.updateOpportunity(wonId, { StageName: 'Closed Won', Amount: 7_500 })
    fake.updateOpportunity(lostId, { StageName: 'Closed Lost' })
    const changed = await connector.pullChangedDeals({ cursor, limit: 50 })
    expect(changed.more).toBe(false)
    expect(changed.changes.map((change) => change.dealId)).toEqual([wonId, lostId])
    expect(changed.changes[0]).toMatchObject({ registrationId: uuid(1, 4), stage: 'Closed Won', amount: 7_500, currency: null, closeDate: '2030-01-31', outcome: 'won' })
    expect(changed.changes[1]).toMatchObject({ outcome: 'lost' })
    expect(changed.changes[0]?.modifiedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/)
    expect(Date.parse(changed.changes[1]?.modifiedAt ?? '')).toBeGreaterThan(Date.parse(changed.changes[0]?.modifiedAt ?? ''))
  })

  it('reads the currency in a multi-currency org and returns CRM-created deals without a registration id', async () => {
    await fake.close()
    fake = await startFakeSalesforce({ multiCurrency: true })
    const connector = await readyConnector()
    const account = fake.createRecord('Account', { Name: 'Direct customer' })
    fake.createRecord('Opportunity', { Name: 'Direct deal', StageName: 'Prospecting', CloseDate: '2030-06-30', AccountId: account, Amount: 10 })
    const page = await connector.pullChangedDeals({ cursor: null, limit: 10 })
    expect(page.changes).toHaveLength(1)
    expect(page.changes[0]).toMatchObject({ registrationId: null, currency: 'USD', amount: 10, outcome: 'open' })
  })
})

describe('listStages and writeBack', () => {
  it('lists the active opportunity stages in order', async () => {
    const stages = await passwordConnector().listStages()
    expect(stages).toHaveLength(10)
    expect(stages[0]).toEqual({ value: 'Prospecting', label: 'Prospecting' })
    expect(stages.at(-1)).toEqual({ value: 'Closed Lost', label: 'Closed Lost' })
  })

  it('writes properties onto contacts by e-mail and accounts by website domain, only those given', async () => {
    const connector = await readyConnector()
    await connector.upsertDeals([deal(1)])
    await connector.writeBack([
      { object: 'contact', key: 'BUYER1@customer1.com', properties: { Accord_Certified__c: 'yes' } },
      { object: 'company', key: 'customer1.com', properties: { Accord_Partner_Tier__c: 'Platinum' } },
      { object: 'contact', key: 'nobody@nowhere.com', properties: { Accord_Certified__c: 'yes' } },
    ])
    expect(fake.records('Contact')[0]).toMatchObject({ Accord_Certified__c: 'yes', Title: 'CTO', LastName: 'Buyer 1' })
    expect(fake.records('Account')[0]).toMatchObject({ Accord_Partner_Tier__c: 'Platinum', Name: 'Customer 1' })
  })
})

describe('error mapping', () => {
  const classify = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    classifyFailedResponse(status, headers, typeof body === 'string' ? body : JSON.stringify(body), 'GET /services/data/v62.0/query')

  it('tells the daily quota from concurrent-request limits', () => {
    expect(classify(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]).details).toMatchObject({ policy: 'daily', retryAfterMs: 3_600_000 })
    expect(classify(403, [{ message: 'ConcurrentPerOrgLongTxn Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]).details).toMatchObject({ policy: 'rolling', retryAfterMs: 30_000 })
    expect(classify(429, 'Too many requests', { 'retry-after': '12' })).toMatchObject({ kind: 'rate_limited', details: { policy: 'rolling', retryAfterMs: 12_000 } })
    expect(classify(503, [{ message: 'Server is temporarily unavailable', errorCode: 'SERVER_UNAVAILABLE' }]).kind).toBe('transient')
    expect(classify(503, 'busy', { 'retry-after': '5' }).kind).toBe('rate_limited')
  })

  it('maps auth, validation and missing-record answers', () => {
    expect(classify(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]).kind).toBe('auth')
    expect(classify(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }).kind).toBe('auth')
    expect(classify(500, '<soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: bad</faultstring></soapenv:Fault>').kind).toBe('auth')
    expect(classify(403, [{ message: 'no access', errorCode: 'INSUFFICIENT_ACCESS' }]).kind).toBe('auth')
    for (const code of ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'INVALID_FIELD', 'REQUIRED_FIELD_MISSING', 'STRING_TOO_LONG', 'DUPLICATE_VALUE', 'MALFORMED_QUERY']) {
      expect(classify(400, [{ message: 'refused', errorCode: code }]).kind).toBe('invalid')
    }
    expect(classify(404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]).kind).toBe('not_found')
    expect(classify(502, '<html>Bad gateway</html>').kind).toBe('transient')
  })
})

it('two new companies on one domain in one batch share one account', async () => {
  const connector = await readyConnector()
  const sibling = deal(2, { company: { accountId: uuid(2, 99), domain: 'customer1.com', name: 'Customer 1 EMEA', properties: {} } })
  const results = await connector.upsertDeals([deal(1), sibling])
  expect(results[0]?.companyId).toBe(results[1]?.companyId)
  expect(fake.records('Account')).toHaveLength(1)
  const replay = await connector.upsertDeals([deal(1), sibling])
  expect(replay.map((result) => result.companyId)).toEqual(results.map((result) => result.companyId))
  expect(fake.duplicates()).toBe(0)
})

describe('addDealNote', () => {
  it('creates a completed Task "Partner reply" on the opportunity', async () => {
    const connector = await readyConnector()
    const [pushed] = await connector.upsertDeals([deal(1)])
    const { noteId } = await connector.addDealNote({ dealId: pushed!.dealId, body: 'Proposal sent.\nDecision Friday.', timestamp: '2026-11-30T10:15:00.000Z', dedupeKey: 'event-1' })
    expect(fake.records('Task')).toEqual([expect.objectContaining({ Id: noteId, Subject: 'Partner reply', Description: 'Proposal sent.\nDecision Friday.', WhatId: pushed!.dealId, Status: 'Completed', ActivityDate: '2026-11-30' })])
  })

  it('an opportunity id Salesforce does not know is refused, nothing written', async () => {
    const connector = await readyConnector()
    const error = await rejection(connector.addDealNote({ dealId: '006000000000000AAA', body: 'x', timestamp: '2026-11-30T10:15:00.000Z', dedupeKey: 'event-2' }))
    expect(error.retryable).toBe(false)
    expect(fake.records('Task')).toHaveLength(0)
  })
})

import { describe, expect, it } from 'vitest'
import { changedFieldMapping, connectErrorField, readConnectForm, readStageMapping, stageFieldName, syncHealth, syncProgress, waitedSeconds } from './crm'

const formOf = (entries: Record<string, string>) => {
  const form = new FormData()
  for (const [name, value] of Object.entries(entries)) form.set(name, value)
  return form
}

describe('connect form', () => {
  it('builds HubSpot credentials, leaving an empty base URL to core’s default, and never echoes the token', () => {
    const submission = readConnectForm(formOf({ provider: 'hubspot', attributionMode: 'company_association', 'hubspot.accessToken': 'pat-na1-secret', 'hubspot.baseUrl': ' ', 'salesforce.username': 'ignored' }))
    expect(submission.input).toEqual({ credentials: { provider: 'hubspot', accessToken: 'pat-na1-secret' }, attributionMode: 'company_association' })
    expect(Object.values(submission.values)).not.toContain('pat-na1-secret')
    expect(submission.values['hubspot.accessToken']).toBeUndefined()
    expect(submission.values.attributionMode).toBe('company_association')
  })

  it('keeps a custom HubSpot base URL (tests and fakes)', () => {
    const submission = readConnectForm(formOf({ provider: 'hubspot', 'hubspot.accessToken': 'pat-x', 'hubspot.baseUrl': 'http://127.0.0.1:4555' }))
    expect(submission.input.credentials).toEqual({ provider: 'hubspot', accessToken: 'pat-x', baseUrl: 'http://127.0.0.1:4555' })
    expect(submission.values['hubspot.baseUrl']).toBe('http://127.0.0.1:4555')
  })

  it('builds Salesforce password credentials without echoing password or security token', () => {
    const submission = readConnectForm(
      formOf({ provider: 'salesforce', method: 'password', 'salesforce.username': 'sync@acme.com', 'salesforce.password': 'hunter22', 'salesforce.securityToken': 'tok', 'salesforce.loginUrl': 'https://test.salesforce.com' }),
    )
    expect(submission.input.credentials).toEqual({ provider: 'salesforce', method: 'password', username: 'sync@acme.com', password: 'hunter22', securityToken: 'tok', loginUrl: 'https://test.salesforce.com' })
    expect(submission.values['salesforce.username']).toBe('sync@acme.com')
    expect(JSON.stringify(submission.values)).not.toMatch(/hunter22|"tok"/)
  })

  it('builds Salesforce OAuth credentials; the refresh token is optional', () => {
    const submission = readConnectForm(formOf({ provider: 'salesforce', method: 'oauth', 'salesforce.instanceUrl': 'https://acme.my.salesforce.com', 'salesforce.accessToken': '00Dxx!token', 'salesforce.refreshToken': '' }))
    expect(submission.input.credentials).toEqual({ provider: 'salesforce', method: 'oauth', instanceUrl: 'https://acme.my.salesforce.com', accessToken: '00Dxx!token' })
    expect(submission.values['salesforce.accessToken']).toBeUndefined()
    expect(submission.values['salesforce.refreshToken']).toBeUndefined()
  })

  it('falls back to HubSpot, password and deal properties for unknown choices', () => {
    const submission = readConnectForm(formOf({ provider: 'pipedrive', method: 'magic', attributionMode: 'nope' }))
    expect(submission.provider).toBe('hubspot')
    expect(submission.method).toBe('password')
    expect(submission.input.attributionMode).toBe('deal_property')
  })

  it('maps core’s credential error keys to the provider’s form fields', () => {
    expect(connectErrorField('credentials.accessToken', 'hubspot', 'password')).toBe('hubspot.accessToken')
    expect(connectErrorField('credentials.baseUrl', 'hubspot', 'password')).toBe('hubspot.baseUrl')
    expect(connectErrorField('credentials.password', 'salesforce', 'password')).toBe('salesforce.password')
    expect(connectErrorField('credentials.loginUrl', 'salesforce', 'password')).toBe('salesforce.loginUrl')
    expect(connectErrorField('credentials.loginUrl', 'salesforce', 'oauth')).toBe('salesforce.instanceUrl')
    expect(connectErrorField('credentials.accessToken', 'salesforce', 'oauth')).toBe('salesforce.accessToken')
    expect(connectErrorField('credentials', 'hubspot', 'password')).toBe('hubspot.accessToken')
    expect(connectErrorField('credentials.clientId', 'salesforce', 'oauth')).toBe('credentials.clientId')
    expect(connectErrorField('attributionMode', 'hubspot', 'password')).toBe('attributionMode')
  })
})

describe('progress and health', () => {
  it('says "Pushed N of M" and clamps', () => {
    expect(syncProgress({ total: 200, done: 50 })).toMatchObject({ done: 50, total: 200, percent: 25, label: 'Pushed 50 of 200', waiting: false })
    expect(syncProgress({ total: 10, done: 12 })).toMatchObject({ done: 10, percent: 100 })
    expect(syncProgress({ total: 0, done: 0, message: 'Waiting for a worker…' })).toMatchObject({ waiting: true, label: 'Waiting for a worker…', percent: 0 })
    expect(syncProgress(null).label).toBe('Waiting for a worker…')
  })

  it('rounds waits to seconds', () => {
    expect(waitedSeconds(1499)).toBe(1)
    expect(waitedSeconds(null)).toBe(0)
  })

  it('orders bars oldest first and scales them to the busiest sync', () => {
    const runs = [
      { id: 'b', started_at: '2026-12-02T10:00:00.000Z', status: 'partial', pushed: 30, failed: 10, requests: 8, rate_limited: 2 },
      { id: 'a', started_at: new Date('2026-12-01T10:00:00.000Z'), status: 'succeeded', pushed: 20, failed: 0, requests: 4, rate_limited: 0 },
    ]
    const health = syncHealth(runs)
    expect(health.bars.map((bar) => bar.id)).toEqual(['a', 'b'])
    expect(health.bars[0]).toMatchObject({ pushedPct: 50, failedPct: 0, requestsPct: 50, startedAt: '2026-12-01T10:00:00.000Z' })
    expect(health.bars[1]).toMatchObject({ pushedPct: 75, failedPct: 25, requestsPct: 100 })
    expect(health.summary).toBe('Last 2 syncs: 50 pushed, 10 failed, 12 API requests, 2 rate-limit waits.')
    expect(syncHealth([]).summary).toBe('No syncs yet.')
  })
})

describe('mapping forms', () => {
  it('sends only changed fields; empty means not synced', () => {
    const current = [
      { field: 'case_number', property: 'accord_case_number' },
      { field: 'amount', property: 'amount' },
      { field: 'currency', property: null },
    ]
    const form = formOf({ 'fieldMapping.case_number': 'accord_case_number', 'fieldMapping.amount': '  ', 'fieldMapping.currency': 'deal_currency_code' })
    expect(changedFieldMapping(form, current)).toEqual({
      fieldMapping: { amount: null, currency: 'deal_currency_code' },
      values: { 'fieldMapping.case_number': 'accord_case_number', 'fieldMapping.amount': '  ', 'fieldMapping.currency': 'deal_currency_code' },
    })
  })

  it('reads stage inputs as motion:stage keys, empty ones removing the mapping', () => {
    const motions = [{ key: 'referral', stages: [{ key: 'intro' }, { key: 'won' }] }]
    const form = formOf({ [stageFieldName('referral', 'intro')]: ' appointmentscheduled ', [stageFieldName('referral', 'won')]: '' })
    expect(readStageMapping(form, motions).stageMapping).toEqual({ 'referral:intro': 'appointmentscheduled', 'referral:won': '' })
  })
})

import { describe, expect, it } from 'vitest'
import { announcementStatus, csvCell, describeAudience, fanoutActive, fanoutPercent, funnelBars, funnelFor, parseDateTimeLocal, readAnnouncementForm, readAudience, receiptsCsv, receiptsFileName, splitList, toDateTimeLocal } from './announcements'

function form(entries: Array<[string, string]>): FormData {
  const data = new FormData()
  for (const [name, value] of entries) data.append(name, value)
  return data
}

describe('announcement form', () => {
  it('reads channels, audience lists, acknowledgement and the schedule time (UTC)', () => {
    const submission = readAnnouncementForm(
      form([
        ['intent', 'schedule'],
        ['title', ' Price list '],
        ['bodyHtml', '<p>Hi</p>'],
        ['channels', 'portal'],
        ['channels', 'email'],
        ['tiers', 'Elite'],
        ['tiersOther', 'Gold, elite'],
        ['motions', 'reseller'],
        ['regions', 'EMEA, DACH,, emea'],
        ['partnerIds', '0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a'],
        ['partnerIds', '0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a'],
        ['ackRequired', 'on'],
        ['ackDueAt', '2027-01-15T17:00'],
        ['publishAt', '2027-01-10T09:30'],
      ]),
    )
    expect(submission.intent).toBe('schedule')
    expect(submission.input.channels).toEqual(['portal', 'email'])
    expect(submission.input.audience).toEqual({ tiers: ['Elite', 'Gold', 'elite'], motions: ['reseller'], regions: ['EMEA', 'DACH'], partnerIds: ['0b7c5b0e-1d5e-4c3a-9f55-3f1e2d4c5b6a'], userIds: [] })
    expect(submission.input.ackRequired).toBe(true)
    expect(submission.input.ackDueAt).toEqual(new Date('2027-01-15T17:00:00Z'))
    expect(submission.publishAt).toEqual(new Date('2027-01-10T09:30:00Z'))
    expect(submission.values.channels).toBe('portal\nemail')
  })

  it('drops the due date without acknowledgement and the time unless scheduling; unknown intents are null', () => {
    const submission = readAnnouncementForm(form([['intent', 'hack'], ['title', 'T'], ['ackDueAt', '2027-01-15T17:00'], ['publishAt', '2027-01-10T09:30']]))
    expect(submission.intent).toBeNull()
    expect(submission.input.ackDueAt).toBeNull()
    expect(submission.publishAt).toBeNull()
    expect(submission.input.channels).toEqual([])
  })

  it('datetime-local values round-trip in UTC; garbage is passed on for core to reject', () => {
    expect(parseDateTimeLocal('')).toBeNull()
    expect(parseDateTimeLocal('tomorrow')).toBe('tomorrow')
    expect(parseDateTimeLocal('2027-02-30T10:00')).toEqual(new Date('2027-03-02T10:00:00Z'))
    expect(toDateTimeLocal(new Date('2027-01-10T09:30:45Z'))).toBe('2027-01-10T09:30')
    expect(toDateTimeLocal(null)).toBe('')
    expect(splitList(' a ;b\n a ')).toEqual(['a', 'b'])
  })

  it('reads the stored audience and describes it', () => {
    expect(readAudience('{"tiers":["Gold"],"motions":["referral"]}')).toMatchObject({ tiers: ['Gold'], motions: ['referral'], regions: [] })
    expect(readAudience('nope')).toEqual({ tiers: [], motions: [], regions: [], partnerIds: [], userIds: [] })
    expect(describeAudience(readAudience({}))).toBe('Every active partner user')
    expect(describeAudience(readAudience({ tiers: ['Gold'], motions: ['referral'], partnerIds: ['p1'] }), new Map([['p1', 'Acme']]))).toBe('Tier Gold · Referral partners · plus Acme')
  })

  it('labels statuses', () => {
    expect(announcementStatus('published')).toEqual({ label: 'Published', tone: 'success' })
    expect(announcementStatus('scheduled').label).toBe('Scheduled')
  })
})

describe('dashboard helpers', () => {
  it('funnel bars are shares of what was sent; channels not used are left out', () => {
    expect(funnelBars({ channel: 'email', sent: 4, delivered: 4, opened: 2, acknowledged: 1 }).map((bar) => bar.percent)).toEqual([100, 100, 50, 25])
    expect(funnelBars({ channel: 'portal', sent: 0, delivered: 0, opened: 0, acknowledged: 0 }).map((bar) => bar.percent)).toEqual([0, 0, 0, 0])
    const rows = [
      { channel: 'portal', sent: 1, delivered: 1, opened: 0, acknowledged: 0 },
      { channel: 'email', sent: 0, delivered: 0, opened: 0, acknowledged: 0 },
    ]
    expect(funnelFor(rows, ['portal']).map((row) => row.channel)).toEqual(['portal'])
  })

  it('polls while the fan-out waits or runs', () => {
    expect(fanoutActive({ status: 'queued', done: 0, total: 0, message: null })).toBe(true)
    expect(fanoutActive({ status: 'succeeded', done: 2, total: 2, message: null })).toBe(false)
    expect(fanoutPercent({ status: 'running', done: 1, total: 4, message: null })).toBe(25)
    expect(fanoutPercent({ status: 'succeeded', done: 0, total: 0, message: null })).toBe(100)
  })
})

describe('receipts CSV', () => {
  it('is formula-safe, quoted where needed, CRLF with a BOM', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell('+49 30 1234')).toBe("'+49 30 1234")
    expect(csvCell('a;b')).toBe('"a;b"')
    const csv = receiptsCsv([
      { partner: '@Evil, Inc', name: 'Ann', email: 'ann@example.com', delivered_portal_at: new Date('2027-01-01T00:00:00Z'), email_status: 'sent', opened_at: null, opened_via: null, acknowledged_at: '2027-01-02T10:00:00.000Z', acknowledged_via: 'email', reminded_at: null },
    ])
    expect(csv.startsWith('\uFEFFPartner,Name,E-mail,')).toBe(true)
    expect(csv.split('\r\n')[1]).toBe(`"'@Evil, Inc",Ann,ann@example.com,2027-01-01T00:00:00.000Z,sent,,,2027-01-02T10:00:00.000Z,email,`)
    expect(csv.endsWith('\r\n')).toBe(true)
  })

  it('names the file after the title', () => {
    expect(receiptsFileName('Neue Preisliste für 2027!')).toBe('announcement-neue-preisliste-fur-2027-receipts.csv')
    expect(receiptsFileName('???')).toBe('announcement-receipts-receipts.csv')
  })
})

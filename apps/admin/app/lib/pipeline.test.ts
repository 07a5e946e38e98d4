import { describe, expect, it } from 'vitest'
import { attributionErrorKey, attributionText, formatMoney, parseDealStatus, readAttributionRows, safeFieldText, sortByStage, stageCounts } from './pipeline'

describe('stageCounts', () => {
  const stages = [
    { key: 'intro', label: 'Intro' },
    { key: 'validate', label: 'Validate' },
    { key: 'close', label: 'Close' },
  ]

  it('counts deals per stage in stage order, bars relative to the busiest stage', () => {
    const { stages: counts, other } = stageCounts(stages, [{ stage: 'validate' }, { stage: 'validate' }, { stage: 'intro' }, { stage: 'gone' }])
    expect(counts.map((stage) => [stage.key, stage.count, stage.share])).toEqual([
      ['intro', 1, 50],
      ['validate', 2, 100],
      ['close', 0, 0],
    ])
    expect(other).toBe(1)
  })

  it('has empty bars without deals', () => {
    expect(stageCounts(stages, []).stages.every((stage) => stage.share === 0)).toBe(true)
  })

  it('sorts deals by stage, then customer', () => {
    const sorted = sortByStage(stages, [
      { stage: 'close', customerName: 'A' },
      { stage: 'intro', customerName: 'Zeta' },
      { stage: 'intro', customerName: 'Beta' },
    ])
    expect(sorted.map((deal) => deal.customerName)).toEqual(['Beta', 'Zeta', 'A'])
  })
})

describe('attribution rows', () => {
  it('drops rows without a partner and remembers which form row each partner came from', () => {
    const form = new FormData()
    form.set('rowCount', '3')
    form.set('partners.0.partnerId', 'p-1')
    form.set('partners.0.attribution', 'sourced')
    form.set('partners.0.percent', '60')
    form.set('partners.0.contactRole', 'AE')
    form.set('partners.1.partnerId', '')
    form.set('partners.2.partnerId', 'p-2')
    form.set('partners.2.attribution', 'influenced')
    form.set('partners.2.percent', '12,5')
    const { sent, rowOf, values, rows } = readAttributionRows(form)
    expect(rows).toHaveLength(3)
    expect(sent).toEqual([
      { partnerId: 'p-1', attribution: 'sourced', percent: '60', contactRole: 'AE' },
      { partnerId: 'p-2', attribution: 'influenced', percent: '12.5', contactRole: null },
    ])
    expect(rowOf).toEqual([0, 2])
    expect(values['partners.2.percent']).toBe('12,5')
    expect(attributionErrorKey('partners.1.percent', rowOf)).toBe('partners.2.percent')
    expect(attributionErrorKey('partners', rowOf)).toBe('partners')
    expect(attributionErrorKey('partners.7.percent', rowOf)).toBe('partners')
  })

  it('caps the number of rows read', () => {
    const form = new FormData()
    form.set('rowCount', '5000')
    expect(readAttributionRows(form).rows.length).toBeLessThanOrEqual(11)
  })
})

describe('formatting', () => {
  it('writes amounts, attribution and partner-safe values', () => {
    expect(formatMoney(48500, 'EUR')).toBe('€48,500')
    expect(formatMoney(null, 'EUR')).toBe('—')
    expect(attributionText('sourced', 60)).toBe('Sourced · 60 %')
    expect(safeFieldText('status', 'won', (day) => day)).toBe('Won')
    expect(safeFieldText('protection_ends_at', '2027-01-31T00:00:00.000Z', () => '31 Jan 2027')).toBe('31 Jan 2027')
    expect(safeFieldText('owner', null, (day) => day)).toBe('—')
    expect(parseDealStatus('lost')).toBe('lost')
    expect(parseDealStatus('<x>')).toBe('open')
  })
})

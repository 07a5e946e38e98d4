import { describe, expect, it } from 'vitest'
import { attachmentFileName, columnLabel, contentDisposition, importInProgress, importStatus, parseRowFilter, plural } from './imports'

describe('import presentation', () => {
  it('labels statuses and knows when to keep checking', () => {
    expect(importStatus('succeeded')).toEqual({ label: 'Finished', tone: 'success' })
    expect(importStatus('some_new_state').label).toBe('some new state')
    expect(['draft', 'queued', 'running', 'succeeded', 'failed'].filter(importInProgress)).toEqual(['queued', 'running'])
  })

  it('reads the row filter and counts in words', () => {
    expect(parseRowFilter('problems')).toBe('problems')
    expect(parseRowFilter('everything')).toBe('all')
    expect(parseRowFilter(null)).toBe('all')
    expect(plural(1, 'row')).toBe('1 row')
    expect(plural(10_000, 'row')).toBe('10,000 rows')
    expect(columnLabel('  ', 2)).toBe('Column 3')
    expect(columnLabel(' E-Mail ', 0)).toBe('E-Mail')
  })

  it('makes download names safe for Content-Disposition', () => {
    expect(attachmentFileName('leads-results.csv')).toBe('leads-results.csv')
    expect(attachmentFileName('Müller "Q3"\r\nleads;x=1-results.csv')).toBe('Muller _Q3_leads_x_1-results.csv')
    expect(attachmentFileName('../../etc/passwd')).toBe('passwd.csv')
    expect(attachmentFileName('"""-results.csv')).toBe('results.csv')
    expect(attachmentFileName('日本語.csv')).toBe('import-results.csv')
    expect(attachmentFileName(`${'a'.repeat(400)}.csv`)).toHaveLength(150)
    expect(contentDisposition('leads-results.csv')).toBe('attachment; filename="leads-results.csv"')
    expect(contentDisposition('Müller-results.csv')).toBe(`attachment; filename="Muller-results.csv"; filename*=UTF-8''M%C3%BCller-results.csv`)
    expect(contentDisposition('a"b\r\n-results.csv')).toBe('attachment; filename="a_b_-results.csv"; filename*=UTF-8\'\'ab-results.csv')
  })
})

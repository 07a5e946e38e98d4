import { describe, expect, it } from 'vitest'
import { formatBytes, mappingValue, readMapping } from './imports'

describe('import mapping', () => {
  it('prefills columns, "not in the file" for optional fields and "choose" for required ones', () => {
    expect(mappingValue({ companyName: 2 }, 'companyName', true)).toBe('2')
    expect(mappingValue({}, 'companyName', true)).toBe('')
    expect(mappingValue({}, 'region', false)).toBe('-1')
  })

  it('reads the submitted columns as indices, -1 for none', () => {
    const form = new FormData()
    form.set('mapping.companyName', '0')
    form.set('mapping.region', '-1')
    form.set('mapping.problem', 'x')
    const { mapping, values } = readMapping(form, ['companyName', 'region', 'problem', 'contactName'])
    expect(mapping).toEqual({ companyName: 0, region: -1, problem: 'x', contactName: -1 })
    expect(values['mapping.contactName']).toBe('')
  })

  it('writes file sizes', () => {
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MB')
    expect(formatBytes(2048)).toBe('2 KB')
  })
})

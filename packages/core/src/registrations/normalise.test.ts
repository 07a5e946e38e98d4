import { describe, expect, it } from 'vitest'
import { normaliseCompanyName, registrableDomain } from './normalise.js'

describe('registrableDomain', () => {
  it.each([
    ['acme.com', 'acme.com'],
    ['ACME.COM', 'acme.com'],
    ['www.acme.com', 'acme.com'],
    ['https://www.acme.com/', 'acme.com'],
    ['http://shop.eu.acme.com/path?q=1#x', 'acme.com'],
    ['acme.com.', 'acme.com'],
    ['jane.doe@acme.com', 'acme.com'],
    ['Jane <jane@Sales.Acme.com>'.replace(/.*<|>/g, ''), 'acme.com'],
    ['www.acme.co.uk', 'acme.co.uk'],
    ['https://portal.acme.com.au/login', 'acme.com.au'],
    ['acme.de:8443', 'acme.de'],
    ['münchen-software.de', 'münchen-software.de'],
  ])('%s → %s', (input, expected) => {
    expect(registrableDomain(input)).toEqual({ ok: true, domain: expected })
  })

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['someone@gmail.com', 'free_mail'],
    ['https://mail.yahoo.co.uk', 'free_mail'],
    ['GMX.de', 'free_mail'],
    ['192.168.1.10', 'ip_address'],
    ['localhost', 'invalid'],
    ['not a domain', 'invalid'],
    ['co.uk', 'invalid'],
  ])('%j is refused as %s', (input, reason) => {
    expect(registrableDomain(input)).toEqual({ ok: false, reason })
  })
})

describe('normaliseCompanyName', () => {
  it.each([
    ['ACME Inc.', 'acme'],
    ['Acme Incorporated', 'acme'],
    ['Acme, Inc', 'acme'],
    ['acme', 'acme'],
    ['Acmé GmbH', 'acme'],
    ['ACME GmbH & Co. KG', 'acme'],
    ['The Acme Company', 'acme'],
    ['Acme Ltd', 'acme'],
    ['Acme S.A.', 'acme'],
    ['Müller & Söhne GmbH', 'muller and sohne'],
    ['Mueller and Soehne', 'mueller and soehne'],
    ['Straße AG', 'strasse'],
    ['O’Reilly Media, Inc.', 'oreilly media'],
    ['Johnson & Johnson', 'johnson and johnson'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseCompanyName(input)).toBe(expected)
  })

  it('keeps a name that is only a legal form, and distinguishing words', () => {
    expect(normaliseCompanyName('Inc')).toBe('inc')
    expect(normaliseCompanyName('Acme Software Inc')).toBe('acme software')
    expect(normaliseCompanyName('Acme Software')).not.toBe(normaliseCompanyName('Acme Hardware'))
  })
})

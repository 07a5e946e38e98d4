import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  CONTROL_CHARACTER_MESSAGE,
  hasControlCharacters,
  isInvisibleText,
  multiLineText,
  optionalSingleLineText,
  removeControlCharacters,
  scanFormData,
  scanForControlCharacters,
  searchText,
  singleLineText,
  controlCharactersToSpaces,
  titleText,
  zodFieldErrors,
} from './validation.js'

const errorsOf = (schema: z.ZodTypeAny, value: unknown) => {
  const result = schema.safeParse(value)
  return result.success ? null : zodFieldErrors(result.error)._form ?? []
}

describe('control characters', () => {
  it.each([
    ['NUL', 'a\u0000b', true],
    ['bell', '\u0007', true],
    ['vertical tab', 'a\u000Bb', true],
    ['escape', '\u001B[31m', true],
    ['DEL', 'a\u007F', true],
    ['lone high surrogate', 'a\uD83D', true],
    ['lone low surrogate', '\uDE00b', true],
    ['reversed pair', '\uDE00\uD83D', true],
    ['tab and line breaks', 'a\tb\nc\r\n', false],
    ['an emoji (a surrogate pair)', 'Deal 🎉 won', false],
    ['accents, CJK, RTL', 'Café 東京 שלום', false],
    ['zero-width space (visible text rules handle it)', 'a\u200Bb', false],
  ])('%s', (_label, value, expected) => {
    expect(hasControlCharacters(value)).toBe(expected)
  })

  it('strips for search boxes (everything below space becomes a space) and removes for rich text (line breaks kept)', () => {
    expect(controlCharactersToSpaces('ab\u0000c\td\uD800e')).toBe('ab c d e')
    expect(controlCharactersToSpaces('plain 🎉')).toBe('plain 🎉')
    expect(removeControlCharacters('<p>a\u0000b</p>\n<p>\u0007c\uDC00</p>')).toBe('<p>ab</p>\n<p>c</p>')
    expect(searchText(10).parse('  abc\u0000def  ')).toBe('abc def')
  })

  it('the scan walks objects, arrays and keys and names each field by its dotted path', () => {
    const input = { title: 'Good', fields: { companyName: 'Ac\u0000me', productInterest: ['ok', 'bad\u0001'] }, partners: [{ note: 'fine' }, { note: '\u007F' }], ['k\u0000ey']: 'v', count: 3, when: new Date(0) }
    const { fieldErrors, value } = scanForControlCharacters(input)
    expect(fieldErrors).toEqual({
      'fields.companyName': [CONTROL_CHARACTER_MESSAGE],
      'fields.productInterest.1': [CONTROL_CHARACTER_MESSAGE],
      'partners.1.note': [CONTROL_CHARACTER_MESSAGE],
      _form: [CONTROL_CHARACTER_MESSAGE],
    })
    expect(value).toBe(input)
    expect(scanForControlCharacters({ a: ['x', { b: 'y' }] }).fieldErrors).toBeNull()
    expect(scanForControlCharacters('top\u0000').fieldErrors).toEqual({ _form: [CONTROL_CHARACTER_MESSAGE] })
  })

  it('strips the listed paths instead of refusing them, without changing the caller’s object', () => {
    const input = { search: 'acme\u0000', view: 'all' }
    const { fieldErrors, value } = scanForControlCharacters(input, { strip: ['search'] })
    expect(fieldErrors).toBeNull()
    expect(value).toEqual({ search: 'acme ', view: 'all' })
    expect(input.search).toBe('acme\u0000')
  })

  it('refuses nesting deeper than the limit, and stays linear on long text', () => {
    let deep: unknown = 'x'
    for (let level = 0; level < 50; level++) deep = { deeper: deep }
    expect(Object.values(scanForControlCharacters(deep).fieldErrors ?? {}).flat()).toEqual(['This value is nested too deeply.'])
    const long = `${'a'.repeat(5_000_000)}\u0000`
    const started = performance.now()
    expect(scanForControlCharacters({ body: long }).fieldErrors).toEqual({ body: [CONTROL_CHARACTER_MESSAGE] })
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('checks a submitted form by field name and echoes its values without controls or passwords', () => {
    const form = new FormData()
    form.append('intent', 'approve')
    form.append('note', 'fine\nlines')
    form.append('reason', 'bad\u0000')
    form.append('password', 'se\u0000cret')
    form.append('file', new Blob(['\u0000binary']), 'a.bin')
    const scan = scanFormData(form)
    expect(scan.fieldErrors).toEqual({ reason: [CONTROL_CHARACTER_MESSAGE], password: [CONTROL_CHARACTER_MESSAGE] })
    expect(scan.values).toEqual({ intent: 'approve', note: 'fine\nlines', reason: 'bad' })
  })
})

describe('field builders', () => {
  it('single-line text refuses control characters and line breaks, with field messages', () => {
    const company = singleLineText(20, 'company name', { min: 1, required: 'Enter the company name.' })
    expect(company.parse('  Acme  ')).toBe('Acme')
    expect(errorsOf(company, 'Ac\u0000me')).toEqual([CONTROL_CHARACTER_MESSAGE])
    expect(errorsOf(company, 'Acme\nInc')).toEqual(['Keep the company name on one line.'])
    expect(errorsOf(company, 'Acme\u2028Inc')).toEqual(['Keep the company name on one line.'])
    expect(errorsOf(company, '   ')).toEqual(['Enter the company name.'])
    expect(errorsOf(company, undefined)).toEqual(['Enter the company name.'])
    expect(errorsOf(company, 'x'.repeat(21))).toEqual(['Keep the company name under 20 characters.'])
    expect(optionalSingleLineText(10, 'region').parse('')).toBeNull()
    expect(optionalSingleLineText(10, 'region').parse(undefined)).toBeNull()
    expect(optionalSingleLineText(10, 'region').parse(null)).toBeNull()
    expect(errorsOf(optionalSingleLineText(10, 'region'), 'a\u0000')).toEqual([CONTROL_CHARACTER_MESSAGE])
  })

  it('multi-line text keeps tabs and line breaks but refuses other controls', () => {
    const note = multiLineText(100, 'note')
    expect(note.parse('line one\n\tline two\r\n')).toBe('line one\n\tline two')
    expect(errorsOf(note, 'a\u0000b')).toEqual([CONTROL_CHARACTER_MESSAGE])
    expect(errorsOf(note, 'a\u000Bb')).toEqual([CONTROL_CHARACTER_MESSAGE])
  })

  it('a title of only invisible characters is refused ("Enter a title.")', () => {
    const title = titleText(200)
    for (const invisible of ['\u200B', '\u200B\u200C\u200D', '\u2060\uFEFF', '\u0301\u0308', ' \u00A0 \u3000 ', '\u200E\u200F']) {
      expect(isInvisibleText(invisible)).toBe(true)
      expect(errorsOf(title, invisible)).toEqual(['Enter a title.'])
    }
    expect(title.parse('Q3 price list')).toBe('Q3 price list')
    expect(title.parse('e\u0301')).toBe('e\u0301')
    expect(title.parse('🎉')).toBe('🎉')
    expect(errorsOf(title, 'Hello\u0000')).toEqual([CONTROL_CHARACTER_MESSAGE])
    expect(errorsOf(titleText(200, 'Give the page a title.'), '')).toEqual(['Give the page a title.'])
  })
})

import { describe, expect, it } from 'vitest'
import iconv from 'iconv-lite'
import { CsvError, decodeCsvBytes, detectDelimiter, MAX_CSV_CELL_CHARS, mapRow, parseCsv, rowProblem, suggestColumnMapping, toCsv, UNKNOWN_ENCODING_MESSAGE, withoutBracketedParts } from './csv.js'
import { timed } from '../testing/timing.js'

const SAMPLE = 'Firma,Währung,Ort\nMüller GmbH,EUR,Köln\nGroß AG,CHF,Zürich\n'

function utf16le(text: string): Buffer {
  return Buffer.from(text, 'utf16le')
}

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16()
}

/** The CsvError `run` throws, so tests can check message and line together. */
function csvErrorOf(run: () => unknown): CsvError {
  try {
    run()
  } catch (error) {
    if (error instanceof CsvError) return error
    throw error
  }
  throw new Error('expected a CsvError')
}

describe('decodeCsvBytes', () => {
  it('reads UTF-8 and strips its BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE, 'utf8')])
    expect(decodeCsvBytes(bytes)).toEqual({ text: SAMPLE, encoding: 'utf-8' })
  })

  it('reads UTF-8 without a BOM', () => {
    expect(decodeCsvBytes(new TextEncoder().encode(SAMPLE))).toEqual({ text: SAMPLE, encoding: 'utf-8' })
  })

  it('reads UTF-16LE with a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(SAMPLE)])
    expect(decodeCsvBytes(bytes)).toEqual({ text: SAMPLE, encoding: 'utf-16le' })
  })

  it('reads UTF-16BE with a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(SAMPLE)])
    expect(decodeCsvBytes(bytes)).toEqual({ text: SAMPLE, encoding: 'utf-16be' })
  })

  it('recognises UTF-16 without a BOM by its NUL bytes', () => {
    expect(decodeCsvBytes(utf16le(SAMPLE))).toEqual({ text: SAMPLE, encoding: 'utf-16le' })
    expect(decodeCsvBytes(utf16be(SAMPLE))).toEqual({ text: SAMPLE, encoding: 'utf-16be' })
  })

  it('falls back to windows-1252 for Excel exports that are not UTF-8', () => {
    // 0xE4 ä, 0xF6 ö, 0xFC ü, 0xDF ß, 0x80 € in windows-1252; invalid as UTF-8.
    const bytes = Buffer.from([
      ...Buffer.from('Firma;Betrag\nM'), 0xfc, ...Buffer.from('ller K'), 0xf6, ...Buffer.from('ln;5 '), 0x80,
      ...Buffer.from('\nGro'), 0xdf, ...Buffer.from(' B'), 0xe4, ...Buffer.from('ckerei;1\n'),
    ])
    expect(decodeCsvBytes(bytes)).toEqual({ text: 'Firma;Betrag\nMüller Köln;5 €\nGroß Bäckerei;1\n', encoding: 'windows-1252' })
  })

  it('maps the windows-1252 punctuation range, not latin1 controls', () => {
    // Excel's curly quotes, dashes and the euro sign live in 0x80–0x9F.
    const bytes = Uint8Array.from([...Buffer.from('Firma;Notiz\nM'), 0xfc, ...Buffer.from('ller;'), 0x84, ...Buffer.from('Qualit'), 0xe4, 0x74, 0x93, 0x20, 0x96, 0x20, 0x80, 0x35, 0x20, 0x99, 0x0a])
    expect(decodeCsvBytes(bytes)).toEqual({ text: 'Firma;Notiz\nMüller;„Qualität“ – €5 ™\n', encoding: 'windows-1252' })
  })

  it('refuses bytes that are undefined in every candidate code page instead of guessing', () => {
    // 0x81 and 0x8D are unassigned in windows-1252; with them nothing reads as text.
    const bytes = Uint8Array.from([...Buffer.from('Firma\nM'), 0x81, 0x8d, 0x81, 0x8d, 0x0a])
    expect(csvErrorOf(() => decodeCsvBytes(bytes)).message).toBe(UNKNOWN_ENCODING_MESSAGE)
  })

  it('decodes an empty file to empty text', () => {
    expect(decodeCsvBytes(new Uint8Array())).toEqual({ text: '', encoding: 'utf-8' })
  })
})

describe('detectDelimiter', () => {
  it.each([
    ['Company,Email,Amount\nAcme,a@acme.com,100', ','],
    ['Firma;E-Mail;Betrag\nAcme;a@acme.de;1.234,50', ';'],
    ['Company\tEmail\tAmount\nAcme\ta@acme.com\t100', '\t'],
    // Delimiters inside quoted headers do not count.
    ['"Name; full";Email;Amount\nx;y;z', ';'],
    ['"Amount, EUR"\tEmail\nx\ty', '\t'],
    // Only the header decides: the data row's commas are decimal commas.
    ['Firma;Betrag\nAcme;1,5,6,7,8', ';'],
    ['\n\nFirma;Betrag\n', ';'],
    ['Company', ','],
    ['', ','],
    ['a,b;c', ','],
  ])('%j → %j', (text, expected) => {
    expect(detectDelimiter(text)).toBe(expected)
  })
})

describe('parseCsv', () => {
  it('returns trimmed headers and rows with their line numbers', () => {
    expect(parseCsv(' Company , Email \nAcme, a@acme.com \nBeta,b@beta.com')).toEqual({
      headers: ['Company', 'Email'],
      rows: [
        { line: 2, cells: ['Acme', ' a@acme.com '] },
        { line: 3, cells: ['Beta', 'b@beta.com'] },
      ],
    })
  })

  it('keeps line numbers right after quoted values that span lines, whatever the line ending', () => {
    const lines = [
      'Company,Problem,Email',
      'Acme,"line one',
      'line two',
      'line three",a@acme.com',
      'Beta,simple,b@beta.com',
      '',
      '"Gamma","said ""hi""",c@gamma.com',
    ]
    for (const ending of ['\n', '\r\n', '\r']) {
      const parsed = parseCsv(lines.join(ending) + ending)
      expect(parsed.rows).toEqual([
        { line: 2, cells: ['Acme', 'line one\nline two\nline three', 'a@acme.com'] },
        { line: 5, cells: ['Beta', 'simple', 'b@beta.com'] },
        { line: 7, cells: ['Gamma', 'said "hi"', 'c@gamma.com'] },
      ])
    }
  })

  it('copes with line endings mixed in one file', () => {
    const parsed = parseCsv('Company,Email\nAcme,a@acme.com\r\nBeta,b@beta.com\rGamma,c@gamma.com')
    expect(parsed.rows.map((row) => [row.line, row.cells[0]])).toEqual([[2, 'Acme'], [3, 'Beta'], [4, 'Gamma']])
  })

  it('unescapes doubled quotes and keeps delimiters inside quotes', () => {
    const parsed = parseCsv('Company,Problem\n"Acme, Inc.","The ""big"" rollout"\n')
    expect(parsed.rows[0]?.cells).toEqual(['Acme, Inc.', 'The "big" rollout'])
  })

  it('keeps a stray quote inside an unquoted value as text', () => {
    expect(parseCsv('Product,Size\nDisplay,27" screen\n').rows[0]?.cells).toEqual(['Display', '27" screen'])
  })

  it('reads semicolon files with decimal commas', () => {
    const parsed = parseCsv('Firma;Betrag;Währung\nMüller GmbH;1.234,50;EUR\n"Schmidt; Söhne";12,5;EUR\n')
    expect(parsed.headers).toEqual(['Firma', 'Betrag', 'Währung'])
    expect(parsed.rows.map((row) => row.cells)).toEqual([
      ['Müller GmbH', '1.234,50', 'EUR'],
      ['Schmidt; Söhne', '12,5', 'EUR'],
    ])
  })

  it('reads tab-separated files', () => {
    const parsed = parseCsv('Company\tAmount\nAcme, Inc.\t1,000\n')
    expect(parsed.rows[0]?.cells).toEqual(['Acme, Inc.', '1,000'])
  })

  it('uses a given delimiter instead of guessing', () => {
    expect(parseCsv('a;b,c\n1;2,3', { delimiter: ';' }).rows[0]?.cells).toEqual(['1', '2,3'])
  })

  it('ignores a BOM left in the text', () => {
    expect(parseCsv('\uFEFFCompany,Email\nAcme,a@acme.com').headers).toEqual(['Company', 'Email'])
  })

  it('skips rows whose cells are all empty but keeps counting their lines', () => {
    const parsed = parseCsv('Company,Email\n\n,\n  ,  \nAcme,a@acme.com\n\n\n')
    expect(parsed.rows).toEqual([{ line: 5, cells: ['Acme', 'a@acme.com'] }])
  })

  it('pads short rows and keeps the extra cells of long rows', () => {
    const parsed = parseCsv('Company,Email,Region\nAcme\nBeta,b@beta.com,EMEA,extra\n')
    expect(parsed.rows.map((row) => row.cells)).toEqual([
      ['Acme', '', ''],
      ['Beta', 'b@beta.com', 'EMEA', 'extra'],
    ])
  })

  it('names the line where an unclosed quote starts', () => {
    const error = csvErrorOf(() => parseCsv('Company,Problem\nAcme,fine\n"Beta",x\n\nGamma,"never closed\nDelta,y\nEpsilon,z\n'))
    expect(error.line).toBe(5)
    expect(error.message).toContain('line 5')
  })

  it('keeps text after a closing quote verbatim instead of failing the file', () => {
    const parsed = parseCsv('Company,Problem\n"Acme" Inc.,fine\nBeta,ok\n')
    expect(parsed.rows).toEqual([
      { line: 2, cells: ['"Acme" Inc.', 'fine'] },
      { line: 3, cells: ['Beta', 'ok'] },
    ])
  })

  it.each([[''], ['   '], ['\n\n\r\n'], ['\uFEFF'], [',,\n , \n']])('refuses an empty file: %j', (text) => {
    const error = csvErrorOf(() => parseCsv(text))
    expect(error.message).toBe('The file is empty.')
  })

  it('refuses a file with only a header', () => {
    expect(() => parseCsv('Company,Email\n')).toThrow('The file has a header row but no data rows.')
    expect(() => parseCsv('Company,Email\n\n,\n')).toThrow('The file has a header row but no data rows.')
  })

  it('refuses binary files such as Excel workbooks', () => {
    expect(() => parseCsv('PK\u0003\u0004\u0000\u0000junk')).toThrow(/does not look like a CSV file/)
  })

  it('refuses more than 10,000 rows', () => {
    const atLimit = 'Company\n' + 'Acme\n'.repeat(10_000)
    expect(parseCsv(atLimit).rows).toHaveLength(10_000)
    const error = csvErrorOf(() => parseCsv(atLimit + 'One too many\n'))
    expect(error.message).toBe('The file has more than 10,000 rows; split it into smaller files.')
    expect(error.line).toBe(10_002)
  })

  it('honours a smaller row limit and does not count blank rows', () => {
    expect(parseCsv('Company\nA\n\nB\n', { maxRows: 2 }).rows).toHaveLength(2)
    expect(() => parseCsv('Company\nA\nB\nC\n', { maxRows: 2 })).toThrow('The file has more than 2 rows; split it into smaller files.')
  })

  it('throws CsvError instances', () => {
    const error = csvErrorOf(() => parseCsv(''))
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('CsvError')
    expect(error.line).toBeUndefined()
  })
})

describe('suggestColumnMapping', () => {
  it('maps the form labels and field keys', () => {
    expect(suggestColumnMapping(['Company', 'Contact e-mail', 'contactName', 'Problem and fit', 'Lead or deal', 'Expected close'])).toEqual({
      companyName: 0,
      contactEmail: 1,
      contactName: 2,
      problem: 3,
      kind: 4,
      expectedClose: 5,
    })
  })

  it('ignores case, spaces and punctuation', () => {
    expect(suggestColumnMapping(['COMPANY NAME', ' e_mail ', 'co-sell', 'Next-Step', 'deal_size', 'Opt In'])).toEqual({
      companyName: 0,
      contactEmail: 1,
      coSellRequested: 2,
      nextStep: 3,
      amount: 4,
      consent: 5,
    })
  })

  it('maps common English headers', () => {
    expect(
      suggestColumnMapping([
        'Account', 'Domain', 'Full name', 'Email', 'Job title', 'Use case', 'Stage', 'Consent', 'Territory',
        'Revenue', 'Products', 'Competitors', 'Deal size', 'Currency', 'Close date', 'Deal stage', 'Next step', 'Co-sell', 'Type',
      ]),
    ).toEqual({
      companyName: 0, website: 1, contactName: 2, contactEmail: 3, contactRole: 4, problem: 5, stageGuess: 6, consent: 7, region: 8,
      targetRevenue: 9, productInterest: 10, competitors: 11, amount: 12, currency: 13, expectedClose: 14, dealStage: 15, nextStep: 16,
      coSellRequested: 17, kind: 18,
    })
  })

  it('maps German headers, with or without umlauts', () => {
    expect(
      suggestColumnMapping([
        'Firma', 'Webseite', 'Ansprechpartner', 'E-Mail-Adresse', 'Position', 'Bedarf', 'Einwilligung', 'Land', 'Betrag', 'Währung', 'Nächster Schritt',
      ]),
    ).toEqual({
      companyName: 0, website: 1, contactName: 2, contactEmail: 3, contactRole: 4, problem: 5, consent: 6, region: 7, amount: 8, currency: 9, nextStep: 10,
    })
    expect(suggestColumnMapping(['Unternehmen', 'Waehrung', 'Naechster Schritt'])).toEqual({ companyName: 0, currency: 1, nextStep: 2 })
  })

  it('gives each field one header and each header one field when headers are ambiguous', () => {
    // The label "Contact e-mail" beats the synonyms; "Company name" is not a contact name.
    expect(suggestColumnMapping(['Name', 'Company name', 'Email', 'E-Mail', 'Contact e-mail'])).toEqual({
      contactName: 0,
      companyName: 1,
      contactEmail: 4,
    })
    // Equally good matches: the first header wins.
    expect(suggestColumnMapping(['Email', 'E-Mail'])).toEqual({ contactEmail: 0 })
    expect(suggestColumnMapping(['Company', 'Firma', 'Account'])).toEqual({ companyName: 0 })
    // "Stage" is the customer's stage, "Deal stage" the deal's.
    expect(suggestColumnMapping(['Deal stage', 'Stage'])).toEqual({ dealStage: 0, stageGuess: 1 })
  })

  it('falls back to the header without its bracketed part', () => {
    expect(suggestColumnMapping(['Amount (EUR)', 'Company *', 'Website [optional]'])).toEqual({ amount: 0, companyName: 1, website: 2 })
    // A whole-header match still beats a bracket-stripped one.
    expect(suggestColumnMapping(['Amount (net)', 'Value'])).toEqual({ amount: 1 })
  })

  it('leaves unknown and empty headers unmapped', () => {
    expect(suggestColumnMapping(['Favourite colour', '', '   ', 'Company'])).toEqual({ companyName: 3 })
    expect(suggestColumnMapping([])).toEqual({})
  })
})

describe('mapRow', () => {
  it('returns the mapped cells by field key, trimmed', () => {
    const mapping = suggestColumnMapping(['Firma', 'Notiz intern', 'E-Mail', 'Betrag'])
    expect(mapRow(['  Müller GmbH ', 'ignored', ' a@mueller.de\t', '1.234,50'], mapping)).toEqual({
      companyName: 'Müller GmbH',
      contactEmail: 'a@mueller.de',
      amount: '1.234,50',
    })
  })

  it('keeps inner whitespace and line breaks, and reads missing cells as empty', () => {
    expect(mapRow(['Acme', ' line one\nline two '], { companyName: 0, problem: 1, contactEmail: 5 })).toEqual({
      companyName: 'Acme',
      problem: 'line one\nline two',
      contactEmail: '',
    })
  })
})

describe('toCsv', () => {
  it('writes RFC 4180 with CRLF, a UTF-8 BOM and quotes only where needed', () => {
    expect(toCsv([['Line', 'Company', 'Verdict'], ['2', 'Müller, Söhne', 'Said "no"\nthen yes'], ['3', 'a;b', '']])).toBe(
      '\uFEFFLine,Company,Verdict\r\n2,"Müller, Söhne","Said ""no""\nthen yes"\r\n3,"a;b",\r\n',
    )
  })

  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+49 30 123456', "'+49 30 123456"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['a=b', 'a=b'],
    [' =1', ' =1'],
  ])('defuses formula-looking cell %j', (cell, expected) => {
    expect(toCsv([[cell]])).toBe(`\uFEFF${expected}\r\n`)
  })

  it('round-trips through decodeCsvBytes and parseCsv', () => {
    const rows = [
      ['Line', 'Company', 'Problem', 'Verdict'],
      ['2', 'Müller & Söhne, GmbH', 'Needs "fast" rollout;\nmulti-line\r\ntext', 'ok'],
      ['5', 'Zürich AG', '', 'Enter the contact name.'],
      ['6', '=cmd|calc', '@SUM(1)', '-1'],
    ]
    const { text, encoding } = decodeCsvBytes(new TextEncoder().encode(toCsv(rows)))
    expect(encoding).toBe('utf-8')
    const parsed = parseCsv(text)
    expect(parsed.headers).toEqual(rows[0])
    expect(parsed.rows).toEqual([
      // Line breaks inside values come back as \n.
      { line: 2, cells: ['2', 'Müller & Söhne, GmbH', 'Needs "fast" rollout;\nmulti-line\ntext', 'ok'] },
      { line: 5, cells: ['5', 'Zürich AG', '', 'Enter the contact name.'] },
      { line: 6, cells: ['6', "'=cmd|calc", "'@SUM(1)", "'-1"] },
    ])
  })
})

describe('encodings Excel writes', () => {
  const header = 'Company,Contact name,Problem\n'
  const cases: Array<{ name: string; encoding: string; text: string; expected: string }> = [
    { name: 'Shift-JIS (Excel on Japanese Windows)', encoding: 'Shift_JIS', expected: 'shift_jis', text: `${header}株式会社山田製作所,山田太郎,営業管理の改善\nトヨタ自動車株式会社,佐藤花子,パートナー管理の効率化\n` },
    { name: 'EUC-KR (Korean Windows)', encoding: 'EUC-KR', expected: 'euc-kr', text: `${header}삼성전자 주식회사,김철수,파트너 관리 개선\n현대자동차,이영희,영업 관리\n` },
    { name: 'GBK (Simplified Chinese Windows)', encoding: 'GBK', expected: 'gb18030', text: `${header}华为技术有限公司,张伟,合作伙伴管理\n阿里巴巴集团,王芳,销售渠道管理\n` },
    { name: 'Big5 (Traditional Chinese Windows)', encoding: 'Big5', expected: 'big5', text: `${header}台灣積體電路製造,陳大文,合作夥伴管理\n` },
    { name: 'Windows-1252 (Western Europe)', encoding: 'windows-1252', expected: 'windows-1252', text: `${header}Müller GmbH,Jörg Weiß,Braucht eine Lösung für 40 Händler\n` },
    { name: 'Windows-1250 (Central Europe)', encoding: 'windows-1250', expected: 'windows-1250', text: `${header}Łódź Spółka z o.o.,Paweł Żółć,Zarządzanie partnerami\n` },
    { name: 'Windows-1251 (Cyrillic)', encoding: 'windows-1251', expected: 'windows-1251', text: `${header}ООО Ромашка,Иван Петров,Управление партнёрами\nАО Северсталь,Мария Иванова,Улучшить работу с дилерами\nЗАО Вектор,Сергей Смирнов,Регистрация сделок партнёров\n` },
  ]
  for (const { name, encoding, text, expected } of cases) {
    it(`reads ${name}`, () => {
      const decoded = decodeCsvBytes(iconv.encode(text, encoding))
      expect(decoded).toEqual({ text, encoding: expected })
      // Re-reading with the stored encoding gives the same text.
      expect(decodeCsvBytes(iconv.encode(text, encoding), { encoding: decoded.encoding }).text).toBe(text)
    })
  }

  it('reads UTF-16LE with a BOM (Excel "Unicode text")', () => {
    const text = 'Company\tContact name\n株式会社アクメ\tMüller\n'
    expect(decodeCsvBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toEqual({ text, encoding: 'utf-16le' })
  })

  it('refuses a legacy-encoded file too short to tell apart, with the "save as CSV UTF-8" message', () => {
    // "Jiří" in windows-1250 reads as "Jiøí" in windows-1252: both look like words, so nothing decides.
    const bytes = iconv.encode('Company;Contact\nPraha;Jiří\n', 'windows-1250')
    expect(csvErrorOf(() => decodeCsvBytes(bytes)).message).toBe('We could not tell this file’s encoding. In Excel choose File › Save As › CSV UTF-8 and upload it again.')
  })
})

describe('caps and linear time on hostile files', () => {
  const MB = 1 << 20

  it('strips bracketed header parts in one pass (1 MB of "[" or "(")', () => {
    expect(withoutBracketedParts('Amount (EUR) [net]')).toBe('Amount  ')
    expect(withoutBracketedParts('a (b (c) d) e')).toBe('a  d) e')
    expect(withoutBracketedParts('((x)')).toBe('')
    expect(withoutBracketedParts('no (close')).toBe('no (close')
    expect(withoutBracketedParts('[a] (b')).toBe(' (b')
    for (const hostile of ['['.repeat(MB), '('.repeat(MB), '[('.repeat(MB / 2), `${'('.repeat(MB / 2)})`]) {
      expect(timed(() => withoutBracketedParts(hostile))).toBeLessThan(100)
      expect(timed(() => suggestColumnMapping([hostile.slice(0, 200), 'Company']))).toBeLessThan(100)
    }
  })

  it('refuses a 1 MB header cell quickly, naming the column', () => {
    const file = `Company,${'['.repeat(MB)}\nAcme,x\n`
    let error: CsvError | undefined
    expect(timed(() => (error = csvErrorOf(() => parseCsv(file))))).toBeLessThan(100)
    expect(error?.message).toBe('The header of column 2 is longer than 200 characters. The first row must name the columns (e.g. Company, Contact e-mail).')
  })

  it('refuses a header row of thousands of columns', () => {
    expect(csvErrorOf(() => parseCsv(`${'a,'.repeat(5000)}b\n1\n`)).message).toBe('The header row has more than 200 columns. Remove the columns you do not need.')
  })

  it('marks a row with an over-long cell instead of failing the file, and only when that column is mapped', () => {
    const long = 'x'.repeat(MAX_CSV_CELL_CHARS + 1)
    const parsed = parseCsv(`Company,Notes,Problem\nAcme,ok,${long}\nBeta,${long},fine\n`)
    expect(parsed.rows.map((row) => row.tooLong ?? [])).toEqual([[2], [1]])
    expect(parsed.rows[0]?.cells[2]).toBe('')
    const mapping = { companyName: 0, problem: 2 }
    expect(rowProblem(parsed.rows[0]!, parsed.headers, mapping)).toBe('The value in column “Problem” is longer than 10,000 characters.')
    expect(rowProblem(parsed.rows[1]!, parsed.headers, mapping)).toBeNull()
  })

  it('parses a 1 MB single cell and a 1 MB line of delimiters in linear time', () => {
    expect(timed(() => parseCsv(`Company,Problem\nAcme,"${'a'.repeat(MB)}"\n`))).toBeLessThan(100)
    expect(timed(() => parseCsv(`Company,Problem\n${','.repeat(MB)}x\n`))).toBeLessThan(100)
    expect(timed(() => detectDelimiter(`"${'"'.repeat(MB)}`))).toBeLessThan(100)
  })
})

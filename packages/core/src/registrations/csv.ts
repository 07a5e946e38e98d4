import { parse } from 'csv-parse/sync'
import { registrationFieldLabels } from './input.js'

/**
 * The text part of the CSV bulk upload: bytes → text → header + rows →
 * registration fields, and the per-row verdict file back out. Pure; the
 * validation, dedupe, conflict checks and the import job live elsewhere.
 *
 * Files come from Excel (Windows: windows-1252 or UTF-16, ";" in German
 * locales), Google Sheets and CRMs, so every step is lenient about format and
 * strict only where guessing would silently corrupt data.
 */

type RegistrationFieldKey = keyof typeof registrationFieldLabels

export class CsvError extends Error {
  readonly line?: number

  constructor(message: string, line?: number) {
    super(message)
    this.name = 'CsvError'
    if (line !== undefined) this.line = line
  }
}

// ---------------------------------------------------------------------------
// Decoding

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252'

/** How much of the file the UTF-16 sniffing looks at; the pattern shows within a few lines. */
const UTF16_SNIFF_BYTES = 4096

/**
 * UTF-16 without a BOM (some Excel "Unicode text" exports) shows up as a NUL
 * in every other byte for Latin text: odd positions for LE, even for BE.
 */
function sniffUtf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const sampleLength = Math.min(bytes.length, UTF16_SNIFF_BYTES) & ~1
  const pairs = sampleLength / 2
  if (pairs === 0) return null
  let evenNuls = 0
  let oddNuls = 0
  for (let index = 0; index < sampleLength; index++) {
    if (bytes[index] !== 0) continue
    if (index % 2 === 0) evenNuls++
    else oddNuls++
  }
  if (oddNuls >= pairs * 0.5 && evenNuls <= pairs * 0.05) return 'utf-16le'
  if (evenNuls >= pairs * 0.5 && oddNuls <= pairs * 0.05) return 'utf-16be'
  return null
}

/**
 * The file's text and the encoding it was read as. BOMs decide when present;
 * otherwise UTF-16 is sniffed, then strict UTF-8 is tried, and anything that
 * is not valid UTF-8 is read as windows-1252 (what Excel on Windows writes for
 * "CSV (comma delimited)"), which never fails and gets umlauts right.
 */
export function decodeCsvBytes(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const [first, second, third] = bytes
  // TextDecoder removes the BOM of its own encoding (ignoreBOM defaults to false).
  if (first === 0xef && second === 0xbb && third === 0xbf) return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8' }
  if (first === 0xff && second === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' }
  if (first === 0xfe && second === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'utf-16be' }

  const utf16 = sniffUtf16WithoutBom(bytes)
  if (utf16) return { text: new TextDecoder(utf16).decode(bytes), encoding: utf16 }

  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' }
  } catch {
    return { text: decodeWindows1252(bytes), encoding: 'windows-1252' }
  }
}

/**
 * What windows-1252 puts at 0x80–0x9F (WHATWG index); the five unassigned
 * bytes stay C1 controls, as in the standard.
 */
const WINDOWS_1252_C1 =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178'

function decodeWindows1252(bytes: Uint8Array): string {
  // Node 20.18.3+ decodes "windows-1252" as plain latin1 (nodejs/node#60888),
  // turning € and Excel's curly quotes into invisible C1 controls; map them
  // here, which is a no-op where the decoder is already right.
  return new TextDecoder('windows-1252')
    .decode(bytes)
    .replace(/[\u0080-\u009F]/g, (control) => WINDOWS_1252_C1[control.charCodeAt(0) - 0x80] ?? control)
}

// ---------------------------------------------------------------------------
// Parsing

export type CsvDelimiter = ',' | ';' | '\t'
const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t']

/**
 * The delimiter, guessed from the header line only: data rows hold free text
 * and decimal commas ("1.234,50" in a ";" file) that would skew a count.
 * Ties and a single-column header go to ",".
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(DELIMITERS.map((delimiter) => [delimiter, 0]))
  let inQuotes = false
  let sawContent = false
  for (const character of text.replace(/^\uFEFF/, '')) {
    if (character === '"') inQuotes = !inQuotes
    else if (!inQuotes && (character === '\n' || character === '\r')) {
      // Leading blank lines are not the header.
      if (sawContent) break
      continue
    } else if (!inQuotes && counts.has(character as CsvDelimiter)) {
      counts.set(character as CsvDelimiter, (counts.get(character as CsvDelimiter) ?? 0) + 1)
    }
    if (character.trim() !== '') sawContent = true
  }
  let best: CsvDelimiter = ','
  for (const delimiter of DELIMITERS) if ((counts.get(delimiter) ?? 0) > (counts.get(best) ?? 0)) best = delimiter
  return best
}

export interface ParsedCsv {
  headers: string[]
  rows: Array<{ line: number; cells: string[] }>
}

export const DEFAULT_MAX_CSV_ROWS = 10_000

function parserErrorCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code
  return undefined
}

function parserErrorLine(error: unknown): number | undefined {
  if (error instanceof Error && 'lines' in error && typeof error.lines === 'number') return error.lines
  return undefined
}

/**
 * Header and data rows. Each row carries the line its first physical line is
 * on (the header is line 1), so messages can say "the row on line 17" even
 * when earlier cells span several lines. Rows of only empty cells are
 * skipped; short rows are padded to the header width, long rows keep their
 * extra cells.
 */
export function parseCsv(text: string, options: { maxRows?: number; delimiter?: CsvDelimiter } = {}): ParsedCsv {
  const maxRows = options.maxRows ?? DEFAULT_MAX_CSV_ROWS
  const withoutBom = text.replace(/^\uFEFF/, '')
  if (withoutBom.trim() === '') throw new CsvError('The file is empty.')
  // A NUL never occurs in CSV text; it does in workbooks, PDFs and images.
  if (withoutBom.includes('\u0000')) {
    throw new CsvError('This does not look like a CSV file. If it is an Excel workbook, save it as “CSV UTF-8” and upload that.')
  }

  // One line ending throughout: csv-parse only detects the first one it sees
  // (files pasted together mix them), and counts a CRLF inside quotes as two
  // lines, which would shift every later line number.
  const normalised = withoutBom.replace(/\r\n?/g, '\n')
  const delimiter = options.delimiter ?? detectDelimiter(normalised)

  // Assigned inside the parser callback, which control-flow analysis cannot see.
  let headers = null as string[] | null
  const rows: ParsedCsv['rows'] = []
  let lastLineOfPreviousRecord = 0

  try {
    parse(normalised, {
      delimiter,
      relax_column_count: true,
      // Stray quotes are kept as text rather than failing the file: 27" screen, "Acme" Inc.
      relax_quotes: true,
      // Blank lines must come through as records so line numbers stay exact; they are dropped below.
      skip_empty_lines: false,
      on_record: (record: string[], context) => {
        const line = lastLineOfPreviousRecord + 1
        lastLineOfPreviousRecord = context.lines
        if (record.every((cell) => cell.trim() === '')) return null
        if (headers === null) {
          headers = record.map((cell) => cell.trim())
          return null
        }
        if (rows.length >= maxRows) {
          throw new CsvError(`The file has more than ${maxRows.toLocaleString('en')} rows; split it into smaller files.`, line)
        }
        const cells = record.length < headers.length ? [...record, ...Array<string>(headers.length - record.length).fill('')] : record
        rows.push({ line, cells })
        return null
      },
    })
  } catch (error) {
    if (error instanceof CsvError) throw error
    const code = parserErrorCode(error)
    if (code === 'CSV_QUOTE_NOT_CLOSED') {
      // The parser reports the end of the file; the row that opened the quote is what people need to fix.
      const line = lastLineOfPreviousRecord + 1
      throw new CsvError(`The row on line ${line} opens a quoted value (") that is never closed. Check that row for a stray quote.`, line)
    }
    const line = parserErrorLine(error) ?? lastLineOfPreviousRecord + 1
    throw new CsvError(`Line ${line} could not be read as CSV${error instanceof Error ? ` (${error.message})` : ''}.`, line)
  }

  if (headers === null) throw new CsvError('The file is empty.')
  if (rows.length === 0) throw new CsvError('The file has a header row but no data rows.')
  return { headers, rows }
}

// ---------------------------------------------------------------------------
// Column mapping

export type ColumnMapping = Partial<Record<RegistrationFieldKey, number>>

/**
 * Headers people use for each field (English and German), besides the field
 * key and its form label. Compared after `headerKey`, so case, spaces,
 * punctuation and umlaut spelling do not matter. Keep each synonym on one field.
 */
const HEADER_SYNONYMS: Record<RegistrationFieldKey, readonly string[]> = {
  kind: ['Type', 'Kind', 'Lead or deal', 'Lead/Deal', 'Registration type', 'Typ', 'Art', 'Lead oder Deal'],
  companyName: ['Company', 'Company name', 'Account', 'Account name', 'Organisation', 'Organization', 'Customer', 'Firma', 'Firmenname', 'Unternehmen', 'Kunde'],
  website: ['Website', 'Domain', 'URL', 'Web', 'Homepage', 'Company website', 'Webseite', 'Internetseite'],
  contactName: ['Contact', 'Contact name', 'Name', 'Full name', 'Contact person', 'Ansprechpartner', 'Kontakt', 'Kontaktperson'],
  contactEmail: ['Email', 'E-mail', 'Email address', 'E-mail address', 'Contact email', 'Mail', 'E-Mail-Adresse', 'Kontakt E-Mail', 'Ansprechpartner E-Mail'],
  contactRole: ['Role', 'Title', 'Job title', 'Position', 'Contact role', 'Contact title', 'Rolle', 'Funktion', 'Jobtitel'],
  problem: ['Problem', 'Need', 'Notes', 'Description', 'Use case', 'Problem and fit', 'Bedarf', 'Beschreibung', 'Notizen'],
  stageGuess: ['Stage', 'Customer stage', 'Phase'],
  consent: ['Consent', 'Opt-in', 'Consent to be contacted', 'Einwilligung', 'Zustimmung'],
  region: ['Region', 'Territory', 'Country', 'Land', 'Gebiet'],
  targetRevenue: ['Target revenue', 'Revenue', 'Annual revenue', 'Umsatz', 'Zielumsatz'],
  productInterest: ['Products', 'Product', 'Product interest', 'Produkte', 'Produkt', 'Produktinteresse'],
  competitors: ['Competitors', 'Competitor', 'Competition', 'Wettbewerber', 'Mitbewerber'],
  amount: ['Amount', 'Deal size', 'Value', 'Deal value', 'Betrag', 'Wert', 'Volumen'],
  currency: ['Currency', 'Währung'],
  expectedClose: ['Close date', 'Expected close', 'Expected close date', 'Close', 'Closing date', 'Abschlussdatum', 'Abschluss'],
  dealStage: ['Deal stage', 'Opportunity stage', 'Sales stage', 'Verkaufsphase'],
  nextStep: ['Next step', 'Next steps', 'Nächster Schritt', 'Nächste Schritte'],
  coSellRequested: ['Co-sell', 'Co-sell requested', 'Cosell', 'Co-Selling'],
}

/** "E-Mail-Adresse" → "emailadresse", "Währung"/"Waehrung" → "waehrung". */
function headerKey(header: string): string {
  return header
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '')
}

const FIELD_KEYS = Object.keys(registrationFieldLabels) as RegistrationFieldKey[]

/** Per field: the strong names (key, label) and the synonyms, as header keys. */
const FIELD_NAMES = FIELD_KEYS.map((field) => ({
  field,
  strong: new Set([headerKey(field), headerKey(registrationFieldLabels[field])]),
  synonyms: new Set(HEADER_SYNONYMS[field].map(headerKey)),
}))

/**
 * A suggested header → field mapping for the upload's mapping step (the user
 * confirms it). Exact matches on the field key or label beat synonyms, and a
 * whole-header match beats one with the bracketed part dropped
 * ("Amount (EUR)", "Company *"). Each header gets at most one field and each
 * field at most one header; on a tie the leftmost header wins.
 */
export function suggestColumnMapping(headers: string[]): ColumnMapping {
  const candidates: Array<{ headerIndex: number; fieldOrder: number; field: RegistrationFieldKey; score: number }> = []
  headers.forEach((header, headerIndex) => {
    const whole = headerKey(header)
    const withoutBrackets = headerKey(header.replace(/\([^)]*\)|\[[^\]]*\]/g, ''))
    FIELD_NAMES.forEach(({ field, strong, synonyms }, fieldOrder) => {
      let score = 0
      if (whole && strong.has(whole)) score = 4
      else if (whole && synonyms.has(whole)) score = 3
      else if (withoutBrackets && strong.has(withoutBrackets)) score = 2
      else if (withoutBrackets && synonyms.has(withoutBrackets)) score = 1
      if (score > 0) candidates.push({ headerIndex, fieldOrder, field, score })
    })
  })
  candidates.sort((left, right) => right.score - left.score || left.headerIndex - right.headerIndex || left.fieldOrder - right.fieldOrder)

  const mapping: ColumnMapping = {}
  const usedHeaders = new Set<number>()
  for (const { headerIndex, field } of candidates) {
    if (usedHeaders.has(headerIndex) || mapping[field] !== undefined) continue
    mapping[field] = headerIndex
    usedHeaders.add(headerIndex)
  }
  return mapping
}

/**
 * The mapped fields of one row, as the raw strings the registration schema
 * expects. Surrounding whitespace is trimmed; a column missing from a short
 * row reads as ''.
 */
export function mapRow(cells: string[], mapping: ColumnMapping): Record<string, string> {
  const values: Record<string, string> = {}
  for (const field of FIELD_KEYS) {
    const index = mapping[field]
    if (index === undefined) continue
    values[field] = (cells[index] ?? '').trim()
  }
  return values
}

// ---------------------------------------------------------------------------
// Writing

/**
 * Spreadsheets run a cell starting with one of these as a formula
 * (CSV injection), and the verdict file echoes what partners typed.
 */
const FORMULA_TRIGGER = /^[=+\-@\t\r]/

function csvCell(value: string): string {
  const safe = FORMULA_TRIGGER.test(value) ? `'${value}` : value
  // ";" is quoted too: German Excel splits on it when opening a .csv.
  return /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/**
 * RFC 4180 text (CRLF, quotes where needed) for downloads, with a UTF-8 BOM
 * so Excel reads umlauts correctly, and formula-looking cells defused with a
 * leading apostrophe.
 */
export function toCsv(rows: string[][]): string {
  return '\uFEFF' + rows.map((row) => row.map(csvCell).join(',') + '\r\n').join('')
}

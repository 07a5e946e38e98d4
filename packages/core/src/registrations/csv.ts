import { registrationFieldLabels } from './input.js'
import { decodeText, detectTextEncoding, type TextEncodingName } from './text-encoding.js'

/**
 * The text part of the CSV bulk upload: bytes → text → header + rows →
 * registration fields, and the per-row verdict file back out. Pure; the
 * validation, dedupe, conflict checks and the import job live elsewhere.
 *
 * Files come from Excel (Windows: the locale's code page — windows-1252,
 * Shift-JIS, … — or UTF-16, ";" in German locales), Google Sheets and CRMs,
 * so every step is lenient about format and strict only where guessing would
 * silently corrupt data. Every step is linear in the file, with caps on
 * columns, header and cell length.
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

/** The decoder the file was read with, as TextDecoder names it: 'utf-8', 'utf-16le', 'windows-1252', 'shift_jis', … */
export type CsvEncoding = TextEncodingName

export const UNKNOWN_ENCODING_MESSAGE = 'We could not tell this file’s encoding. In Excel choose File › Save As › CSV UTF-8 and upload it again.'

/**
 * The file's text and the encoding it was read as: a BOM decides when
 * present, then UTF-16 without one, then strict UTF-8, then the detector
 * (Shift-JIS, EUC-KR, GBK, Big5, the Windows code pages …). A file whose
 * encoding is not clear is refused (CsvError) instead of being imported as
 * mojibake. `encoding` re-reads a file with the encoding found at upload.
 */
export function decodeCsvBytes(bytes: Uint8Array, options: { encoding?: CsvEncoding } = {}): { text: string; encoding: CsvEncoding } {
  if (options.encoding) {
    // TextDecoder drops a BOM of its own encoding, as at upload.
    return { text: decodeText(bytes, options.encoding), encoding: options.encoding }
  }
  if (bytes.length === 0) return { text: '', encoding: 'utf-8' }
  const detected = detectTextEncoding(bytes)
  if (!detected.ok) throw new CsvError(UNKNOWN_ENCODING_MESSAGE)
  return { text: detected.text, encoding: detected.encoding }
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
  const counts = { ',': 0, ';': 0, '\t': 0 }
  let inQuotes = false
  let sawContent = false
  for (let index = text.charCodeAt(0) === 0xfeff ? 1 : 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === QUOTE) inQuotes = !inQuotes
    else if (!inQuotes && (code === NEWLINE || code === 13)) {
      // Leading blank lines are not the header.
      if (sawContent) break
      continue
    } else if (!inQuotes) {
      if (code === 44) counts[',']++
      else if (code === 59) counts[';']++
      else if (code === 9) counts['\t']++
    }
    if (code > 32 && code !== 0xfeff && code !== 0xa0) sawContent = true
  }
  let best: CsvDelimiter = ','
  for (const delimiter of DELIMITERS) if (counts[delimiter] > counts[best]) best = delimiter
  return best
}

export interface ParsedCsv {
  headers: string[]
  /** `tooLong`: columns whose cell was longer than MAX_CSV_CELL_CHARS (emptied in `cells`); see `rowProblem`. */
  rows: Array<{ line: number; cells: string[]; tooLong?: number[] }>
}

/** Why a row cannot be imported with this mapping: a mapped cell that was too long. Null when it can. */
export function rowProblem(row: ParsedCsv['rows'][number], headers: string[], mapping: ColumnMapping): string | null {
  if (!row.tooLong) return null
  const mapped = new Set(Object.values(mapping))
  const column = row.tooLong.find((index) => mapped.has(index))
  if (column === undefined) return null
  return `The value in column “${headers[column] || column + 1}” is longer than ${MAX_CSV_CELL_CHARS.toLocaleString('en')} characters.`
}

export const DEFAULT_MAX_CSV_ROWS = 10_000
/** Columns a file may have: registrations have 19 fields; hundreds of columns is not a registration list. */
export const MAX_CSV_COLUMNS = 200
/** A header is a column name; a longer "header" means the first row is data (or an attack). */
export const MAX_CSV_HEADER_CHARS = 200
/** The longest field (problem and fit) takes 10,000 characters; a longer cell cannot be any field. */
export const MAX_CSV_CELL_CHARS = 10_000

/**
 * RFC 4180 records in one pass over `text` (line ends already "\n"),
 * calling `onRecord` with the cells and the line the record starts on.
 * Lenient where spreadsheets are sloppy: a quote inside an unquoted value is
 * text (27" screen), text after a closing quote keeps the value verbatim
 * ("Acme" Inc.), rows may have any number of cells. A quoted value that is
 * never closed is refused, naming the line it starts on. Linear: every
 * character is looked at once and cells are slices of the text. Cells past
 * `maxCells` are not kept; `overflow` says whether any of them held text.
 */
export function scanCsv(text: string, delimiter: CsvDelimiter, onRecord: (cells: string[], line: number, overflow: boolean) => void, options: { maxCells?: number } = {}): void {
  const maxCells = options.maxCells ?? Number.POSITIVE_INFINITY
  const separator = delimiter.charCodeAt(0)
  const length = text.length
  let index = 0
  let line = 1
  while (index < length) {
    const recordLine = line
    const cells: string[] = []
    let count = 0
    let overflow = false
    for (;;) {
      // One cell, starting at `index`.
      const cellStart = index
      let cell: string
      if (text.charCodeAt(index) === QUOTE) {
        const parts: string[] = []
        let partStart = index + 1
        let cursor = index + 1
        let closed = -1
        while (cursor < length) {
          const quote = text.indexOf('"', cursor)
          if (quote === -1) break
          if (text.charCodeAt(quote + 1) === QUOTE) {
            parts.push(text.slice(partStart, quote + 1))
            partStart = cursor = quote + 2
            continue
          }
          closed = quote
          break
        }
        if (closed === -1) throw new CsvError(`The row on line ${recordLine} opens a quoted value (") that is never closed. Check that row for a stray quote.`, recordLine)
        parts.push(text.slice(partStart, closed))
        line += countNewlines(text, index, closed)
        index = closed + 1
        const next = index < length ? text.charCodeAt(index) : NEWLINE
        if (next === separator || next === NEWLINE) {
          cell = parts.join('')
        } else {
          // Text after the closing quote: the whole value is taken as written.
          const end = endOfUnquoted(text, index, separator)
          cell = text.slice(cellStart, end)
          index = end
        }
      } else {
        const end = endOfUnquoted(text, index, separator)
        cell = text.slice(index, end)
        index = end
      }
      if (count < maxCells) cells.push(cell)
      else if (!overflow && cell.trim() !== '') overflow = true
      count++
      if (index < length && text.charCodeAt(index) === separator) {
        index++
        continue
      }
      // End of the record: a line break or the end of the text.
      if (index < length) {
        index++
        line++
      }
      break
    }
    onRecord(cells, recordLine, overflow)
  }
}

const QUOTE = 34
const NEWLINE = 10

/** Where an unquoted value starting at `from` ends: the next delimiter or line break. */
function endOfUnquoted(text: string, from: number, separator: number): number {
  let end = from
  const length = text.length
  while (end < length) {
    const code = text.charCodeAt(end)
    if (code === separator || code === NEWLINE) break
    end++
  }
  return end
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0
  let at = text.indexOf('\n', from)
  while (at !== -1 && at < to) {
    count++
    at = text.indexOf('\n', at + 1)
  }
  return count
}

/** The header row, trimmed; refused when it cannot be a header (too many or too long names). */
function readHeader(record: string[], line: number, overflow: boolean): string[] {
  if (overflow) throw new CsvError(`The header row has more than ${MAX_CSV_COLUMNS} columns. Remove the columns you do not need.`, line)
  const headers = record.map((cell) => cell.trim())
  const long = headers.findIndex((header) => header.length > MAX_CSV_HEADER_CHARS)
  if (long !== -1) {
    throw new CsvError(`The header of column ${long + 1} is longer than ${MAX_CSV_HEADER_CHARS} characters. The first row must name the columns (e.g. Company, Contact e-mail).`, line)
  }
  return headers
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

  // One line ending throughout: files pasted together mix them.
  const normalised = withoutBom.replace(/\r\n?/g, '\n')
  const delimiter = options.delimiter ?? detectDelimiter(normalised)

  // Assigned inside the scanner's callback, which control-flow analysis cannot see.
  let headers = null as string[] | null
  const rows: ParsedCsv['rows'] = []

  const onRecord = (record: string[], line: number, overflow: boolean) => {
    if (!overflow && record.every((cell) => cell.trim() === '')) return
    if (headers === null) {
      headers = readHeader(record, line, overflow)
      return
    }
    if (rows.length >= maxRows) {
      throw new CsvError(`The file has more than ${maxRows.toLocaleString('en')} rows; split it into smaller files.`, line)
    }
    // A data row wider than the header keeps its extra cells (up to the column cap); a short one is padded.
    const cells = record.length < headers.length ? [...record, ...Array<string>(headers.length - record.length).fill('')] : record
    let tooLong: number[] | undefined
    for (let index = 0; index < cells.length; index++) {
      if ((cells[index] ?? '').length <= MAX_CSV_CELL_CHARS) continue
      ;(tooLong ??= []).push(index)
      cells[index] = ''
    }
    rows.push(tooLong ? { line, cells, tooLong } : { line, cells })
  }
  // Cells past the column cap are never mapped; a row of thousands of cells is not kept.
  scanCsv(normalised, delimiter, onRecord, { maxCells: MAX_CSV_COLUMNS })

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
 * The header without its "(…)" and "[…]" parts: "Amount (EUR)" → "Amount ".
 * One pass: an opening bracket with no closing one after it stays, as text.
 */
export function withoutBracketedParts(header: string): string {
  const kept: string[] = []
  let keptFrom = 0
  let index = 0
  // Where the next ")" / "]" is; -1 once none is left, so no opening bracket searches twice.
  let nextParen = -2
  let nextSquare = -2
  while (index < header.length) {
    const char = header[index]
    if (char === '(' || char === '[') {
      const closing = char === '(' ? ')' : ']'
      let next = char === '(' ? nextParen : nextSquare
      if (next !== -1 && next <= index) next = header.indexOf(closing, index + 1)
      if (char === '(') nextParen = next
      else nextSquare = next
      if (next !== -1) {
        kept.push(header.slice(keptFrom, index))
        index = keptFrom = next + 1
        continue
      }
    }
    index++
  }
  kept.push(header.slice(keptFrom))
  return kept.join('')
}

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
    const withoutBrackets = headerKey(withoutBracketedParts(header))
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

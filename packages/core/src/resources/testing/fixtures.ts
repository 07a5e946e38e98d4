/**
 * Tiny, deterministic resource-library fixtures built in code (no binary files
 * in the repo). Same input → same bytes, on any machine and in any time zone.
 *
 *   makePdf(['Quarterly battle card for ACME'])       a one-page PDF 1.4 with real text
 *   makePptx([['Slide one title'], ['Second slide']]) a PowerPoint .pptx, one slide per entry
 *   makeDocx(['First paragraph', 'Second'])           a Word .docx
 *   makeXlsx(['Region', 'Revenue'])                   an Excel .xlsx (shared strings only)
 *   makePng()                                          a valid 1×1 transparent PNG
 */
import { strToU8, zipSync, type Zippable } from 'fflate'

const encoder = new TextEncoder()

/** Fixed timestamp for ZIP entries (local-time constructor, so the DOS date fields never vary). */
const ZIP_MTIME = new Date(2024, 0, 1, 0, 0, 0)

// ---------------------------------------------------------------- PDF

/** Escapes a string as a PDF literal string body: ASCII stays, Latin-1 goes to octal, the rest becomes '?'. */
function pdfLiteral(text: string): string {
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 63
    if (ch === '\\' || ch === '(' || ch === ')') out += `\\${ch}`
    else if (code >= 32 && code < 127) out += ch
    else if (code >= 160 && code <= 255) out += `\\${code.toString(8).padStart(3, '0')}`
    else out += '?'
  }
  return out
}

export interface MakePdfOptions {
  /** Lines per page (default 40); more lines make more pages. */
  linesPerPage?: number
  /** Adds a Standard security handler whose user password is not empty: readers ask for a password. */
  passwordProtected?: boolean
}

/**
 * A minimal but valid PDF: catalog, page tree, one Helvetica font, one content
 * stream per page (`BT /F1 12 Tf … (line) Tj ET`), and an xref table whose byte
 * offsets are computed here. Lines are Latin-1 text (WinAnsiEncoding).
 */
export function makePdf(lines: string[], options: MakePdfOptions = {}): Uint8Array {
  const perPage = Math.max(1, options.linesPerPage ?? 40)
  const pages: string[][] = []
  for (let i = 0; i < lines.length; i += perPage) pages.push(lines.slice(i, i + perPage))
  if (pages.length === 0) pages.push([])

  // Object numbers: 1 catalog, 2 pages, 3 font, then per page: page object, content stream.
  const objects: string[] = []
  const pageIds = pages.map((_, i) => 4 + i * 2)
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>'
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>'
  pages.forEach((pageLines, i) => {
    const pageId = 4 + i * 2
    const contentId = pageId + 1
    const ops = pageLines
      .map((line, j) => `BT /F1 12 Tf 72 ${770 - j * 18} Td (${pdfLiteral(line)}) Tj ET`)
      .join('\n')
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] ` +
      `/Resources << /Font << /F1 3 0 R >> >> /Contents ${contentId} 0 R >>`
    objects[contentId] = `<< /Length ${ops.length} >>\nstream\n${ops}\nendstream`
  })

  const encryptId = objects.length
  if (options.passwordProtected) {
    objects[encryptId] = `<< /Filter /Standard /V 1 /R 2 /P -4 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> >>`
  }

  // Everything is ASCII, so string length === byte length for the offsets.
  let body = '%PDF-1.4\n'
  const offsets: number[] = []
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = body.length
    body += `${id} 0 obj\n${objects[id]}\nendobj\n`
  }
  const xrefOffset = body.length
  const count = objects.length
  body += `xref\n0 ${count}\n0000000000 65535 f \n`
  for (let id = 1; id < count; id++) body += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`
  const security = options.passwordProtected ? ` /Encrypt ${encryptId} 0 R /ID [<${'01'.repeat(16)}> <${'01'.repeat(16)}>]` : ''
  body += `trailer\n<< /Size ${count} /Root 1 0 R${security} >>\nstartxref\n${xrefOffset}\n%%EOF\n`
  return encoder.encode(body)
}

// ---------------------------------------------------------------- OOXML

export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships'
const OFFICE_DOC_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument'

/** Zips entries deterministically (fixed mtime, fixed order, deflate level 6). */
export function makeZip(entries: Record<string, string | Uint8Array>): Uint8Array {
  const files: Zippable = {}
  for (const [name, content] of Object.entries(entries)) {
    files[name] = [typeof content === 'string' ? strToU8(content) : content, { mtime: ZIP_MTIME }]
  }
  return zipSync(files, { level: 6, mtime: ZIP_MTIME })
}

function contentTypes(overrides: Array<[string, string]>): string {
  return (
    XML_DECL +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    overrides.map(([part, type]) => `<Override PartName="${part}" ContentType="${type}"/>`).join('') +
    '</Types>'
  )
}

function rootRels(target: string): string {
  return (
    XML_DECL +
    `<Relationships xmlns="${REL_NS}"><Relationship Id="rId1" Type="${OFFICE_DOC_REL}" Target="${target}"/></Relationships>`
  )
}

/** The parts of a .pptx, exposed so tests can tamper with them (reorder slides, add entries, …). */
export function pptxEntries(slides: string[][]): Record<string, string> {
  const pml = 'application/vnd.openxmlformats-officedocument.presentationml'
  const entries: Record<string, string> = {
    '[Content_Types].xml': contentTypes([
      ['/ppt/presentation.xml', `${pml}.presentation.main+xml`],
      ...slides.map((_, i): [string, string] => [`/ppt/slides/slide${i + 1}.xml`, `${pml}.slide+xml`]),
    ]),
    '_rels/.rels': rootRels('ppt/presentation.xml'),
    'ppt/presentation.xml':
      XML_DECL +
      '<p:presentation xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' +
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ' +
      'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:sldIdLst>' +
      slides.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`).join('') +
      '</p:sldIdLst><p:sldSz cx="12192000" cy="6858000"/></p:presentation>',
    'ppt/_rels/presentation.xml.rels':
      XML_DECL +
      `<Relationships xmlns="${REL_NS}">` +
      slides
        .map(
          (_, i) =>
            `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide${i + 1}.xml"/>`,
        )
        .join('') +
      '</Relationships>',
  }
  slides.forEach((paragraphs, i) => {
    entries[`ppt/slides/slide${i + 1}.xml`] =
      XML_DECL +
      '<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' +
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ' +
      'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree>' +
      '<p:sp><p:txBody><a:bodyPr/>' +
      paragraphs.map((text) => `<a:p><a:r><a:rPr lang="en-US"/><a:t>${xmlEscape(text)}</a:t></a:r></a:p>`).join('') +
      '</p:txBody></p:sp></p:spTree></p:cSld></p:sld>'
  })
  return entries
}

/** A PowerPoint .pptx: one slide per entry of `slides`, one paragraph per string. */
export function makePptx(slides: string[][]): Uint8Array {
  return makeZip(pptxEntries(slides))
}

export function docxEntries(paragraphs: string[]): Record<string, string> {
  return {
    '[Content_Types].xml': contentTypes([
      ['/word/document.xml', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'],
    ]),
    '_rels/.rels': rootRels('word/document.xml'),
    'word/document.xml':
      XML_DECL +
      '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' +
      paragraphs.map((text) => `<w:p><w:r><w:t xml:space="preserve">${xmlEscape(text)}</w:t></w:r></w:p>`).join('') +
      '<w:sectPr/></w:body></w:document>',
  }
}

/** A Word .docx: one paragraph per string. */
export function makeDocx(paragraphs: string[]): Uint8Array {
  return makeZip(docxEntries(paragraphs))
}

export function xlsxEntries(strings: string[]): Record<string, string> {
  const sml = 'application/vnd.openxmlformats-officedocument.spreadsheetml'
  return {
    '[Content_Types].xml': contentTypes([
      ['/xl/workbook.xml', `${sml}.sheet.main+xml`],
      ['/xl/sharedStrings.xml', `${sml}.sharedStrings+xml`],
    ]),
    '_rels/.rels': rootRels('xl/workbook.xml'),
    'xl/workbook.xml':
      XML_DECL +
      '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    'xl/sharedStrings.xml':
      XML_DECL +
      `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${strings.length}" uniqueCount="${strings.length}">` +
      strings.map((text) => `<si><t xml:space="preserve">${xmlEscape(text)}</t></si>`).join('') +
      '</sst>',
  }
}

/** An Excel .xlsx whose shared-string table holds `strings` (no sheet data; enough to sniff and extract). */
export function makeXlsx(strings: string[]): Uint8Array {
  return makeZip(xlsxEntries(strings))
}

// ---------------------------------------------------------------- images

const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

/** A valid 1×1 transparent PNG (67 bytes). */
export function makePng(): Uint8Array {
  return new Uint8Array(Buffer.from(PNG_1X1, 'base64'))
}

/**
 * Text extracted from resource files for Postgres full-text search.
 *
 * PDF goes through pdfjs-dist (legacy build, loaded lazily so apps that only
 * import this module for its types never load it). OOXML is read entry by
 * entry from the ZIP central directory: declared sizes are checked first and
 * every inflation is streamed with a hard cap, so a zip bomb can neither make
 * us allocate its declared size nor inflate past the cap when it lies.
 *
 * Throws an Error with a readable message when a file can't be read (damaged
 * or password-protected PDF, damaged archive, zip bomb); the caller records
 * the extraction failure. Never returns more than MAX_EXTRACTED_CHARS.
 */
import { inflateCapped, readZipDirectory, resourceFileTypeForMime, zipEntryData, type ZipEntry } from './file-types'

export const MAX_EXTRACTED_CHARS = 200_000

/** Largest single ZIP entry we will inflate (declared or actual). */
export const MAX_ZIP_ENTRY_BYTES = 20 * 1024 * 1024
/** Largest total we will inflate from one archive. */
export const MAX_ZIP_TOTAL_BYTES = 50 * 1024 * 1024
/** Pages read from one PDF at most. */
export const MAX_PDF_PAGES = 500
/** Wall-clock budget for one PDF. */
export const PDF_TIME_BUDGET_MS = 60_000
/** Slides read from one presentation at most. */
const MAX_SLIDES = 2_000

const MIME = {
  pdf: 'application/pdf',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const

export async function extractResourceText(bytes: Uint8Array, mime: string): Promise<string> {
  switch (mime) {
    case MIME.pdf:
      return finish(await extractPdf(bytes))
    case MIME.pptx:
      return finish(extractPptx(new ZipReader(bytes)))
    case MIME.docx:
      return finish(extractDocx(new ZipReader(bytes)))
    case MIME.xlsx:
      return finish(extractXlsx(new ZipReader(bytes)))
    default: {
      const type = resourceFileTypeForMime(mime)
      if (type && !type.extractsText) return '' // images
      throw new Error(`Text extraction is not supported for ${mime || 'files without a type'}.`)
    }
  }
}

// ---------------------------------------------------------------- normalising

/**
 * Postgres-safe, whitespace-normalised text, capped: NUL and other control
 * characters go, runs of spaces collapse, lines are trimmed, no more than one
 * blank line in a row, lone surrogates dropped, and the cap never splits a pair.
 */
export function normaliseExtractedText(text: string): string {
  let out = text
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g, ' ')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/[\u2028\u2029]/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
  if (out.length > MAX_EXTRACTED_CHARS) {
    let end = MAX_EXTRACTED_CHARS
    const last = out.charCodeAt(end - 1)
    if (last >= 0xd800 && last <= 0xdbff) end--
    out = out.slice(0, end).trimEnd()
  }
  return out
}

const finish = normaliseExtractedText

/** Collects text pieces and says when enough has been gathered (with headroom for normalisation). */
class TextBudget {
  private readonly parts: string[] = []
  private size = 0
  push(text: string): void {
    if (this.full) return
    this.parts.push(text)
    this.size += text.length
  }
  get full(): boolean {
    return this.size >= MAX_EXTRACTED_CHARS * 2
  }
  toString(): string {
    return this.parts.join('')
  }
}

// ---------------------------------------------------------------- PDF

interface PdfTextItem {
  str?: string
  hasEOL?: boolean
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs')
let pdfjsPromise: Promise<PdfJs> | undefined

/**
 * Loads pdfjs once. The worker module is imported on the main thread and handed
 * over through globalThis.pdfjsWorker, so pdfjs never resolves a worker file by
 * URL at run time (which breaks under bundlers) and no worker thread is spawned.
 */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= (async () => {
    // @ts-ignore -- pdfjs-dist ships no type declarations for its worker entry.
    const worker: unknown = await import('pdfjs-dist/legacy/build/pdf.worker.mjs')
    ;(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker ??= worker
    return import('pdfjs-dist/legacy/build/pdf.mjs')
  })()
  pdfjsPromise.catch(() => {
    pdfjsPromise = undefined
  })
  return pdfjsPromise
}

async function extractPdf(bytes: Uint8Array): Promise<string> {
  const pdfjs = await loadPdfJs()
  const loadingTask = pdfjs.getDocument({
    // A plain Uint8Array copy: pdfjs may take ownership of (detach) the buffer it is given, and refuses Node Buffers.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    stopAtErrors: false,
    verbosity: 0, // errors only
  })
  let doc: Awaited<typeof loadingTask.promise>
  try {
    doc = await loadingTask.promise
  } catch (error) {
    await loadingTask.destroy().catch(() => undefined)
    const name = (error as { name?: unknown } | null)?.name
    if (name === 'PasswordException') throw new Error('The PDF is password-protected, so its text could not be extracted.')
    if (name === 'InvalidPDFException') throw new Error('The PDF is damaged or not a PDF, so its text could not be extracted.')
    throw new Error(`The PDF could not be read: ${error instanceof Error ? error.message : String(error)}`)
  }
  const budget = new TextBudget()
  const deadline = Date.now() + PDF_TIME_BUDGET_MS
  try {
    const pages = Math.min(doc.numPages, MAX_PDF_PAGES)
    for (let n = 1; n <= pages && !budget.full && Date.now() < deadline; n++) {
      const page = await doc.getPage(n)
      try {
        const content = await page.getTextContent()
        for (const item of content.items as PdfTextItem[]) {
          if (typeof item.str === 'string') budget.push(item.str)
          if (item.hasEOL) budget.push('\n')
        }
      } finally {
        page.cleanup()
      }
      budget.push('\n\n')
    }
  } catch (error) {
    throw new Error(`The PDF could not be read: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    await loadingTask.destroy().catch(() => undefined)
  }
  return budget.toString()
}

// ---------------------------------------------------------------- ZIP (OOXML)

class ZipReader {
  private readonly entries: Map<string, ZipEntry>
  private inflated = 0

  constructor(private readonly bytes: Uint8Array) {
    try {
      this.entries = new Map(readZipDirectory(bytes).map((e) => [e.name, e]))
    } catch (error) {
      throw new Error(`The file is not a readable Office document (${error instanceof Error ? error.message : String(error)}).`)
    }
  }

  has(name: string): boolean {
    return this.entries.has(name)
  }

  names(): string[] {
    return [...this.entries.keys()]
  }

  /** The entry as UTF-8 text, or null if absent. Enforces the per-entry and total caps. */
  text(name: string): string | null {
    const entry = this.entries.get(name)
    if (!entry) return null
    if (entry.encrypted) throw new Error('The document is password-protected, so its text could not be extracted.')
    if (entry.uncompressedSize > MAX_ZIP_ENTRY_BYTES || this.inflated + entry.uncompressedSize > MAX_ZIP_TOTAL_BYTES) {
      throw new Error(`The document is too large to extract text from (${name} declares ${entry.uncompressedSize} bytes).`)
    }
    const data = zipEntryData(this.bytes, entry)
    const limit = Math.min(MAX_ZIP_ENTRY_BYTES, MAX_ZIP_TOTAL_BYTES - this.inflated)
    let out: Uint8Array
    if (entry.method === 0) {
      if (data.length > limit) throw new Error(`The document is too large to extract text from (${name}).`)
      out = data
    } else if (entry.method === 8) {
      out = inflateCapped(data, limit, name)
    } else {
      throw new Error(`The document uses an unsupported compression method (${entry.method}) for ${name}.`)
    }
    this.inflated += out.length
    return new TextDecoder('utf-8', { fatal: false }).decode(out)
  }
}

// ---------------------------------------------------------------- XML text

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

export function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, body: string) => {
    if (body[0] !== '#') return NAMED_ENTITIES[body] ?? match
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10)
    if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return ''
    return String.fromCodePoint(code)
  })
}

/*
 * The XML is read with regular expressions, so every pattern here must run in
 * linear time on hostile input: attribute parts are `[^<>]*` (a tag cannot
 * contain `<`), and "from this tag to its end tag" is found with indexOf, not
 * a lazy `[\s\S]*?` that rescans the rest of the part for every opening tag.
 */

/** The text between the first `open…>` and the next `close`, or '' when either is missing. */
function between(xml: string, open: string, close: string): string {
  const start = xml.indexOf(open)
  if (start < 0) return ''
  const bodyStart = xml.indexOf('>', start)
  if (bodyStart < 0) return ''
  const end = xml.indexOf(close, bodyStart)
  return end < 0 ? '' : xml.slice(bodyStart + 1, end)
}

/** `xml` without every `open … close` element (an unclosed one runs to the end). */
function withoutElements(xml: string, open: string, close: string): string {
  let out = ''
  let from = 0
  for (;;) {
    const start = xml.indexOf(open, from)
    if (start < 0) return out + xml.slice(from)
    out += xml.slice(from, start)
    const end = xml.indexOf(close, start)
    if (end < 0) return out
    from = end + close.length
  }
}

/**
 * Text runs of a DrawingML/WordprocessingML part: `<{ns}:t>` runs, a newline
 * after each `</{ns}:p>` and for `<{ns}:br/>`, a tab for `<{ns}:tab/>`.
 */
function runsText(xml: string, ns: 'a' | 'w', budget: TextBudget): void {
  const pattern = new RegExp(
    `<${ns}:t(?:\\s[^<>]*)?>([^<]*)</${ns}:t>|</${ns}:p>|<${ns}:br\\b[^<>]*/>|<${ns}:(?:tab|cr)\\b[^<>]*/>`,
    'g',
  )
  for (const match of xml.matchAll(pattern)) {
    if (budget.full) return
    const [token, run] = match
    if (run !== undefined) budget.push(decodeXmlEntities(run))
    else if (token.startsWith(`</${ns}:p`) || token.startsWith(`<${ns}:br`) || token.startsWith(`<${ns}:cr`)) budget.push('\n')
    else budget.push('\t')
  }
}

/** Resolves a relationship target relative to the part that owns it ("slides/slide1.xml" from ppt/). */
function resolvePart(baseDir: string, target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : `${baseDir}/${target}`).split('/')
  const out: string[] = []
  for (const part of parts) {
    if (part === '..') out.pop()
    else if (part && part !== '.') out.push(part)
  }
  return out.join('/')
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"|\\s${name}\\s*=\\s*'([^']*)'`).exec(tag)?.slice(1).find((v) => v !== undefined)
}

/**
 * Slide part names in presentation order: `<p:sldIdLst>` through
 * ppt/_rels/presentation.xml.rels, falling back to the numbers in the slide file
 * names (slide2 before slide10) when that can't be read.
 */
function slideOrder(zip: ZipReader): string[] {
  const byNumber = zip
    .names()
    .filter((n) => /^ppt\/slides\/slide\d+\.xml$/.test(n))
    .sort((a, b) => Number(/(\d+)\.xml$/.exec(a)?.[1]) - Number(/(\d+)\.xml$/.exec(b)?.[1]))
  const presentation = zip.text('ppt/presentation.xml')
  const rels = zip.text('ppt/_rels/presentation.xml.rels')
  if (!presentation || !rels) return byNumber
  const targets = new Map<string, string>()
  for (const [tag] of rels.matchAll(/<Relationship\b[^<>]*>/g)) {
    const id = attribute(tag, 'Id')
    const target = attribute(tag, 'Target')
    if (id && target && attribute(tag, 'TargetMode') !== 'External') targets.set(id, resolvePart('ppt', decodeXmlEntities(target)))
  }
  const list = between(presentation, '<p:sldIdLst', '</p:sldIdLst>')
  const ordered: string[] = []
  for (const [tag] of list.matchAll(/<p:sldId\b[^<>]*>/g)) {
    const rid = attribute(tag, 'r:id')
    const part = rid ? targets.get(rid) : undefined
    if (part && zip.has(part) && !ordered.includes(part)) ordered.push(part)
  }
  return ordered.length > 0 ? ordered : byNumber
}

function extractPptx(zip: ZipReader): string {
  const budget = new TextBudget()
  for (const slide of slideOrder(zip).slice(0, MAX_SLIDES)) {
    if (budget.full) break
    const xml = zip.text(slide)
    if (xml) runsText(xml, 'a', budget)
    budget.push('\n\n')
  }
  return budget.toString()
}

function extractDocx(zip: ZipReader): string {
  const budget = new TextBudget()
  const xml = zip.text('word/document.xml')
  if (xml === null) throw new Error('The Word document has no word/document.xml part.')
  runsText(xml, 'w', budget)
  return budget.toString()
}

function extractXlsx(zip: ZipReader): string {
  const budget = new TextBudget()
  const xml = zip.text('xl/sharedStrings.xml')
  if (xml === null) return '' // a workbook with numbers only
  // <rPh> holds phonetic (furigana) readings that duplicate the visible text.
  const visible = withoutElements(xml, '<rPh', '</rPh>')
  for (const match of visible.matchAll(/<t(?:\s[^<>]*)?>([^<]*)<\/t>|<\/si>/g)) {
    if (budget.full) break
    const run = match[1]
    budget.push(run !== undefined ? decodeXmlEntities(run) : '\n')
  }
  return budget.toString()
}

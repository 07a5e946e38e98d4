/**
 * What the resource library accepts, decided from the bytes alone.
 *
 * The browser-sent type is never consulted and the file name only serves the
 * disguise check: a name's extension, when it has one, must agree with what the
 * bytes are. Anything a browser could run as script (HTML, SVG, XML, JS) is
 * refused, and so are executables, legacy OLE Office files, macro-enabled and
 * password-protected Office files, and ZIP archives that are not
 * PowerPoint/Word/Excel. OOXML is told apart by reading the ZIP central
 * directory; the only part inflated is `[Content_Types].xml` (capped), to
 * find macro-enabled documents.
 */
import { Inflate } from 'fflate'

export interface ResourceFileType {
  mime: string
  /** Canonical extension, without the dot. */
  extension: string
  /** 'PDF', 'PowerPoint', 'Word', 'Excel', 'PNG image', … */
  label: string
  /** True only for PDF and raster images. */
  previewInline: boolean
  extractsText: boolean
}

export type SniffResult = { ok: true; type: ResourceFileType } | { ok: false; message: string }

type TypeKey = 'pdf' | 'pptx' | 'docx' | 'xlsx' | 'png' | 'jpeg' | 'gif' | 'webp'

interface TypeSpec extends ResourceFileType {
  /** Every extension a file of this type may carry (lower case, no dot). */
  extensions: readonly string[]
  /** For messages: "its content is {noun}". */
  noun: string
}

const SPECS: Record<TypeKey, TypeSpec> = {
  pdf: { mime: 'application/pdf', extension: 'pdf', extensions: ['pdf'], label: 'PDF', noun: 'a PDF document', previewInline: true, extractsText: true },
  pptx: {
    mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    extension: 'pptx',
    extensions: ['pptx'],
    label: 'PowerPoint',
    noun: 'a PowerPoint presentation',
    previewInline: false,
    extractsText: true,
  },
  docx: {
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extension: 'docx',
    extensions: ['docx'],
    label: 'Word',
    noun: 'a Word document',
    previewInline: false,
    extractsText: true,
  },
  xlsx: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
    extensions: ['xlsx'],
    label: 'Excel',
    noun: 'an Excel spreadsheet',
    previewInline: false,
    extractsText: true,
  },
  png: { mime: 'image/png', extension: 'png', extensions: ['png'], label: 'PNG image', noun: 'a PNG image', previewInline: true, extractsText: false },
  jpeg: { mime: 'image/jpeg', extension: 'jpg', extensions: ['jpg', 'jpeg'], label: 'JPEG image', noun: 'a JPEG image', previewInline: true, extractsText: false },
  gif: { mime: 'image/gif', extension: 'gif', extensions: ['gif'], label: 'GIF image', noun: 'a GIF image', previewInline: true, extractsText: false },
  webp: { mime: 'image/webp', extension: 'webp', extensions: ['webp'], label: 'WebP image', noun: 'a WebP image', previewInline: true, extractsText: false },
}

function publicType(spec: TypeSpec): ResourceFileType {
  return { mime: spec.mime, extension: spec.extension, label: spec.label, previewInline: spec.previewInline, extractsText: spec.extractsText }
}

/** Every accepted type, in the order the UI lists them. */
export const RESOURCE_FILE_TYPES: readonly ResourceFileType[] = (Object.keys(SPECS) as TypeKey[]).map((k) => publicType(SPECS[k]))

/** For `<input type="file" accept="…">` (join with ','). */
export const ACCEPTED_RESOURCE_EXTENSIONS: readonly string[] = Object.values(SPECS).flatMap((s) => s.extensions.map((e) => `.${e}`))

/** The resource type for a stored mime type, or null. */
export function resourceFileTypeForMime(mime: string): ResourceFileType | null {
  const spec = Object.values(SPECS).find((s) => s.mime === mime)
  return spec ? publicType(spec) : null
}

const SUPPORTED_SENTENCE =
  'Upload a PDF, PowerPoint (.pptx), Word (.docx) or Excel (.xlsx) file, or a PNG, JPEG, GIF or WebP image.'

export const REFUSALS = {
  empty: 'The file is empty.',
  legacyOffice: 'Legacy Office files (.ppt/.doc/.xls) are not accepted; save it as .pptx/.docx/.xlsx.',
  passwordProtected: 'The file is password-protected; remove the password and upload it again.',
  macroOffice: 'Macro-enabled Office files are not accepted; save it as .pptx/.docx/.xlsx without macros.',
  openDocument: 'OpenDocument files (.odp/.odt/.ods) are not accepted; save it as .pptx/.docx/.xlsx.',
  executable: 'Programs and executable files are not accepted.',
  script: 'HTML, SVG, XML and script files are not accepted because they could run scripts in a browser.',
  zip: `ZIP archives are not accepted; upload the files inside it one by one. ${SUPPORTED_SENTENCE}`,
  damagedZip: 'The file looks like an Office document or ZIP archive but is damaged.',
  text: `Plain text files are not accepted. ${SUPPORTED_SENTENCE}`,
  unknown: `This file type is not supported. ${SUPPORTED_SENTENCE}`,
} as const

// ---------------------------------------------------------------- byte helpers

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false
  for (let i = 0; i < signature.length; i++) if (bytes[at + i] !== signature[i]) return false
  return true
}

function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0))
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8)
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0
}

function indexOfBytes(bytes: Uint8Array, needle: readonly number[]): number {
  const first = needle[0]
  outer: for (let i = bytes.indexOf(first ?? 0); i !== -1 && i <= bytes.length - needle.length; i = bytes.indexOf(first ?? 0, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

// ---------------------------------------------------------------- ZIP central directory

export interface ZipEntry {
  name: string
  /** 0 = stored, 8 = deflate. */
  method: number
  compressedSize: number
  /** As declared by the archive: may lie; never trust it as an upper bound when inflating. */
  uncompressedSize: number
  localHeaderOffset: number
  encrypted: boolean
}

export class ZipFormatError extends Error {}

const EOCD_SIG = 0x06054b50
const CDH_SIG = 0x02014b50
const LFH_SIG = 0x04034b50
const MAX_ZIP_ENTRIES = 20_000

/**
 * Reads the ZIP central directory (names, sizes, offsets) without inflating
 * anything. Throws ZipFormatError on a damaged or ZIP64 archive.
 */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  // End of central directory record: 22 bytes + a comment of up to 65535 bytes, at the very end.
  const minStart = Math.max(0, bytes.length - 22 - 0xffff)
  let eocd = -1
  for (let i = bytes.length - 22; i >= minStart; i--) {
    if (u32(bytes, i) === EOCD_SIG && i + 22 + u16(bytes, i + 20) <= bytes.length) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw new ZipFormatError('no end of central directory record')
  const count = u16(bytes, eocd + 10)
  const cdSize = u32(bytes, eocd + 12)
  const cdOffset = u32(bytes, eocd + 16)
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ZipFormatError('ZIP64 archives are not supported')
  if (count > MAX_ZIP_ENTRIES) throw new ZipFormatError('too many entries')
  if (cdOffset + cdSize > eocd) throw new ZipFormatError('central directory out of bounds')

  const decoder = new TextDecoder('utf-8', { fatal: false })
  const entries: ZipEntry[] = []
  let p = cdOffset
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || u32(bytes, p) !== CDH_SIG) throw new ZipFormatError('bad central directory entry')
    const flags = u16(bytes, p + 8)
    const nameLength = u16(bytes, p + 28)
    const extraLength = u16(bytes, p + 30)
    const commentLength = u16(bytes, p + 32)
    const end = p + 46 + nameLength + extraLength + commentLength
    if (end > eocd) throw new ZipFormatError('central directory entry out of bounds')
    const entry: ZipEntry = {
      name: decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength)),
      method: u16(bytes, p + 10),
      compressedSize: u32(bytes, p + 20),
      uncompressedSize: u32(bytes, p + 24),
      localHeaderOffset: u32(bytes, p + 42),
      encrypted: (flags & 1) === 1,
    }
    if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
      throw new ZipFormatError('ZIP64 archives are not supported')
    }
    entries.push(entry)
    p = end
  }
  return entries
}

/** The compressed bytes of one entry (a view, not a copy), located through its local header. */
export function zipEntryData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const at = entry.localHeaderOffset
  if (at + 30 > bytes.length || u32(bytes, at) !== LFH_SIG) throw new ZipFormatError(`bad local header for ${entry.name}`)
  const start = at + 30 + u16(bytes, at + 26) + u16(bytes, at + 28)
  const end = start + entry.compressedSize
  if (end > bytes.length) throw new ZipFormatError(`entry ${entry.name} out of bounds`)
  return bytes.subarray(start, end)
}

/**
 * Inflates raw DEFLATE data, feeding it in small chunks and aborting as soon as
 * the output passes `limit` — the declared size is not trusted. One 1 KiB
 * chunk can expand ~1000×, so the overshoot before aborting stays around 1 MiB.
 */
export function inflateCapped(data: Uint8Array, limit: number, name: string): Uint8Array {
  const chunks: Uint8Array[] = []
  let size = 0
  let overflow = false
  const inflater = new Inflate((chunk) => {
    size += chunk.length
    if (size > limit) overflow = true
    else chunks.push(chunk)
  })
  const step = 1024
  try {
    for (let i = 0; i < data.length && !overflow; i += step) {
      inflater.push(data.subarray(i, i + step), i + step >= data.length)
    }
  } catch (error) {
    throw new Error(`The document is damaged (${name} could not be decompressed: ${error instanceof Error ? error.message : String(error)}).`)
  }
  if (overflow) throw new Error(`The document is too large to extract text from (${name} inflates past ${limit} bytes).`)
  const out = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

// ---------------------------------------------------------------- sniffing

type Detected = { kind: 'type'; key: TypeKey } | { kind: 'refuse'; message: string }

const SCRIPT_EXTENSIONS = new Set([
  'html', 'htm', 'xhtml', 'xht', 'shtml', 'mht', 'mhtml', 'svg', 'svgz', 'xml', 'xsl', 'xslt', 'js', 'mjs', 'cjs', 'jsx', 'ts',
  'vbs', 'vbe', 'wsf', 'hta', 'ps1', 'bat', 'cmd', 'sh', 'php', 'asp', 'aspx', 'jsp', 'py', 'rb', 'pl', 'swf',
])

/** Markers that make text dangerous if a browser ever rendered it. */
const MARKUP_PATTERN =
  /^\s*<|<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|meta|link|style|img|a\s|xml|\?xml|xsl|math|form)\b|javascript\s*:/i

function detectZip(bytes: Uint8Array): Detected {
  let entries: ZipEntry[]
  try {
    entries = readZipDirectory(bytes)
  } catch {
    return { kind: 'refuse', message: REFUSALS.damagedZip }
  }
  const names = new Set(entries.map((e) => e.name))
  const ooxml = names.has('[Content_Types].xml')
  const key: TypeKey | null = !ooxml
    ? null
    : names.has('ppt/presentation.xml')
      ? 'pptx'
      : names.has('word/document.xml')
        ? 'docx'
        : names.has('xl/workbook.xml')
          ? 'xlsx'
          : null
  if (key) {
    if (entries.some((e) => e.encrypted)) return { kind: 'refuse', message: REFUSALS.passwordProtected }
    // Macros (a VBA project, or a macro-enabled main part) and ActiveX controls: code that Office may run.
    if (entries.some((e) => /(^|\/)vbaProject\.bin$/i.test(e.name) || /(^|\/)activeX\//i.test(e.name))) return { kind: 'refuse', message: REFUSALS.macroOffice }
    const contentTypes = entries.find((e) => e.name === '[Content_Types].xml')
    if (contentTypes && contentTypes.uncompressedSize <= 1_000_000) {
      try {
        const raw = zipEntryData(bytes, contentTypes)
        const xml = new TextDecoder().decode(contentTypes.method === 0 ? raw : inflateCapped(raw, 1_000_000, contentTypes.name))
        if (/macroEnabled/i.test(xml)) return { kind: 'refuse', message: REFUSALS.macroOffice }
      } catch {
        return { kind: 'refuse', message: REFUSALS.damagedZip }
      }
    }
    return { kind: 'type', key }
  }
  if (names.has('mimetype') && (names.has('content.xml') || names.has('META-INF/manifest.xml'))) {
    const first = entries[0]
    // OpenDocument stores "mimetype" first and uncompressed; its text says which kind.
    if (first?.name === 'mimetype' && first.method === 0) {
      try {
        const mime = new TextDecoder().decode(zipEntryData(bytes, first).subarray(0, 100))
        if (mime.startsWith('application/vnd.oasis.opendocument.')) return { kind: 'refuse', message: REFUSALS.openDocument }
      } catch {
        return { kind: 'refuse', message: REFUSALS.damagedZip }
      }
    }
  }
  return { kind: 'refuse', message: REFUSALS.zip }
}

/** Decodes the start of a file as text if it plausibly is text (BOM-aware), else null. */
function leadingText(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, 4096)
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    return new TextDecoder(head[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(head.subarray(2, head.length - (head.length % 2)))
  }
  let control = 0
  for (const b of head) {
    if (b === 0) return null
    if (b < 9 || (b > 13 && b < 32)) control++
  }
  if (control > head.length / 20) return null
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head)
  const replaced = (text.match(/\uFFFD/g) ?? []).length
  if (replaced > text.length / 10) return null
  return text.replace(/^\uFEFF/, '')
}

function detect(bytes: Uint8Array, extension: string | null): Detected {
  if (bytes.length === 0) return { kind: 'refuse', message: REFUSALS.empty }

  if (startsWith(bytes, ascii('%PDF-'))) return { kind: 'type', key: 'pdf' }
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'type', key: 'png' }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'type', key: 'jpeg' }
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return { kind: 'type', key: 'gif' }
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return { kind: 'type', key: 'webp' }

  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    // A password-protected .pptx/.docx/.xlsx is an OLE container holding an "EncryptedPackage" stream.
    const encryptedPackage = Array.from('EncryptedPackage').flatMap((c) => [c.charCodeAt(0), 0])
    return { kind: 'refuse', message: indexOfBytes(bytes, encryptedPackage) >= 0 ? REFUSALS.passwordProtected : REFUSALS.legacyOffice }
  }
  if (startsWith(bytes, ascii('PK\x03\x04'))) return detectZip(bytes)
  if (startsWith(bytes, ascii('PK\x05\x06')) || startsWith(bytes, ascii('PK\x07\x08'))) return { kind: 'refuse', message: REFUSALS.zip }

  const executable =
    startsWith(bytes, ascii('MZ')) ||
    startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46]) || // ELF
    startsWith(bytes, [0xfe, 0xed, 0xfa, 0xce]) || startsWith(bytes, [0xfe, 0xed, 0xfa, 0xcf]) || // Mach-O BE
    startsWith(bytes, [0xce, 0xfa, 0xed, 0xfe]) || startsWith(bytes, [0xcf, 0xfa, 0xed, 0xfe]) || // Mach-O LE
    startsWith(bytes, [0xca, 0xfe, 0xba, 0xbe]) || // Mach-O universal / Java class
    startsWith(bytes, [0x00, 0x61, 0x73, 0x6d]) || // WebAssembly
    startsWith(bytes, ascii('#!'))
  if (executable) return { kind: 'refuse', message: REFUSALS.executable }

  const text = leadingText(bytes)
  if (text !== null) {
    if (MARKUP_PATTERN.test(text) || (extension !== null && SCRIPT_EXTENSIONS.has(extension))) {
      return { kind: 'refuse', message: REFUSALS.script }
    }
    return { kind: 'refuse', message: REFUSALS.text }
  }
  if (extension !== null && SCRIPT_EXTENSIONS.has(extension)) return { kind: 'refuse', message: REFUSALS.script }
  return { kind: 'refuse', message: REFUSALS.unknown }
}

/**
 * The extension of a file name, lower case without the dot, or null when the
 * name has none. Path parts are ignored; a suffix counts as an extension only
 * if it is 1–10 letters/digits with at least one letter ("Deck v1.2" has none).
 */
export function fileNameExtension(fileName: string): string | null {
  const base = fileName.split(/[/\\]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  if (dot <= 0 || dot === base.length - 1) return null
  const ext = base.slice(dot + 1).trim().toLowerCase()
  return /^[a-z0-9]{1,10}$/.test(ext) && /[a-z]/.test(ext) ? ext : null
}

/**
 * Decides from the bytes what a file is, refusing anything not accepted and
 * any file whose name claims a different type than its content.
 */
export function sniffResourceFile(bytes: Uint8Array, fileName: string): SniffResult {
  const extension = fileNameExtension(fileName)
  const detected = detect(bytes, extension)
  if (detected.kind === 'refuse') return { ok: false, message: detected.message }
  const spec = SPECS[detected.key]
  if (extension !== null && !spec.extensions.includes(extension)) {
    return { ok: false, message: `The file is named .${extension} but its content is ${spec.noun}. Rename it or upload the right file.` }
  }
  return { ok: true, type: publicType(spec) }
}

// ---------------------------------------------------------------- download names

const TRANSLITERATIONS: Record<string, string> = {
  ä: 'ae', ö: 'oe', ü: 'ue', Ä: 'Ae', Ö: 'Oe', Ü: 'Ue', ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', œ: 'oe', Œ: 'OE',
  đ: 'd', Đ: 'D', ł: 'l', Ł: 'L', þ: 'th', Þ: 'Th', ð: 'd', Ð: 'D', ı: 'i',
  '–': '-', '—': '-', '‘': "'", '’': "'", '“': '"', '”': '"', '„': '"', '€': 'EUR', '£': 'GBP', '…': '...',
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** Removes control/bidi characters and path separators; keeps other Unicode. */
function cleanUnicodeName(name: string): string {
  return name
    .normalize('NFC')
    .replace(CONTROL_CHARS, ' ')
    .replace(/[/\\]+/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
}

/** Plain printable ASCII without quotes, slashes, backslashes, percent signs or shell/Windows-hostile characters. */
function toAscii(name: string): string {
  const transliterated = Array.from(cleanUnicodeName(name), (c) => TRANSLITERATIONS[c] ?? c).join('')
  return transliterated
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9 ._,()&+\-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.\-]+|[\s.\-]+$/g, '')
}

const MAX_DOWNLOAD_NAME = 120

/**
 * A file name to offer on download: the resource title (or the uploaded name),
 * ASCII-safe, ≤ 120 characters, always ending with the canonical extension.
 */
export function safeDownloadFileName(title: string | null, fileName: string, extension: string): string {
  const ext = extension.replace(/^\.+/, '').toLowerCase().replace(/[^a-z0-9]/g, '') || 'bin'
  const strip = (name: string) => {
    const base = name.split(/[/\\]/).pop() ?? ''
    const own = fileNameExtension(base)
    return own !== null ? base.slice(0, base.length - own.length - 1) : base
  }
  let base = toAscii(title?.trim() ? title : strip(fileName))
  // "Deck.pdf" as a title must not become "Deck.pdf.pdf".
  if (base.toLowerCase().endsWith(`.${ext}`)) base = toAscii(base.slice(0, -(ext.length + 1)))
  base = base.slice(0, MAX_DOWNLOAD_NAME - ext.length - 1).replace(/[\s.\-]+$/g, '')
  if (!base) base = 'download'
  if (WINDOWS_RESERVED.test(base)) base = `${base}-file`
  return `${base}.${ext}`
}

/** RFC 5987 attr-char percent-encoding of UTF-8 (encodeURIComponent leaves ' ( ) * which attr-char excludes). */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * A Content-Disposition header value (RFC 6266): an ASCII `filename` fallback
 * for old clients and the exact name, UTF-8 percent-encoded, in `filename*`.
 */
export function contentDisposition(disposition: 'inline' | 'attachment', fileName: string): string {
  const unicode = cleanUnicodeName(fileName).slice(0, 255) || 'download'
  let fallback = toAscii(unicode).slice(0, 200)
  if (!fallback || fallback.startsWith('.')) fallback = `download${fallback}`
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(unicode)}`
}

/** The name a download is offered under: the resource's title (any script) plus the canonical extension. */
export function resourceDownloadName(title: string, extension: string): string {
  const ext = extension.replace(/^\.+/, '').toLowerCase()
  const base = cleanUnicodeName(title).slice(0, MAX_DOWNLOAD_NAME - ext.length - 1).replace(/[\s.]+$/g, '') || 'download'
  return base.toLowerCase().endsWith(`.${ext}`) ? base : `${base}.${ext}`
}

/**
 * Response headers for serving a stored resource file from our origin: the
 * stored (sniffed) type and nosniff, so a browser never guesses HTML; a
 * sandboxing CSP for images and attachments; private caching only, since
 * access depends on the session.
 */
export function resourceFileHeaders(input: { mime: string; bytes: number; disposition: 'inline' | 'attachment'; title: string; extension: string }): Record<string, string> {
  return {
    'Content-Type': input.mime,
    'Content-Length': String(input.bytes),
    'Content-Disposition': contentDisposition(input.disposition, resourceDownloadName(input.title, input.extension)),
    'X-Content-Type-Options': 'nosniff',
    // Chrome's PDF viewer does not render under a CSP (sandbox or default-src 'none'); a PDF's own
    // scripts run inside the viewer, never with our origin's rights, so PDFs go without one.
    ...(input.mime === 'application/pdf' ? {} : { 'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox" }),
    // The portal previews a PDF in a frame on its own pages; nobody else may frame it.
    'X-Frame-Options': 'SAMEORIGIN',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'private, no-store',
  }
}

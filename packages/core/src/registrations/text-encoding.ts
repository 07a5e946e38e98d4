import chardet from 'chardet'

/**
 * Bytes → text for what partners send us: CSV files (Excel writes the
 * Windows code page of the user's locale unless told "CSV UTF-8") and
 * e-mail bodies in whatever charset the mail client declared. Decoding is
 * Node's `TextDecoder` (full ICU: every WHATWG encoding); what to decode
 * with is the BOM, then strict UTF-8, then a detector. When the bytes do not
 * say clearly which encoding they are in, callers refuse instead of storing
 * mojibake.
 */

/** Decoder names as `TextDecoder#encoding` reports them (WHATWG), e.g. 'utf-8', 'shift_jis', 'windows-1250'. */
export type TextEncodingName = string

/** Multi-byte East Asian encodings: they announce themselves by their byte structure, so the detector is reliable for them. */
const MULTI_BYTE = new Set(['shift_jis', 'euc-jp', 'iso-2022-jp', 'euc-kr', 'gbk', 'gb18030', 'big5'])

/** Single-byte code pages Excel and mail clients write, scored against each other when the detector is unsure. */
const SINGLE_BYTE_CANDIDATES = [
  'windows-1252', 'windows-1250', 'windows-1251', 'windows-1253', 'windows-1254', 'windows-1255', 'windows-1256', 'windows-1257', 'windows-1258',
  'iso-8859-2', 'iso-8859-5', 'iso-8859-7', 'koi8-r', 'macintosh',
] as const

/** chardet's names → the WHATWG decoder to use (ISO-8859-1 and -9 are read as their Windows supersets, as browsers do). */
const CHARDET_TO_WHATWG: Record<string, string> = {
  'Shift_JIS': 'shift_jis', 'EUC-JP': 'euc-jp', 'ISO-2022-JP': 'iso-2022-jp', 'EUC-KR': 'euc-kr', 'GB18030': 'gb18030', 'Big5': 'big5',
  'ISO-8859-1': 'windows-1252', 'ISO-8859-2': 'iso-8859-2', 'ISO-8859-5': 'iso-8859-5', 'ISO-8859-6': 'iso-8859-6', 'ISO-8859-7': 'iso-8859-7',
  'ISO-8859-8': 'iso-8859-8', 'ISO-8859-9': 'windows-1254', 'KOI8-R': 'koi8-r',
  'windows-1250': 'windows-1250', 'windows-1251': 'windows-1251', 'windows-1252': 'windows-1252', 'windows-1253': 'windows-1253',
  'windows-1254': 'windows-1254', 'windows-1255': 'windows-1255', 'windows-1256': 'windows-1256', 'windows-1257': 'windows-1257', 'windows-1258': 'windows-1258',
}

/**
 * Charset labels mail clients use that the WHATWG list lacks (Microsoft code
 * page numbers, a few misspellings); everything TextDecoder knows is accepted as is.
 */
const CHARSET_ALIASES: Record<string, string> = {
  cp932: 'shift_jis', 'windows-932': 'shift_jis', 'x-ms-cp932': 'shift_jis', 'shift-jis': 'shift_jis', sjis: 'shift_jis',
  cp936: 'gbk', 'windows-936': 'gbk', ms936: 'gbk',
  cp949: 'euc-kr', 'windows-949': 'euc-kr', ms949: 'euc-kr', 'x-windows-949': 'euc-kr', uhc: 'euc-kr',
  cp950: 'big5', 'windows-950': 'big5', ms950: 'big5', 'big5hkscs': 'big5',
  utf8: 'utf-8', 'utf-8bom': 'utf-8', 'x-utf-8': 'utf-8', 'utf8mb4': 'utf-8',
  'iso8859-15': 'iso-8859-15', 'iso-8859-8-e': 'iso-8859-8', 'latin-1': 'windows-1252', 'latin-2': 'iso-8859-2',
  'cp-1250': 'windows-1250', 'cp-1251': 'windows-1251', 'cp-1252': 'windows-1252', 'win-1252': 'windows-1252', 'win-1251': 'windows-1251', 'win-1250': 'windows-1250',
  'x-mac-roman': 'macintosh', macroman: 'macintosh', 'mac-roman': 'macintosh',
  '7bit': 'utf-8', '8bit': 'utf-8', 'us-ascii': 'windows-1252', ascii: 'windows-1252', 'ansi': 'windows-1252',
}

/**
 * The decoder for a declared charset label (MIME `charset=`, case and
 * surrounding quotes ignored), or null when neither TextDecoder nor the
 * aliases know it. UTF-7 and the WHATWG "replacement" encodings are never
 * decoded (UTF-7 smuggles markup past filters).
 */
export function resolveCharset(label: string): TextEncodingName | null {
  const cleaned = label.trim().replace(/^["']|["']$/g, '').trim().toLowerCase()
  if (cleaned === '' || cleaned.length > 40) return null
  const name = CHARSET_ALIASES[cleaned] ?? cleaned
  try {
    const encoding = new TextDecoder(name).encoding
    return encoding === 'replacement' ? null : encoding
  } catch {
    return null
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
  return new TextDecoder('windows-1252').decode(bytes).replace(/[\u0080-\u009F]/g, (control) => WINDOWS_1252_C1[control.charCodeAt(0) - 0x80] ?? control)
}

/**
 * Decodes with a known encoding. `fatal` throws on bytes that are not valid
 * in it (multi-byte encodings and UTF-8; single-byte code pages accept every
 * byte, so their check is `hasUndefinedCharacters`).
 */
export function decodeText(bytes: Uint8Array, encoding: TextEncodingName, options: { fatal?: boolean } = {}): string {
  if (encoding === 'windows-1252') return decodeWindows1252(bytes)
  return new TextDecoder(encoding, { fatal: options.fatal ?? false }).decode(bytes)
}

/** Unassigned bytes of a single-byte code page come out as C1 controls; real text never contains those (nor U+FFFD). */
function hasUndefinedCharacters(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if ((code >= 0x80 && code <= 0x9f) || code === 0xfffd) return true
  }
  return false
}

/**
 * C0/C1 control characters other than tab and line breaks: nothing a person
 * types, refused by Postgres (U+0000) or invisible in every UI. Stripped
 * from untrusted text before it is stored or shown. One pass, linear.
 */
export function stripControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g, '')
}

// ---------------------------------------------------------------------------
// Detection

export type DetectedEncoding =
  | { ok: true; encoding: TextEncodingName; text: string; via: 'bom' | 'utf-8' | 'utf-16' | 'detector' }
  | { ok: false }

/** How much of the text the detector and the scoring look at: lines with non-ASCII bytes, up to this many bytes. */
const SAMPLE_BYTES = 256 * 1024

/** The lines that hold non-ASCII bytes (what tells encodings apart), joined, up to SAMPLE_BYTES. */
function nonAsciiSample(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = []
  let total = 0
  let lineStart = 0
  let sawHigh = false
  for (let index = 0; index <= bytes.length && total < SAMPLE_BYTES; index++) {
    const byte = index < bytes.length ? bytes[index] : 0x0a
    if (byte === undefined) break
    if (byte >= 0x80) sawHigh = true
    if (byte === 0x0a) {
      if (sawHigh) {
        const line = bytes.subarray(lineStart, Math.min(index + 1, lineStart + SAMPLE_BYTES - total))
        parts.push(line)
        total += line.length
      }
      lineStart = index + 1
      sawHigh = false
    }
  }
  const sample = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    sample.set(part, offset)
    offset += part.length
  }
  return sample
}

const LETTER = /\p{L}|\p{M}/u
const UPPER = /\p{Lu}/u
const LOWER = /\p{Ll}/u
/** Symbols that turn up in business text on their own (prices, dates, quotes), as opposed to mis-decoded letters. */
const COMMON_SYMBOLS = new Set([...'€£¥°§©®™–—“”‘’„‚…•«»·²³½¼¾µ×÷±¢¤¬¦¨´¸¹º'])

type Script = 'latin' | 'cyrillic' | 'greek' | 'hebrew' | 'arabic' | 'other'

function scriptOf(char: string): Script {
  const code = char.codePointAt(0) ?? 0
  if (code < 0x250 || (code >= 0x1e00 && code < 0x1f00)) return 'latin'
  if (code >= 0x370 && code < 0x400) return 'greek'
  if (code >= 0x400 && code < 0x530) return 'cyrillic'
  if (code >= 0x590 && code < 0x600) return 'hebrew'
  if (code >= 0x600 && code < 0x700) return 'arabic'
  return 'other'
}

/**
 * How much a decoding looks like text people write, judged on its
 * non-ASCII characters: a letter in a word of one script scores, a symbol
 * inside a word ("M¸ller"), a word mixing scripts ("Mьller") or an upper-case
 * letter inside a lower-case word ("MŸller") costs. Linear in the text.
 */
function plausibility(text: string): number {
  let score = 0
  let index = 0
  const length = text.length
  while (index < length) {
    const char = text[index] as string
    const code = char.charCodeAt(0)
    const isWordChar = code >= 0x80 || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)
    if (!isWordChar) {
      index++
      continue
    }
    // One word: a run of ASCII letters and non-ASCII characters.
    let end = index
    while (end < length) {
      const next = text.charCodeAt(end)
      if (!(next >= 0x80 || (next >= 0x41 && next <= 0x5a) || (next >= 0x61 && next <= 0x7a))) break
      end++
    }
    score += wordScore(text.slice(index, end))
    index = end
  }
  return score
}

function wordScore(word: string): number {
  let nonAscii = 0
  for (let index = 0; index < word.length; index++) if (word.charCodeAt(index) >= 0x80) nonAscii++
  if (nonAscii === 0) return 0
  const chars = [...word]
  if (chars.length === 1) {
    const only = chars[0] as string
    return COMMON_SYMBOLS.has(only) ? 1 : 0
  }
  let score = 0
  const scripts = new Set<Script>()
  let hasLower = false
  for (const char of chars) {
    if (LETTER.test(char)) scripts.add(scriptOf(char))
    if (LOWER.test(char)) hasLower = true
  }
  if (scripts.size > 1) score -= 4
  chars.forEach((char, position) => {
    if (char.charCodeAt(0) < 0x80) return
    if (!LETTER.test(char)) {
      const atEdge = position === 0 || position === chars.length - 1
      score += atEdge && COMMON_SYMBOLS.has(char) ? 1 : -3
      return
    }
    if (position > 0 && UPPER.test(char) && hasLower) score -= 2
    else score += 1
  })
  return score
}

/**
 * The encoding of a text file from its bytes: a BOM (UTF-8, UTF-16 LE/BE),
 * UTF-16 without one, valid UTF-8 (plain ASCII included), else the detector
 * (chardet) for the East Asian multi-byte encodings and a plausibility score
 * among the single-byte code pages. `ok: false` when no encoding is clearly
 * right: the caller refuses rather than store mojibake.
 */
export function detectTextEncoding(bytes: Uint8Array): DetectedEncoding {
  const [first, second, third] = bytes
  // TextDecoder removes the BOM of its own encoding (ignoreBOM defaults to false).
  if (first === 0xef && second === 0xbb && third === 0xbf) return { ok: true, encoding: 'utf-8', text: new TextDecoder('utf-8').decode(bytes), via: 'bom' }
  if (first === 0xff && second === 0xfe) return { ok: true, encoding: 'utf-16le', text: new TextDecoder('utf-16le').decode(bytes), via: 'bom' }
  if (first === 0xfe && second === 0xff) return { ok: true, encoding: 'utf-16be', text: new TextDecoder('utf-16be').decode(bytes), via: 'bom' }
  const utf16 = sniffUtf16WithoutBom(bytes)
  if (utf16) return { ok: true, encoding: utf16, text: new TextDecoder(utf16).decode(bytes), via: 'utf-16' }
  try {
    return { ok: true, encoding: 'utf-8', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), via: 'utf-8' }
  } catch {
    // Not UTF-8: find out which legacy encoding below.
  }
  const chosen = detectLegacyEncoding(bytes)
  if (!chosen) return { ok: false }
  try {
    const text = decodeText(bytes, chosen, { fatal: true })
    if (!MULTI_BYTE.has(chosen) && hasUndefinedCharacters(text)) return { ok: false }
    return { ok: true, encoding: chosen, text, via: 'detector' }
  } catch {
    // Valid in the sample, not in the whole file.
    return { ok: false }
  }
}

/** The legacy (non-Unicode) encoding the bytes are most clearly in, or null when it is not clear. */
export function detectLegacyEncoding(bytes: Uint8Array): TextEncodingName | null {
  const sample = nonAsciiSample(bytes)
  if (sample.length === 0) return null
  const ranked = chardet
    .analyse(sample)
    .map((match) => ({ encoding: CHARDET_TO_WHATWG[match.name], confidence: match.confidence }))
    .filter((match): match is { encoding: string; confidence: number } => match.encoding !== undefined)
  const confidenceOf = (encoding: string) => ranked.find((match) => match.encoding === encoding)?.confidence ?? 0

  // East Asian multi-byte text: the detector reads its byte structure; trust a clear verdict that also decodes without error.
  const bestMultiByte = ranked.find((match) => MULTI_BYTE.has(match.encoding))
  const bestSingleByte = ranked.find((match) => !MULTI_BYTE.has(match.encoding))
  if (bestMultiByte && bestMultiByte.confidence >= 50 && bestMultiByte.confidence > (bestSingleByte?.confidence ?? 0)) {
    try {
      decodeText(sample, bestMultiByte.encoding, { fatal: true })
      return bestMultiByte.encoding
    } catch {
      // Not valid in that encoding after all; try the single-byte ones.
    }
  }

  // Single-byte code pages decode any byte; score each decoding and keep the best.
  const candidates = new Set<string>([...SINGLE_BYTE_CANDIDATES, ...ranked.filter((match) => !MULTI_BYTE.has(match.encoding)).map((match) => match.encoding)])
  const scored: Array<{ encoding: string; text: string; score: number }> = []
  for (const encoding of candidates) {
    const text = decodeText(sample, encoding)
    if (hasUndefinedCharacters(text)) continue
    scored.push({ encoding, text, score: plausibility(text) })
  }
  if (scored.length === 0) return null
  const best = Math.max(...scored.map((entry) => entry.score))
  if (best <= 0) return null
  const top = scored.filter((entry) => entry.score === best)
  // Candidates that read the bytes identically are one answer (umlauts are the same in 1250 and 1252).
  const readings = new Map<string, string[]>()
  for (const entry of top) readings.set(entry.text, [...(readings.get(entry.text) ?? []), entry.encoding])
  const preferred = (encodings: string[]) => (encodings.includes('windows-1252') ? 'windows-1252' : [...encodings].sort((left, right) => confidenceOf(right) - confidenceOf(left))[0] ?? null)
  if (readings.size === 1) return preferred(top.map((entry) => entry.encoding))
  // Different readings score alike: only a clear lead of the detector decides.
  const groups = [...readings.values()].map((encodings) => ({ encodings, confidence: Math.max(...encodings.map(confidenceOf)) })).sort((left, right) => right.confidence - left.confidence)
  const [leader, runnerUp] = groups
  if (leader && runnerUp && leader.confidence >= 30 && leader.confidence - runnerUp.confidence >= 10) return preferred(leader.encodings)
  return null
}

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

import { firstLines } from './inbound-email.js'
/**
 * What the partner actually wrote in a reply: the quoted history and the
 * signature removed. Mail clients mark the quote differently:
 *
 * - Gmail / Apple Mail / Thunderbird: an attribution line "On <date>, <name> wrote:"
 *   (German: "Am <date> schrieb <name>:"), possibly wrapped over two or three
 *   lines, followed by "> " lines;
 * - Outlook: "-----Original Message-----" / "-----Ursprüngliche Nachricht-----",
 *   or a header block "From: … / Sent: … / To: … / Subject: …" (German "Von:" /
 *   "Gesendet:"), often after a line of underscores;
 * - any client: lines starting with ">" (also when interleaved), a signature
 *   after "-- ", and "Sent from my iPhone"-style footers.
 *
 * Everything from the first quote marker on is dropped; ">" lines above it
 * are dropped too. A line is only a marker when it looks like one in full:
 * an attribution must start the line with "On"/"Am" and end with
 * "wrote:"/"schrieb …:" within three lines, a header block needs both
 * "From:" and "Sent:"/"Date:".
 *
 * The text is whatever anyone mailed us, so this is linear in it: only the
 * first MAX_REPLY_LINES lines are read (the reply is at the top), the
 * attribution's end is found with indexOf, and the remaining patterns are
 * anchored and run on short lines only.
 */

/** Lines read from the top of a reply; what the partner wrote comes first, the rest is history. */
const MAX_REPLY_LINES = 5000
/** Markers are short lines; longer ones are text. */
const MARKER_LINE_CHARS = 200

const MAX_ATTRIBUTION_LINES = 3

const ATTRIBUTION_START = /^(?:on|am|le|el|il|op)\s./i
const ORIGINAL_MESSAGE = /^-{2,}\s*(?:original message|ursprüngliche nachricht|forwarded message|weitergeleitete nachricht|message d'origine)\s*-{2,}\s*$/i
const HEADER_FROM = /^\*?(?:from|von|de)\s*:\*?\s+\S/i
const HEADER_SENT = /^\*?(?:sent|gesendet|date|datum|envoyé)\s*:\*?\s+\S/i
const UNDERSCORES = /^_{10,}\s*$/
const SIGNATURE = /^--\s?$/
const MOBILE_FOOTER = /^(?:sent from my (?:iphone|ipad|android|mobile|samsung)|von meinem (?:iphone|ipad|smartphone) gesendet|get outlook for (?:ios|android))\b.*$/i

export function stripQuotedReply(text: string): string {
  const lines = firstLines(text.replace(/\r\n?/g, '\n'), MAX_REPLY_LINES)
  const kept: string[] = []
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? ''
    const trimmed = line.trim()
    if (isQuoteStart(lines, index)) break
    if (SIGNATURE.test(line.trimEnd())) break
    if (trimmed.startsWith('>')) continue
    kept.push(line)
  }
  let end = kept.length
  while (end > 0 && ((kept[end - 1] ?? '').trim() === '' || isMobileFooter((kept[end - 1] ?? '').trim()))) end--
  let start = 0
  while (start < end && (kept[start] ?? '').trim() === '') start++
  return kept
    .slice(start, end)
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
}

function isMobileFooter(line: string): boolean {
  return line.length <= MARKER_LINE_CHARS && MOBILE_FOOTER.test(line)
}

/** "… wrote:", "Am … schrieb Max <max@x.de>:", "… a écrit :": ends with ":" after the verb. Linear. */
function endsAttribution(text: string): boolean {
  const lower = text.trimEnd().toLowerCase()
  if (!lower.endsWith(':')) return false
  const beforeColon = lower.slice(0, -1).trimEnd()
  // "schrieb" may be followed by the name; the other verbs end the line.
  if (containsWord(lower, 'schrieb')) return true
  return ['wrote', 'a écrit', 'escribió', 'ha scritto', 'schreef'].some((verb) => beforeColon.endsWith(verb) && !isWordCharacter(beforeColon[beforeColon.length - verb.length - 1]))
}

/** `word` occurs in `text` with no letter or digit right before or after it. */
function containsWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
    if (!isWordCharacter(text[at - 1]) && !isWordCharacter(text[at + word.length])) return true
  }
  return false
}

function isWordCharacter(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}_]/u.test(char)
}

function isQuoteStart(lines: string[], index: number): boolean {
  const line = (lines[index] ?? '').trim()
  const short = line.length <= MARKER_LINE_CHARS
  if (short && ORIGINAL_MESSAGE.test(line)) return true
  if (short && UNDERSCORES.test(line) && HEADER_FROM.test((nextNonEmpty(lines, index + 1) ?? '').slice(0, MARKER_LINE_CHARS))) return true
  if (HEADER_FROM.test(line.slice(0, MARKER_LINE_CHARS))) {
    // An Outlook header block: "From:" then "Sent:"/"Date:" within the next few lines.
    for (let offset = 1; offset <= 4; offset++) {
      const next = (lines[index + offset] ?? '').trim()
      if (HEADER_SENT.test(next.slice(0, MARKER_LINE_CHARS))) return true
    }
    return false
  }
  if (ATTRIBUTION_START.test(line)) {
    // "On …, Name <a@b.c> wrote:" — clients wrap long attributions over a few lines.
    for (let offset = 0; offset < MAX_ATTRIBUTION_LINES; offset++) {
      const next = (lines[index + offset] ?? '').trim()
      if (offset > 0 && next === '') break
      // The verb is in the last of the joined lines or, for "schrieb", possibly an earlier one.
      if (endsAttribution(next) || (offset > 0 && next.endsWith(':') && lines.slice(index, index + offset).some((earlier) => containsWord(earlier.toLowerCase(), 'schrieb')))) return true
    }
  }
  return false
}

function nextNonEmpty(lines: string[], from: number): string | undefined {
  // Only a few blank lines may sit between the underscores and the header.
  for (let index = from; index < Math.min(lines.length, from + 10); index++) {
    const line = (lines[index] ?? '').trim()
    if (line !== '') return line
  }
  return undefined
}

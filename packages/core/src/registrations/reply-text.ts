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
 */

const MAX_ATTRIBUTION_LINES = 3

const ATTRIBUTION_START = /^(?:on|am|le|el|il|op)\s.+/i
const ATTRIBUTION_END = /(?:\bwrote|\bschrieb\b.*|a écrit|escribió|ha scritto|schreef)\s*:\s*$/i
const ORIGINAL_MESSAGE = /^-{2,}\s*(?:original message|ursprüngliche nachricht|forwarded message|weitergeleitete nachricht|message d'origine)\s*-{2,}\s*$/i
const HEADER_FROM = /^\*?(?:from|von|de)\s*:\*?\s+\S/i
const HEADER_SENT = /^\*?(?:sent|gesendet|date|datum|envoyé)\s*:\*?\s+\S/i
const UNDERSCORES = /^_{10,}\s*$/
const SIGNATURE = /^--\s?$/
const MOBILE_FOOTER = /^(?:sent from my (?:iphone|ipad|android|mobile|samsung)|von meinem (?:iphone|ipad|smartphone) gesendet|get outlook for (?:ios|android))\b.*$/i

export function stripQuotedReply(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const kept: string[] = []
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? ''
    const trimmed = line.trim()
    if (isQuoteStart(lines, index)) break
    if (SIGNATURE.test(line.trimEnd())) break
    if (trimmed.startsWith('>')) continue
    kept.push(line)
  }
  while (kept.length > 0 && (kept[kept.length - 1]?.trim() === '' || MOBILE_FOOTER.test(kept[kept.length - 1]?.trim() ?? ''))) kept.pop()
  while (kept.length > 0 && kept[0]?.trim() === '') kept.shift()
  return kept
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
}

function isQuoteStart(lines: string[], index: number): boolean {
  const line = (lines[index] ?? '').trim()
  if (ORIGINAL_MESSAGE.test(line)) return true
  if (UNDERSCORES.test(line) && HEADER_FROM.test(nextNonEmpty(lines, index + 1) ?? '')) return true
  if (HEADER_FROM.test(line)) {
    // An Outlook header block: "From:" then "Sent:"/"Date:" within the next few lines.
    for (let offset = 1; offset <= 4; offset++) {
      const next = (lines[index + offset] ?? '').trim()
      if (HEADER_SENT.test(next)) return true
    }
    return false
  }
  if (ATTRIBUTION_START.test(line)) {
    // "On …, Name <a@b.c> wrote:" — clients wrap long attributions over a few lines.
    let joined = line
    for (let offset = 0; offset < MAX_ATTRIBUTION_LINES; offset++) {
      if (offset > 0) {
        const next = (lines[index + offset] ?? '').trim()
        if (next === '') break
        joined = `${joined} ${next}`
      }
      if (ATTRIBUTION_END.test(joined)) return true
    }
  }
  return false
}

function nextNonEmpty(lines: string[], from: number): string | undefined {
  for (let index = from; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim()
    if (line !== '') return line
  }
  return undefined
}

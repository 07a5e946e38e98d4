import { Transform, type TransformCallback } from 'node:stream'
import { Tokenizer } from 'htmlparser2'
import { parseAddressHeader, simpleParser, type AddressObject, type EmailAddress } from 'mailparser'
import { getDomain } from 'tldts'
import { registrationFieldLabels, STAGE_GUESSES, stageGuessLabels, type RegistrationFields, type StageGuess } from './input.js'
import { decodeText, detectTextEncoding, resolveCharset, stripControlCharacters } from './text-encoding.js'

/**
 * E-mail in (issue 3): a partner registers a lead by writing to the tenant's
 * registration address. The worker hands us either the raw RFC 822 message
 * or Resend's inbound JSON; both become an `InboundMail`, and
 * `extractRegistrationFields` reads "Label: value" lines out of it. The
 * result is raw strings only — `registrationFieldsSchema` validates them like
 * every other capture path, so nothing here decides what is acceptable.
 *
 * Everything here reads text an attacker wrote, so every step is linear in
 * its input: HTML goes through a streaming tokenizer, label lines and quote
 * markers are split with indexOf, the few regular expressions left are
 * anchored or only run on short lines, and the text is capped.
 */

export interface InboundMail {
  from: { email: string; name: string | null } | null
  to: string[]
  subject: string
  messageId: string | null
  inReplyTo: string | null
  text: string
  /** Values of the Authentication-Results headers, topmost (added last, by the receiving host) first. */
  authenticationResults?: string[]
  /** The declared charset of a body part that could not be read (unknown, or bytes invalid in it): the text is not reliable. */
  unreadableCharset?: string | null
  /** The text was longer than MAX_MAIL_TEXT_CHARS and was cut there. */
  truncated?: boolean
}

type FieldKey = keyof RegistrationFields

/** Lines of a mail that are read; a longer mail is refused on the registration path (`registrationMailProblem`). */
export const MAX_MAIL_LINES = 5000
/** Longest line of a registration mail. */
export const MAX_MAIL_LINE_CHARS = 10_000

/** The first `max` lines of `text` (split on "\n"), without splitting the rest. */
export function firstLines(text: string, max: number): string[] {
  const lines: string[] = []
  let start = 0
  while (lines.length < max) {
    const end = text.indexOf('\n', start)
    if (end === -1) {
      lines.push(text.slice(start))
      break
    }
    lines.push(text.slice(start, end))
    start = end + 1
  }
  return lines
}

/**
 * Why a mail cannot be read as a registration, in words for the sender:
 * its charset could not be read, or it is over one of the caps. Null when
 * it can be read.
 */
export function registrationMailProblem(mail: InboundMail): string | null {
  if (mail.unreadableCharset) {
    return `We could not read the character set of your e-mail (${mail.unreadableCharset.slice(0, 40)}), so we did not register anything from it. Please send it again from a mail program that writes UTF-8 (most do by default), or register in the partner portal.`
  }
  if (mail.truncated) return `Your e-mail is longer than ${MAX_MAIL_TEXT_CHARS.toLocaleString('en')} characters. A registration needs only the fields and a few lines about the customer.`
  let line = 0
  let start = 0
  while (start <= mail.text.length) {
    line++
    if (line > MAX_MAIL_LINES) return `Your e-mail has more than ${MAX_MAIL_LINES.toLocaleString('en')} lines. A registration needs only the fields and a few lines about the customer.`
    const end = mail.text.indexOf('\n', start)
    const stop = end === -1 ? mail.text.length : end
    if (stop - start > MAX_MAIL_LINE_CHARS) return `Line ${line} of your e-mail is longer than ${MAX_MAIL_LINE_CHARS.toLocaleString('en')} characters. Please put the details on separate lines.`
    if (end === -1) break
    start = end + 1
  }
  return null
}

/** Longest body text kept from a mail; a registration is a few hundred characters, a long thread a few ten thousand. */
export const MAX_MAIL_TEXT_CHARS = 200_000
/**
 * Longest HTML part converted to text: HTML is several times its text, and
 * the partner's text is at the top (Gmail itself clips messages at 102 KB).
 */
export const MAX_MAIL_HTML_CHARS = 512 * 1024
const MAX_SUBJECT_CHARS = 1000
/** Authentication-Results headers looked at, and the longest one read. */
const MAX_AUTH_HEADERS = 20
const MAX_AUTH_HEADER_CHARS = 8192

// ---------------------------------------------------------------------------
// Raw RFC 822
// ---------------------------------------------------------------------------

/**
 * Parses a raw message. mailparser splits the MIME structure and decodes
 * transfer encodings and headers; each text part's charset is decoded here
 * with TextDecoder (every WHATWG label plus the code-page aliases mail
 * clients use; ISO-8859-1 read as windows-1252, as browsers do, so "=80" is
 * "€"). A charset nobody knows, or bytes invalid in the declared one, fall
 * back to the detector; when that is not sure either, `unreadableCharset`
 * says so and the caller refuses the mail instead of storing U+FFFD.
 * Pass a Buffer for 8-bit messages: a string is taken as already decoded.
 */
export async function parseRawMail(raw: Buffer | string): Promise<InboundMail> {
  const unreadable: string[] = []
  const parsed = await simpleParser(raw, {
    // mailparser derives text from HTML only when the HTML is the whole message (not
    // for an HTML-only multipart/alternative), and then wraps it at 80 columns with
    // "[url]" after links — which splits "Label: value" lines. We convert it ourselves.
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    keepCidLinks: true,
    checksumAlgo: false,
    maxHeadSize: 256 * 1024,
    maxChildNodes: 200,
    Iconv: charsetDecoder(unreadable),
  })
  const sender = firstMailbox(parsed.from ? [parsed.from] : [])
  const plain = parsed.text ?? ''
  const text = plain.trim() !== '' ? plain : typeof parsed.html === 'string' ? htmlToPlainText(parsed.html) : ''
  // A part declared UTF-8 (or ASCII) is decoded by mailparser itself, invalid bytes becoming U+FFFD.
  if (unreadable.length === 0 && text.includes('\uFFFD')) unreadable.push('utf-8')
  const authenticationResults: string[] = []
  for (const header of parsed.headerLines ?? []) {
    if (header.key !== 'authentication-results' || authenticationResults.length >= MAX_AUTH_HEADERS) continue
    authenticationResults.push(headerValue(header.line))
  }
  return {
    from: sender,
    to: mailboxes(parsed.to === undefined ? [] : Array.isArray(parsed.to) ? parsed.to : [parsed.to]).map((mailbox) => mailbox.email),
    subject: cleanSubject(parsed.subject ?? ''),
    messageId: cleanHeader(parsed.messageId),
    inReplyTo: cleanHeader(parsed.inReplyTo),
    ...cleanBody(text),
    authenticationResults,
    unreadableCharset: unreadable[0] ?? null,
  }
}

/** "Authentication-Results: a;\r\n b" → "a; b", capped. */
function headerValue(line: string): string {
  const colon = line.indexOf(':')
  return line
    .slice(colon + 1, colon + 1 + MAX_AUTH_HEADER_CHARS)
    .replace(/\r?\n[ \t]*/g, ' ')
    .trim()
}

/**
 * mailparser's `Iconv` hook: a stream per text part that decodes the
 * declared charset with TextDecoder, falls back to the detector, and records
 * the charset in `unreadable` when neither reads the bytes.
 */
function charsetDecoder(unreadable: string[]) {
  return class CharsetDecoder extends Transform {
    private readonly chunks: Buffer[] = []

    constructor(private readonly charset: string) {
      super()
    }

    override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      this.chunks.push(chunk)
      done()
    }

    override _flush(done: TransformCallback) {
      const bytes = Buffer.concat(this.chunks)
      const declared = resolveCharset(this.charset)
      let text: string | null = null
      if (declared) {
        try {
          text = decodeText(bytes, declared, { fatal: true })
        } catch {
          text = null
        }
      }
      if (text === null) {
        const detected = detectTextEncoding(bytes)
        if (detected.ok) text = detected.text
        else {
          unreadable.push(this.charset.slice(0, 60) || 'unknown')
          text = decodeText(bytes, declared ?? 'utf-8')
        }
      }
      this.push(Buffer.from(text, 'utf8'))
      done()
    }
  }
}

function mailboxes(headers: AddressObject[]): Array<{ email: string; name: string | null }> {
  const result: Array<{ email: string; name: string | null }> = []
  const visit = (entry: EmailAddress) => {
    if (entry.group) entry.group.forEach(visit)
    // Addresses are compared case-insensitively everywhere else (partner lookup, routing).
    else if (entry.address) result.push({ email: stripControlCharacters(entry.address).trim().toLowerCase().slice(0, 320), name: stripControlCharacters(entry.name).trim().slice(0, 200) || null })
  }
  for (const header of headers) header.value.forEach(visit)
  return result
}

function firstMailbox(headers: AddressObject[]) {
  return mailboxes(headers)[0] ?? null
}

function normaliseText(text: string): string {
  return text.replace(/\r\n?/g, '\n').normalize('NFC')
}

function cleanSubject(subject: string): string {
  return stripControlCharacters(normaliseText(subject.slice(0, MAX_SUBJECT_CHARS * 2)).replace(/\n/g, ' ')).trim().slice(0, MAX_SUBJECT_CHARS)
}

function cleanHeader(value: string | null | undefined): string | null {
  if (!value) return null
  const cleaned = stripControlCharacters(value).trim().slice(0, 998)
  return cleaned === '' ? null : cleaned
}

/** Body text as stored and parsed: line ends normalised, control characters removed, capped. */
function cleanBody(text: string): { text: string; truncated: boolean } {
  const truncated = text.length > MAX_MAIL_TEXT_CHARS
  return { text: stripControlCharacters(normaliseText(truncated ? text.slice(0, MAX_MAIL_TEXT_CHARS) : text)), truncated }
}

// ---------------------------------------------------------------------------
// Resend
// ---------------------------------------------------------------------------

/*
 * What Resend sends (checked against resend.com/docs/webhooks/emails/received
 * and /docs/api-reference/emails/retrieve-received-email, 2026, and the
 * resend SDK's GetReceivingEmailResponseSuccess):
 *
 * - The `email.received` webhook is metadata only:
 *   `{ type: 'email.received', created_at, data: { email_id, created_at, from: 'Acme <a@b.c>',
 *   to: string[], cc: [], bcc: [], received_for: [], message_id: '<…>', subject, attachments: [{ id, filename, … }] } }`.
 *   "Webhooks do not include the email body, headers, or attachments": the body
 *   has to be fetched with GET /emails/receiving/{email_id} (`resendEmailIdToFetch`).
 * - That Received-email API answers with the same fields plus `html`, `text`
 *   (string or null), `headers` (an object of header name → value), `reply_to`,
 *   and `raw.download_url` (the original RFC 822 file, for `parseRawMail`).
 *   Neither carries a spam or authentication verdict of its own; the
 *   receiving host's Authentication-Results header, when present in
 *   `headers`, is read like in a raw message.
 *
 * `parseResendInbound` therefore accepts the webhook envelope when it carries
 * a body (a fetched email merged in), the API object itself, the SDK's
 * `{ data }` wrapper, or a bare data object, and throws when there is no body.
 */

export function parseResendInbound(payload: unknown): InboundMail {
  const data = resendData(payload)
  const fromValue = data.from
  if (typeof fromValue !== 'string' || fromValue.trim() === '') throw new Error('Resend inbound e-mail has no "from" address.')
  const toValue = data.to
  const toEntries = typeof toValue === 'string' ? [toValue] : toValue
  if (!Array.isArray(toEntries) || !toEntries.every((entry): entry is string => typeof entry === 'string')) {
    throw new Error('Resend inbound e-mail "to" must be an address or a list of addresses.')
  }
  const subject = optionalString(data, 'subject')
  const text = optionalString(data, 'text')
  const html = optionalString(data, 'html')
  if (text === null && html === null) {
    const emailId = typeof data.email_id === 'string' ? data.email_id : typeof data.id === 'string' ? data.id : null
    throw new Error(
      `Resend inbound e-mail${emailId ? ` ${emailId}` : ''} has no body: the email.received webhook carries metadata only, ` +
        'fetch the message with GET /emails/receiving/{email_id} and parse that.',
    )
  }
  const headers = resendHeaders(data.headers)
  const body = text !== null && text.trim() !== '' ? text : html !== null ? htmlToPlainText(html) : ''
  return {
    from: firstMailbox([parseAddressHeader(fromValue.slice(0, 2000), { flatten: true })]),
    to: mailboxes(toEntries.slice(0, 100).map((entry) => parseAddressHeader(entry.slice(0, 2000), { flatten: true }))).map((mailbox) => mailbox.email),
    subject: cleanSubject(subject ?? ''),
    messageId: cleanHeader(optionalString(data, 'message_id') ?? headers.get('message-id')?.[0]),
    inReplyTo: cleanHeader(headers.get('in-reply-to')?.[0]),
    ...cleanBody(body),
    authenticationResults: (headers.get('authentication-results') ?? []).slice(0, MAX_AUTH_HEADERS).map((value) => value.slice(0, MAX_AUTH_HEADER_CHARS)),
    unreadableCharset: body.includes('\uFFFD') ? 'utf-8' : null,
  }
}

/**
 * The Resend e-mail id whose body must be fetched, when `payload` is the
 * metadata-only `email.received` webhook; null when it already has a body or
 * is not a Resend inbound payload.
 */
export function resendEmailIdToFetch(payload: unknown): string | null {
  let data: Record<string, unknown>
  try {
    data = resendData(payload)
  } catch {
    return null
  }
  if (typeof data.text === 'string' || typeof data.html === 'string') return null
  return typeof data.email_id === 'string' && data.email_id !== '' ? data.email_id : null
}

/** The recipients a Resend payload names (webhook metadata or fetched e-mail), for routing before the body is read. */
export function resendRecipients(payload: unknown): string[] {
  const data = resendData(payload)
  const toValue = data.to
  const entries = typeof toValue === 'string' ? [toValue] : Array.isArray(toValue) ? toValue.filter((entry): entry is string => typeof entry === 'string') : []
  return entries.slice(0, 100).map((entry) => entry.slice(0, 2000))
}

function resendData(payload: unknown): Record<string, unknown> {
  if (!isRecord(payload)) throw new Error('Resend inbound payload must be a JSON object.')
  if (payload.type !== undefined) {
    if (payload.type !== 'email.received') {
      throw new Error(`Resend webhook event ${JSON.stringify(String(payload.type).slice(0, 60))} is not an inbound e-mail (expected "email.received").`)
    }
    if (!isRecord(payload.data)) throw new Error('Resend email.received payload has no "data" object.')
    return payload.data
  }
  // The SDK answers `{ data, error }`; the HTTP API and a bare webhook `data` are the object itself.
  if (isRecord(payload.data) && payload.from === undefined) return payload.data
  return payload
}

function optionalString(data: Record<string, unknown>, key: string): string | null {
  const value = data[key]
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw new Error(`Resend inbound e-mail "${key}" must be a string.`)
  return value
}

/** Resend documents headers as an object; other relays send `[{ name, value }]`. Keys are lower-cased; every value is kept. */
function resendHeaders(headers: unknown): Map<string, string[]> {
  const result = new Map<string, string[]>()
  const add = (name: unknown, value: unknown) => {
    if (typeof name !== 'string') return
    const values = (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === 'string')
    const key = name.toLowerCase()
    result.set(key, [...(result.get(key) ?? []), ...values.map((entry) => entry.trim())].slice(0, MAX_AUTH_HEADERS))
  }
  if (Array.isArray(headers)) for (const header of headers.slice(0, 500)) if (isRecord(header)) add(header.name, header.value)
  if (isRecord(headers)) for (const [name, value] of Object.entries(headers).slice(0, 500)) add(name, value)
  return result
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// ---------------------------------------------------------------------------
// Sender authentication
// ---------------------------------------------------------------------------

export type SenderAuthentication = { verdict: 'pass'; method: 'dkim' | 'dmarc'; domain: string } | { verdict: 'none'; reason: string }

/**
 * Whether the From: domain is vouched for by a host we trust: the topmost
 * Authentication-Results header (RFC 8601) whose authserv-id is one of
 * `trustedAuthservIds` (our receiving host prepends its header, so a forged
 * one claiming our id sits below it) reports `dmarc=pass` for the From
 * domain, or `dkim=pass` for a domain aligned with it (same registrable
 * domain, DMARC's relaxed alignment). Anything else — no trusted header, a
 * fail, a signature of another domain — is not authenticated.
 */
export function senderAuthentication(mail: Pick<InboundMail, 'from' | 'authenticationResults'>, trustedAuthservIds: readonly string[]): SenderAuthentication {
  const fromDomain = mail.from?.email.split('@')[1]?.toLowerCase()
  if (!fromDomain) return { verdict: 'none', reason: 'The mail has no sender address.' }
  const trusted = new Set(trustedAuthservIds.map((id) => id.trim().toLowerCase()).filter(Boolean))
  if (trusted.size === 0) return { verdict: 'none', reason: 'No trusted receiving host is configured (INBOUND_AUTHSERV_ID).' }
  const header = (mail.authenticationResults ?? []).map(parseAuthenticationResults).find((results) => results !== null && trusted.has(results.authservId))
  if (!header) return { verdict: 'none', reason: 'The mail carries no authentication results from our receiving host.' }
  const organisation = (domain: string) => getDomain(domain, { allowPrivateDomains: true }) ?? domain
  for (const result of header.results) {
    if (result.method === 'dmarc' && result.result === 'pass') {
      const headerFrom = result.properties.get('header.from')?.toLowerCase()
      if (!headerFrom || headerFrom === fromDomain) return { verdict: 'pass', method: 'dmarc', domain: fromDomain }
    }
  }
  for (const result of header.results) {
    if (result.method !== 'dkim' || result.result !== 'pass') continue
    const signer = (result.properties.get('header.d') ?? result.properties.get('header.i')?.split('@').pop() ?? '').toLowerCase().replace(/\.$/, '')
    if (signer && organisation(signer) === organisation(fromDomain)) return { verdict: 'pass', method: 'dkim', domain: signer }
  }
  return { verdict: 'none', reason: 'Neither DMARC nor an aligned DKIM signature passed for the sender’s domain.' }
}

interface AuthenticationResults {
  authservId: string
  results: Array<{ method: string; result: string; properties: Map<string, string> }>
}

/**
 * One Authentication-Results value, e.g. `mx.example.com; dkim=pass
 * header.d=partner.com (good signature); dmarc=pass header.from=partner.com`.
 * One pass removes comments (nested parentheses) outside quoted strings,
 * then the value is split at ";" and whitespace. Null when malformed.
 */
export function parseAuthenticationResults(value: string): AuthenticationResults | null {
  let plain = ''
  let depth = 0
  let quoted = false
  const capped = value.slice(0, MAX_AUTH_HEADER_CHARS)
  for (let index = 0; index < capped.length; index++) {
    const char = capped[index] as string
    if (quoted) {
      if (char === '\\') index++
      else if (char === '"') quoted = false
      else plain += char
      continue
    }
    if (char === '(') depth++
    else if (char === ')') depth = Math.max(0, depth - 1)
    else if (depth === 0) {
      if (char === '"') quoted = true
      else plain += char
    }
  }
  const [head, ...entries] = plain.split(';')
  const authservId = head?.trim().split(/\s+/)[0]?.toLowerCase()
  if (!authservId) return null
  const results: AuthenticationResults['results'] = []
  for (const entry of entries) {
    const [first, ...rest] = entry.trim().split(/\s+/)
    const equals = first?.indexOf('=') ?? -1
    if (!first || equals <= 0) continue
    const properties = new Map<string, string>()
    for (const token of rest) {
      const at = token.indexOf('=')
      if (at > 0) properties.set(token.slice(0, at).toLowerCase(), token.slice(at + 1))
    }
    results.push({ method: first.slice(0, equals).split('/')[0]?.toLowerCase() ?? '', result: first.slice(equals + 1).toLowerCase(), properties })
  }
  return { authservId, results }
}

// ---------------------------------------------------------------------------
// HTML → text
// ---------------------------------------------------------------------------

// Placeholders in the flattened text: a block boundary, a paragraph, and quote start/end.
// Text never contains them: C0 controls are removed from it first.
const BLOCK = '\u0000'
const PARAGRAPH = '\u0001'
const QUOTE_START = '\u0002'
const QUOTE_END = '\u0003'

const QUOTE_PREFIXES = ['', '> ', '> > ', '> > > ', '> > > > ', '> > > > > ']

/** Elements whose content is not text a person reads in the mail. */
const SKIPPED_ELEMENTS = new Set(['head', 'style', 'script', 'title', 'template'])
const BLOCK_ELEMENTS = new Set([
  'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'tr', 'table', 'thead', 'tbody', 'tfoot',
  'section', 'article', 'header', 'footer', 'main', 'aside', 'nav', 'center', 'address', 'pre', 'hr', 'figure',
])
const noop = () => undefined
/** Text with nothing to collapse or strip: no control characters, no whitespace but single spaces. */
function isPlainText(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === 32 ? text.charCodeAt(index + 1) === 32 : code < 32 || (code >= 0x7f && code <= 0xa0) || (code > 0xff && isWhitespace(code))) return false
  }
  return true
}

/**
 * A deliberately simple HTML → text conversion: enough for what mail clients
 * write (paragraphs, divs, <br>, tables, blockquotes), keeping one line per
 * visual line so "Label: value" lines survive. Quoted blocks come out with
 * "> " like a plain-text reply, so the extractor treats them the same way.
 *
 * htmlparser2's Tokenizer (a linear state machine; its Parser keeps an
 * element stack that nested or unbalanced tags make quadratic) emits tags and
 * text; we keep no stack, only counters, so 1 MB of "<", "<a" or "<div>" is
 * read in one pass.
 */
export function htmlToPlainText(html: string): string {
  const source = html.length > MAX_MAIL_HTML_CHARS ? html.slice(0, MAX_MAIL_HTML_CHARS) : html
  const out: string[] = []
  const skipped = new Map<string, number>()
  let skipping = 0
  let tagName = ''
  // An empty <div>/<p> (Gmail's <div><br></div>) is one blank line: where it started in `out`, and its <br>s so far.
  let empty: { name: string; at: number; breaks: number } | null = null
  // After </td>/</th>: where, so that a following <td>/<th> (only whitespace between) becomes a tab.
  let cellEnd = -1

  const push = (piece: string) => {
    out.push(piece)
  }
  // Text arrives in many small slices (every "<" that starts no tag is one); contiguous ones are joined and read once.
  let pendingFrom = -1
  let pendingTo = -1
  const flushText = () => {
    if (pendingFrom === -1) return
    const raw = source.slice(pendingFrom, pendingTo)
    pendingFrom = pendingTo = -1
    text(raw)
  }
  const text = (raw: string) => {
    if (skipping > 0 || raw === '') return
    // Whitespace in HTML source is not layout.
    const collapsed = isPlainText(raw) ? raw : stripControlCharacters(raw).replace(/\s+/g, ' ')
    if (collapsed === '') return
    if (collapsed !== ' ') {
      empty = null
      cellEnd = -1
    }
    push(collapsed)
  }
  const open = (name: string) => {
    flushText()
    if (SKIPPED_ELEMENTS.has(name)) {
      skipped.set(name, (skipped.get(name) ?? 0) + 1)
      skipping++
      return
    }
    // <body> ends an unclosed <head>.
    if (name === 'body' && (skipped.get('head') ?? 0) > 0) {
      skipping -= skipped.get('head') ?? 0
      skipped.set('head', 0)
    }
    if (skipping > 0) return
    if (name === 'br') {
      if (empty && empty.breaks === 0) empty.breaks = 1
      else empty = null
      push('\n')
      return
    }
    if ((name === 'td' || name === 'th') && cellEnd !== -1) {
      // Table cells side by side: "<td>Company</td><td>Acme</td>" reads as "Company<TAB>Acme".
      out.length = cellEnd
      push('\t')
      cellEnd = -1
      empty = null
      return
    }
    cellEnd = -1
    if (name === 'div' || name === 'p') {
      empty = { name, at: out.length, breaks: 0 }
      push(name === 'p' ? PARAGRAPH : BLOCK)
      return
    }
    empty = null
    if (name === 'blockquote') push(`${BLOCK}${QUOTE_START}${BLOCK}`)
    else if (BLOCK_ELEMENTS.has(name)) push(BLOCK)
  }
  const close = (name: string) => {
    flushText()
    const skippedCount = skipped.get(name) ?? 0
    if (SKIPPED_ELEMENTS.has(name)) {
      if (skippedCount > 0) {
        skipped.set(name, skippedCount - 1)
        skipping--
      }
      return
    }
    if (skipping > 0) return
    if (empty && empty.name === name) {
      out.length = empty.at
      push(PARAGRAPH)
      empty = null
      cellEnd = -1
      return
    }
    empty = null
    if (name === 'td' || name === 'th') {
      cellEnd = out.length
      return
    }
    cellEnd = -1
    if (name === 'p') push(PARAGRAPH)
    else if (name === 'br') push('\n')
    else if (name === 'blockquote') push(`${BLOCK}${QUOTE_END}${BLOCK}`)
    else if (BLOCK_ELEMENTS.has(name)) push(BLOCK)
  }

  const tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: true },
    {
      onopentagname: (start, end) => {
        tagName = source.slice(start, Math.min(end, start + 20)).toLowerCase()
      },
      onopentagend: () => open(tagName),
      onselfclosingtag: () => open(tagName),
      onclosetag: (start, end) => close(source.slice(start, Math.min(end, start + 20)).toLowerCase()),
      ontext: (start, end) => {
        if (skipping > 0) return
        if (pendingFrom !== -1 && start === pendingTo) pendingTo = end
        else {
          flushText()
          pendingFrom = start
          pendingTo = end
        }
      },
      ontextentity: (codePoint) => {
        if (skipping > 0) return
        flushText()
        // A no-break space is a space; soft hyphens and zero-width joiners are nothing.
        if (codePoint === 0xa0) text(' ')
        else if (codePoint !== 0xad && codePoint !== 0x200c && codePoint !== 0x200d) text(String.fromCodePoint(codePoint))
      },
      onattribdata: noop,
      onattribentity: noop,
      onattribend: noop,
      onattribname: noop,
      oncdata: noop,
      oncomment: noop,
      ondeclaration: noop,
      onend: noop,
      onprocessinginstruction: noop,
    },
  )
  tokenizer.write(source)
  tokenizer.end()
  flushText()

  const flattened = collapseBreaks(out.join('').replace(/ {2,}/g, ' '))
  const lines: string[] = []
  let depth = 0
  for (const rawLine of flattened.split('\n')) {
    const trimmed = rawLine.trim()
    if (trimmed === QUOTE_START) depth++
    else if (trimmed === QUOTE_END) depth = Math.max(0, depth - 1)
    else {
      const line = trimmed.includes('  ') ? trimmed.replace(/ {2,}/g, ' ') : trimmed
      // Deep nesting shows as at most a few markers: only "is it quoted" matters, and the output stays linear.
      lines.push(depth === 0 ? line : line === '' ? QUOTE_PREFIXES[Math.min(depth, 5)]!.trimEnd() : `${QUOTE_PREFIXES[Math.min(depth, 5)]}${line}`)
    }
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim()
}

/**
 * Each run of spaces, line breaks and block/paragraph boundaries becomes the
 * line breaks it stands for: as many as it has <br>s, at least two with a
 * paragraph, at least one with a block. Runs of spaces alone stay. One pass.
 */
function collapseBreaks(text: string): string {
  const parts: string[] = []
  let index = 0
  let keptFrom = 0
  while (index < text.length) {
    const char = text[index]
    if (char !== ' ' && char !== '\n' && char !== BLOCK && char !== PARAGRAPH) {
      index++
      continue
    }
    let end = index
    let breaks = 0
    let paragraph = false
    let block = false
    while (end < text.length) {
      const inRun = text[end]
      if (inRun === '\n') breaks++
      else if (inRun === PARAGRAPH) paragraph = true
      else if (inRun === BLOCK) block = true
      else if (inRun !== ' ') break
      end++
    }
    if (breaks > 0 || paragraph || block) {
      parts.push(text.slice(keptFrom, index), '\n'.repeat(Math.max(breaks, paragraph ? 2 : 0, block ? 1 : 0)))
      keptFrom = end
    }
    index = end
  }
  parts.push(text.slice(keptFrom))
  return parts.join('')
}

// ---------------------------------------------------------------------------
// Registration fields
// ---------------------------------------------------------------------------

export interface ParsedRegistrationMail {
  fields: Record<string, string>
  missing: Array<{ field: string; label: string }>
  /**
   * Lines the partner wrote (outside quotes and the signature) whose content
   * went into no field: labelled values we could not interpret (an unknown
   * stage or consent answer), a repeated single-value label, and free text
   * left over because the problem was given explicitly. Free text, unknown
   * labels included, becomes the problem otherwise and is not counted.
   */
  unrecognisedLines: number
}

/** How people label each field in a mail, English and German; registrationFieldLabels and the keys are added below. */
const LABEL_SYNONYMS: Record<FieldKey, string[]> = {
  kind: ['type', 'kind', 'registration type', 'art', 'typ'],
  companyName: ['company', 'company name', 'customer', 'customer name', 'account', 'account name', 'organisation', 'organization', 'firma', 'firmenname', 'unternehmen', 'kunde', 'kundenname'],
  website: ['website', 'web site', 'domain', 'web', 'url', 'homepage', 'site', 'webseite', 'internetseite', 'internetadresse'],
  contactName: ['contact', 'contact name', 'contact person', 'customer contact', 'name', 'ansprechpartner', 'ansprechpartnerin', 'kontakt', 'kontaktperson', 'kontaktname'],
  contactEmail: ['email', 'e-mail', 'mail', 'email address', 'e-mail address', 'contact email', 'contact e-mail', 'contact email address', 'e-mail-adresse', 'kontakt-e-mail'],
  contactRole: ['role', 'title', 'job title', 'position', 'contact role', 'rolle', 'funktion', 'jobtitel'],
  problem: ['problem', 'need', 'needs', 'fit', 'use case', 'pain', 'challenge', 'requirements', 'notes', 'note', 'description', 'details', 'comments', 'bedarf', 'anforderung', 'anforderungen', 'beschreibung', 'notizen', 'anmerkungen', 'herausforderung'],
  stageGuess: ['stage', 'status', 'customer stage', 'phase', 'stadium'],
  consent: ['consent', 'contact consent', 'opt-in', 'einwilligung', 'zustimmung', 'einverständnis'],
  region: ['region', 'territory', 'country', 'land', 'gebiet'],
  targetRevenue: ['target revenue', 'revenue', 'umsatz', 'zielumsatz'],
  productInterest: ['products', 'product', 'product interest', 'interest', 'produkte', 'produkt', 'produktinteresse', 'interesse'],
  competitors: ['competitors', 'competitor', 'competition', 'wettbewerber', 'wettbewerb', 'mitbewerber', 'konkurrenz'],
  amount: ['amount', 'deal size', 'deal value', 'deal amount', 'value', 'betrag', 'volumen', 'auftragswert', 'dealwert'],
  currency: ['currency', 'währung'],
  expectedClose: ['expected close', 'expected close date', 'close date', 'closing date', 'close', 'abschluss', 'abschlussdatum', 'erwarteter abschluss'],
  dealStage: ['deal stage', 'sales stage', 'opportunity stage', 'verkaufsphase', 'dealphase'],
  nextStep: ['next step', 'next steps', 'nächster schritt', 'nächste schritte'],
  coSellRequested: ['co-sell', 'cosell', 'co-selling', 'joint selling'],
}

/** "Contact e-mail", "contact email" and "Kontakt-E-Mail (optional)" all compare equal. */
function labelKey(label: string): string {
  return label
    .toLowerCase()
    .replace(/\(.*?\)/g, '')
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]/g, '')
}

const FIELD_BY_LABEL: ReadonlyMap<string, FieldKey> = (() => {
  const map = new Map<string, FieldKey>()
  for (const field of Object.keys(LABEL_SYNONYMS) as FieldKey[]) {
    for (const label of [field, registrationFieldLabels[field], ...LABEL_SYNONYMS[field]]) map.set(labelKey(label), field)
  }
  return map
})()

/** Free-text fields: their values may run over several lines and repeated labels add up. */
const LONG_FIELDS: ReadonlySet<FieldKey> = new Set(['problem', 'nextStep', 'competitors', 'productInterest'])

const REQUIRED_FOR_LEAD: FieldKey[] = ['companyName', 'contactName', 'contactEmail', 'problem', 'consent']
/** The schema's superRefine adds these for a deal. */
const REQUIRED_FOR_DEAL: FieldKey[] = ['amount', 'currency', 'expectedClose']

/** A label: a letter, then up to 100 letters, digits and a little punctuation (checked on at most 101 characters). */
const LABEL = /^\p{L}[\p{L}\p{N} ./&()'’_-]{0,100}$/u
const BULLET = /^[-*•·+]\s/
const NUMBERED = /^\d{1,2}[.)]\s/
/** How far into a line the separator of a label may be: bullet, asterisks, a 101-character label, spaces. */
const LABEL_WINDOW = 160

/**
 * "Company: Acme", "- **Company:** Acme", "1. Company: Acme",
 * "Company<TAB>Acme" (an HTML table row). The separator is the first ":",
 * "：" or tab near the start of the line (labels cannot contain one), found
 * with a bounded scan; only the short part before it is checked as a label.
 */
export function matchLabelLine(line: string): { field: FieldKey; value: string } | null {
  let start = 0
  while (start < line.length && isSpace(line.charCodeAt(start))) start++
  const head = line.slice(start, start + 4)
  if (BULLET.test(head) || NUMBERED.test(head)) {
    start += NUMBERED.test(head) ? head.search(/[.)]/) + 1 : 1
    while (start < line.length && isSpace(line.charCodeAt(start))) start++
  }
  let separator = -1
  for (let index = start, end = Math.min(line.length, start + LABEL_WINDOW); index < end; index++) {
    const char = line[index]
    if (char === ':' || char === '：' || char === '\t') {
      separator = index
      break
    }
  }
  if (separator === -1) return null
  const label = trimAsterisks(line.slice(start, separator))
  if (!LABEL.test(label)) return null
  const field = FIELD_BY_LABEL.get(labelKey(label))
  return field ? { field, value: trimAsterisks(line.slice(separator + 1)) } : null
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200a)
}

/** Surrounding whitespace and Markdown bold asterisks removed, in one pass from each end. */
function trimAsterisks(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && (value[start] === '*' || isSpace(value.charCodeAt(start)))) start++
  while (end > start && (value[end - 1] === '*' || isSpace(value.charCodeAt(end - 1)))) end--
  return value.slice(start, end)
}

// Where the partner's own text ends. These patterns are anchored and only run on short lines (MARKER_LINE_CHARS).
const MARKER_LINE_CHARS = 200
const SIGNATURE_SEPARATOR = /^--\s*$/
const MOBILE_SIGNATURE = /^(?:sent from my|sent from mail for|get outlook for|von meinem .* gesendet|gesendet von meinem)\b/i
const ORIGINAL_MESSAGE = /^-{2,}\s*(?:original message|ursprüngliche nachricht|originalnachricht|original-nachricht)\s*-{2,}$/i
const FORWARD_MARKER = /^(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht)\s*-{2,}|begin forwarded message:|anfang der weitergeleiteten nachricht:)$/i
const QUOTED_HEADER = /^(?:from|sent|date|to|cc|subject|reply-to|von|gesendet|datum|an|kopie|betreff|antwort an)\s*:/i
const ATTRIBUTION_START = /^(?:on|am|le|el|il|op)\s/i
const ATTRIBUTION_WORDS = ['wrote', 'schrieb', 'a écrit', 'escribió', 'ha scritto', 'schreef']
const FORWARDED_SUBJECT = /^\s*(?:fwd?|wg|tr|fw)\s*:/i
const REPLY_PREFIXES = /^\s*(?:(?:re|aw|antw|wg|fwd?|fw|tr|sv|vs)(?:\[\d+\])?\s*:\s*)+/i

/** "Thanks," / "Best regards" / "Viele Grüße" / "Cheers, Jane": what follows is the sender's signature. */
const CLOSING_LINE =
  /^(?:(?:(?:best|kind|warm|warmest|many|with)\s+)*(?:regards|wishes|thanks|thank you|cheers|best|greetings|thx)(?:\s+(?:a lot|again|so much|in advance))?|(?:mit\s+)?(?:(?:freundlichen|besten|vielen|viele|liebe|beste|herzliche|schöne)\s+)?(?:grüßen|grüße|gruß|grüssen|grüsse|gruss|dank)|danke(?:\s+(?:schön|dir|euch|sehr))?|mfg|lg|vg|bg)(?:\s*,\s*\p{L}[\p{L}.'-]*(?:\s+\p{L}[\p{L}.'-]*){0,2})?[\s,.!]*$/iu
/** Lines a closing may be followed by and still be a closing: a name, a company, a phone number. */
const MAX_SIGNATURE_LINES = 8

const SALUTATION_LINE = /^(?:hi|hello|hey|dear|hallo|hej|moin|servus|liebe[rs]?|sehr geehrte[rs]?|guten (?:tag|morgen|abend)|good (?:morning|afternoon|evening)|greetings)\b.{0,60}$/i
/** "Please register the following lead:" — an introduction, not the customer's problem. */
const INTRODUCTION_LINE =
  /^(?:please|pls|kindly|bitte|hiermit|i['’]?d like to|i would like to|we['’]?d like to|we would like to|ich möchte|wir möchten)\b.{0,80}\b(?:register|registrieren|registration|registrierung|anmelden|melden)\b/i

/** An introduction, or any line ending with ":" (it introduces what follows). */
function isIntroduction(line: string): boolean {
  return line.trimEnd().endsWith(':') || (line.length <= MARKER_LINE_CHARS && INTRODUCTION_LINE.test(line))
}

/** "On Mon, … Jane <jane@x.com> wrote:" and its wrapped tail "jane@x.com> wrote:": ends with ":" and names the verb. */
function isAttributionTail(line: string): boolean {
  if (!line.endsWith(':')) return false
  const lower = line.toLowerCase()
  return ATTRIBUTION_WORDS.some((word) => containsWord(lower, word))
}

function isAttributionLine(line: string): boolean {
  return ATTRIBUTION_START.test(line) && isAttributionTail(line)
}

/** `word` occurs in `text` with no letter or digit right before or after it. Linear (indexOf). */
function containsWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
    if (!isWordCharacter(text[at - 1]) && !isWordCharacter(text[at + word.length])) return true
  }
  return false
}

function isWordCharacter(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}_]/u.test(char)
}

/** A line that may be a marker or a closing: short (long lines are text, and the patterns stay cheap). */
const short = (line: string) => line.length <= MARKER_LINE_CHARS

/**
 * The lines the partner wrote: without quoted replies ("> …" and the "On …
 * wrote:" line; an Outlook-style quoted header block or "Original Message"
 * ends the text), the signature ("-- ", a closing such as "Best regards"
 * followed by a few lines) and an opening salutation. Forwarded messages are
 * kept, only their header block is skipped, because a partner forwarding the
 * customer's enquiry is registering exactly that.
 */
function partnerLines(text: string, subject: string): string[] {
  const lines = firstLines(text.replace(/\r\n?/g, '\n').replace(/[\u00a0\u2007\u202f]/g, ' ').replace(/[\u200b\u200e\u200f\ufeff]/g, ''), MAX_MAIL_LINES)
  const forwarded = FORWARDED_SUBJECT.test(subject)
  const kept: string[] = []
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trimEnd()
    const trimmed = line.trim()
    const marker = short(trimmed)
    if (marker && (SIGNATURE_SEPARATOR.test(line) || MOBILE_SIGNATURE.test(trimmed) || ORIGINAL_MESSAGE.test(trimmed))) break
    if (trimmed.startsWith('>') || (marker && /^_{8,}$/.test(trimmed))) continue
    const forwardMarker = marker && FORWARD_MARKER.test(trimmed)
    if (forwardMarker || isQuotedHeaderBlock(lines, index)) {
      if (!forwarded && !forwardMarker) break
      if (forwardMarker) index++
      while (index < lines.length && QUOTED_HEADER.test((lines[index] ?? '').trim())) index++
      index--
      continue
    }
    if (isAttributionLine(trimmed)) continue
    if (isAttributionTail(trimmed)) {
      // Gmail wraps long attributions: "On Mon, 3 Nov 2026, Jane Doe <\njane@x.com> wrote:".
      const previous = kept[kept.length - 1]?.trim() ?? ''
      if (/^(?:on|am)\s/i.test(previous)) {
        kept.pop()
        continue
      }
    }
    kept.push(line)
  }
  // A closing line followed by at most a few non-empty lines (the signature): counted from the end, one pass.
  let closing = -1
  let linesAfter = 0
  for (let index = kept.length - 1; index >= 0 && linesAfter <= MAX_SIGNATURE_LINES; index--) {
    const trimmed = (kept[index] ?? '').trim()
    if (short(trimmed) && CLOSING_LINE.test(trimmed)) closing = index
    if (trimmed !== '') linesAfter++
  }
  if (closing !== -1) kept.length = closing
  const firstContent = kept.findIndex((line) => line.trim() !== '')
  const first = (kept[firstContent] ?? '').trim()
  if (firstContent !== -1 && short(first) && SALUTATION_LINE.test(first) && !matchLabelLine(first)) kept.splice(firstContent, 1)
  return kept
}

/** An Outlook-style quoted header: "From: …" followed within a few lines by "Sent:"/"Date:" and "To:"/"Subject:". */
function isQuotedHeaderBlock(lines: string[], index: number): boolean {
  if (!/^(?:from|von)\s*:\s*\S/i.test((lines[index] ?? '').trimStart().slice(0, MARKER_LINE_CHARS))) return false
  const following = lines.slice(index + 1, index + 5).map((line) => line.trim())
  return following.some((line) => /^(?:sent|date|gesendet|datum)\s*:/i.test(line)) && following.some((line) => /^(?:to|an|subject|betreff)\s*:/i.test(line))
}

export function extractRegistrationFields(mail: InboundMail): ParsedRegistrationMail {
  const collected = new Map<FieldKey, string[]>()
  const freeText: string[] = []
  let unrecognisedLines = 0
  let current: { field: FieldKey; parts: string[]; awaitingValue: boolean } | null = null

  const finish = () => {
    if (!current) return
    const value = (LONG_FIELDS.has(current.field) ? current.parts.join('\n') : current.parts.join(' ')).trim()
    const values = collected.get(current.field) ?? []
    if (value !== '') {
      // A single-value field keeps its first answer; a second one is reported, not silently merged.
      if (values.length > 0 && !LONG_FIELDS.has(current.field)) unrecognisedLines++
      else values.push(value)
    }
    collected.set(current.field, values)
    current = null
  }

  for (const line of partnerLines(mail.text, mail.subject)) {
    if (line.trim() === '') {
      finish()
      freeText.push('')
      continue
    }
    const labelled = matchLabelLine(line)
    if (labelled) {
      finish()
      current = { field: labelled.field, parts: labelled.value ? [labelled.value] : [], awaitingValue: labelled.value === '' }
      continue
    }
    if (current) {
      const indented = /^[ \t]+\S/.test(line)
      // Indented lines continue any value; free-text fields also run on until a blank line;
      // "Company:" with nothing after it takes the next line.
      if (indented || LONG_FIELDS.has(current.field) || current.awaitingValue) {
        current.parts.push(line.trim())
        current.awaitingValue = false
        continue
      }
      finish()
    }
    freeText.push(line.trim())
  }
  finish()

  const fields: Record<string, string> = {}

  for (const [field, values] of collected) {
    const value = cleanValue(LONG_FIELDS.has(field) ? values.join('\n') : (values[0] ?? ''), field)
    if (value === null) continue
    switch (field) {
      case 'stageGuess': {
        const stage = stageFromWords(value)
        if (stage) fields.stageGuess = stage
        else unrecognisedLines++
        break
      }
      case 'consent':
      case 'coSellRequested': {
        const answer = yesOrNo(value)
        if (answer) fields[field] = answer
        else unrecognisedLines++
        break
      }
      case 'kind': {
        const kind = kindFromWords(value)
        if (kind) fields.kind = kind
        else unrecognisedLines++
        break
      }
      default:
        fields[field] = value
    }
  }

  // "Contact: Jane Doe <jane@acme.com>" or "Contact e-mail: Jane Doe <jane@acme.com>" name both.
  for (const source of ['contactName', 'contactEmail'] as const) {
    const value = fields[source]
    if (value === undefined) continue
    const address = firstEmailAddress(value)
    if (!address) continue
    const name = withoutAddressToken(value).replace(/["'()[\]<>,;]/g, ' ').replace(/\s+/g, ' ').trim()
    if (source === 'contactEmail' || fields.contactEmail === undefined) fields.contactEmail = address.toLowerCase()
    if (name) {
      if (source === 'contactName' || fields.contactName === undefined) fields.contactName = name
    } else if (source === 'contactName') delete fields.contactName
  }

  if (fields.website !== undefined) fields.website = withoutLinkAnnotation(fields.website)

  if (fields.amount !== undefined) {
    const { amount, currency } = splitAmount(fields.amount)
    fields.amount = amount
    if (currency && fields.currency === undefined) fields.currency = currency
  }
  if (fields.currency !== undefined) fields.currency = currencyCode(fields.currency)

  const subject = readSubject(mail.subject)
  if (fields.companyName === undefined && subject.companyName) fields.companyName = subject.companyName
  if (fields.kind === undefined && (subject.deal || fields.amount !== undefined)) fields.kind = 'deal'

  // Text that is not a labelled field is the partner describing the opportunity.
  const prose = freeText.filter((line) => line === '' || !isIntroduction(line)).join('\n').replace(/\n{3,}/g, '\n\n').trim()
  if (fields.problem === undefined) {
    if (prose) fields.problem = prose
  } else if (prose) unrecognisedLines += prose.split('\n').filter((line) => line.trim() !== '').length

  const required = fields.kind === 'deal' ? [...REQUIRED_FOR_LEAD, ...REQUIRED_FOR_DEAL] : REQUIRED_FOR_LEAD
  const missing = required.filter((field) => fields[field] === undefined).map((field) => ({ field, label: registrationFieldLabels[field] }))

  return { fields, missing, unrecognisedLines }
}

/** Characters that end an address in running text: whitespace and <>()[]"',;: */
function isAddressBreak(char: string): boolean {
  return char === '<' || char === '>' || char === '(' || char === ')' || char === '[' || char === ']' || char === '"' || char === "'" || char === ',' || char === ';' || char === ':' || isWhitespace(char.charCodeAt(0))
}

/** JavaScript's \s, by code. */
function isWhitespace(code: number): boolean {
  return (code >= 9 && code <= 13) || code === 32 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
}

/**
 * The first e-mail address in a value ("Jane Doe <jane@acme.com>",
 * "mailto:jane@acme.com" → the address after the colon): within each run of
 * non-break characters, local part up to the last "@" that has a dotted
 * domain after it. One pass over the runs.
 */
export function firstEmailAddress(value: string): string | null {
  let start = 0
  while (start < value.length) {
    while (start < value.length && isAddressBreak(value[start] as string)) start++
    let end = start
    while (end < value.length && !isAddressBreak(value[end] as string)) end++
    const run = value.slice(start, end)
    // The domain's last dot with something other than a dot after it.
    let dot = run.length - 1
    while (dot > 0 && !(run[dot] === '.' && dot + 1 < run.length && run[dot + 1] !== '.')) dot--
    if (dot > 0) {
      // The tail after that dot ends at the next dot (none in the top-level part).
      const tailEnd = run.indexOf('.', dot + 1)
      const at = run.lastIndexOf('@', dot - 2)
      if (at > 0) return run.slice(0, tailEnd === -1 ? run.length : tailEnd)
    }
    start = end
  }
  return null
}

const isTokenBreak = (code: number) => code === 60 /* < */ || code === 62 /* > */ || isWhitespace(code)

/** The value without its first address token ("<mailto:jane@acme.com>" or "jane@acme.com"), for the name beside it. */
function withoutAddressToken(value: string): string {
  let start = 0
  let at = -2
  while (start < value.length) {
    while (start < value.length && isTokenBreak(value.charCodeAt(start))) start++
    let end = start
    while (end < value.length && !isTokenBreak(value.charCodeAt(end))) end++
    // The next "@" after this token's first character, searched again only once passed.
    if (at !== -1 && at <= start) at = value.indexOf('@', start + 1)
    if (at === -1) return value
    if (at < end - 1) {
      const from = value[start - 1] === '<' ? start - 1 : start
      const to = value[end] === '>' ? end + 1 : end
      return `${value.slice(0, from)}${value.slice(to)}`
    }
    start = end
  }
  return value
}

/** Values meaning "nothing here" — a template line answered with a dash is still missing. */
const PLACEHOLDERS = new Set(['-', '–', '—', '?', '??', '...', '…', 'n/a', 'na', 'tbd', 'tba', 'k.a.', 'k. a.', 'unknown', 'unbekannt', 'none', 'keine', 'nil', 'null'])

function cleanValue(raw: string, field: FieldKey): string | null {
  let value = trimAsterisks(raw).trim()
  if (!LONG_FIELDS.has(field)) value = value.replace(/\s+/g, ' ')
  if (value === '' || PLACEHOLDERS.has(value.toLowerCase())) return null
  return value
}

/** Plain-text parts of HTML mails write links as "acme.com <https://acme.com>" or "acme.com [https://acme.com]". */
function withoutLinkAnnotation(value: string): string {
  const open = linkAnnotationStart(value)
  const stripped = (open === -1 ? value : value.slice(0, open)).trim()
  return stripped !== '' ? stripped : value.replace(/^<|>$/g, '')
}

/** Where a trailing "<https://…>" / "[mailto:…]" starts: after the last ">"/"]" before the end, at a URL scheme. -1 without one. */
function linkAnnotationStart(value: string): number {
  const last = value[value.length - 1]
  if (last !== '>' && last !== ']') return -1
  let from = value.length - 2
  while (from >= 0 && value[from] !== '>' && value[from] !== ']') from--
  for (let open = from + 1; open < value.length - 1; open++) {
    if (value[open] !== '<' && value[open] !== '[') continue
    const scheme = value.slice(open + 1, open + 9).toLowerCase()
    if (scheme.startsWith('http://') || scheme.startsWith('https://') || scheme.startsWith('mailto:')) return open
  }
  return -1
}

function stageFromWords(raw: string): StageGuess | null {
  const words = raw.toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim()
  for (const stage of STAGE_GUESSES) {
    if (words === stage.replace('_', ' ') || words === stageGuessLabels[stage].toLowerCase()) return stage
  }
  // Most advanced first: "budget approved, choosing a vendor" is past "exploring".
  if (/budget/.test(words) && /approv|freigegeben|genehmigt|bewilligt|allocated|confirmed|secured|vorhanden|available|steht/.test(words)) return 'budget_approved'
  if (/vendor|supplier|anbieter|lieferant|shortlist|short list|choos|selection|auswahl|ausschreibung|\brfp\b|\brfq\b|tender|negotiat|verhandl|proof of concept|\bpoc\b/.test(words)) return 'vendor_selection'
  if (/active|project|projekt|evaluat|evaluier|pilot|trial|testing|aktiv|in progress|planning|planung/.test(words)) return 'active_project'
  if (/explor|research|early|interest|curious|informier|orientier|erkund|sondier|\bidea\b|just looking|früh|first (?:call|meeting|contact)|erstgespräch|erstes gespräch/.test(words)) return 'exploring'
  return null
}

/** The form values `registrationFieldsSchema`'s boolean fields accept. */
function yesOrNo(raw: string): 'yes' | 'no' | null {
  const value = raw.toLowerCase().trim()
  if (/^(?:yes|y|yep|yeah|ja|j|jo|true|x|\[x\]|1|on|ok|okay|agreed|confirmed|granted|given|einverstanden|zugestimmt|erteilt|liegt vor|vorhanden|✓|✔|☑|☒)(?![\p{L}\p{N}])/u.test(value)) return 'yes'
  if (/^(?:no|n|nein|false|0|off|not|nicht|noch nicht|\[ ?\])(?![\p{L}\p{N}])/u.test(value)) return 'no'
  return null
}

function kindFromWords(raw: string): 'lead' | 'deal' | null {
  const value = raw.toLowerCase().trim()
  if (/^(?:deal|opportunity|opp|verkaufschance|auftrag)(?![\p{L}])/u.test(value)) return 'deal'
  if (/^(?:lead|interessent)(?![\p{L}])/u.test(value)) return 'lead'
  return null
}

const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : ['EUR', 'USD', 'GBP', 'CHF'],
)

const CURRENCY_WORDS: Array<[RegExp, string]> = [
  [/US\s?\$|\$|\bdollars?\b/i, 'USD'],
  [/€|\beuros?\b/i, 'EUR'],
  [/£|\bpounds?\b/i, 'GBP'],
  [/\bsfr\.?|\bfranken\b/i, 'CHF'],
  [/¥|\byen\b/i, 'JPY'],
]

function currencyCode(raw: string): string {
  const value = raw.trim()
  if (KNOWN_CURRENCIES.has(value.toUpperCase())) return value.toUpperCase()
  for (const [pattern, code] of CURRENCY_WORDS) if (pattern.test(value)) return code
  return value
}

/**
 * "50.000 €", "EUR 50k", "ca. $20,000" → the number for `parseAmount` and the
 * currency it names. A three-letter code only counts next to the number, so
 * words in "about 50k per year" are not mistaken for currencies.
 */
function splitAmount(raw: string): { amount: string; currency: string | null } {
  let amount = raw.trim()
  let currency: string | null = null
  const code = /^([A-Za-z]{3})\s*(?=[\d.,])|(?<=[\dkK.,-])\s*([A-Za-z]{3})\.?$/.exec(amount)
  const candidate = (code?.[1] ?? code?.[2])?.toUpperCase()
  if (code && candidate && KNOWN_CURRENCIES.has(candidate)) {
    currency = candidate
    amount = amount.replace(code[0], ' ')
  } else {
    for (const [pattern, symbolCode] of CURRENCY_WORDS) {
      if (!pattern.test(amount)) continue
      currency = symbolCode
      amount = amount.replace(pattern, ' ')
      break
    }
  }
  amount = amount
    .replace(/^\s*(?:ca\.?|circa|approx\.?|approximately|about|around|roughly|rund|etwa|ungefähr|~|≈)\s*/i, '')
    .replace(/[,.]-+\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
  // "48.500" is forty-eight thousand in German mails; parseAmount would read a decimal point.
  if (/^\d{1,3}(?:\.\d{3})+$/.test(amount)) amount = amount.replace(/\./g, '')
  return { amount: amount || raw.trim(), currency }
}

/** Subject words that introduce the company: "Registration: Acme", "Lead: Acme", "Neuer Deal: Müller GmbH". */
const SUBJECT_KEYWORDS = new Set(
  ['registration', 'register', 'lead', 'deal', 'new lead', 'new deal', 'lead registration', 'deal registration', 'opportunity',
    'registrierung', 'anmeldung', 'neuer lead', 'neuer deal', 'lead-registrierung', 'deal-registrierung', 'leadregistrierung', 'dealregistrierung'].map(labelKey),
)

function readSubject(rawSubject: string): { companyName: string | null; deal: boolean } {
  const subject = rawSubject.replace(REPLY_PREFIXES, '').trim()
  const match = /^([^:]{1,40}):\s*(.+)$/.exec(subject)
  if (!match) return { companyName: null, deal: false }
  const key = labelKey(match[1] ?? '')
  const value = (match[2] ?? '').replace(/^["'“„]|["'”“]$/g, '').trim()
  const isCompany = FIELD_BY_LABEL.get(key) === 'companyName' || SUBJECT_KEYWORDS.has(key)
  return { companyName: isCompany && value ? value : null, deal: isCompany && key.includes('deal') }
}

/** A template to copy into a mail; the labels are ones `extractRegistrationFields` reads. */
export function registrationMailTemplate(): string {
  return [
    'Company: ',
    'Website: ',
    'Contact name: ',
    'Contact e-mail: ',
    'Contact role: ',
    'Problem and fit: ',
    'Stage (exploring / active project / budget approved / choosing a vendor): ',
    'Consent to be contacted (yes/no): ',
    'Region: ',
    'Products: ',
    'Competitors: ',
    '',
    'For a deal, also:',
    'Amount: ',
    'Currency: ',
    'Expected close (YYYY-MM-DD): ',
    'Next step: ',
  ].join('\n')
}

import { parseAddressHeader, simpleParser, type AddressObject, type EmailAddress } from 'mailparser'
import { registrationFieldLabels, STAGE_GUESSES, stageGuessLabels, type RegistrationFields, type StageGuess } from './input.js'

/**
 * E-mail in (issue 3): a partner registers a lead by writing to the tenant's
 * registration address. The endpoint hands us either the raw RFC 822 message
 * or Resend's inbound JSON; both become an `InboundMail`, and
 * `extractRegistrationFields` reads "Label: value" lines out of it. The
 * result is raw strings only — `registrationFieldsSchema` validates them like
 * every other capture path, so nothing here decides what is acceptable.
 */

export interface InboundMail {
  from: { email: string; name: string | null } | null
  to: string[]
  subject: string
  messageId: string | null
  inReplyTo: string | null
  text: string
}

type FieldKey = keyof RegistrationFields

// ---------------------------------------------------------------------------
// Raw RFC 822
// ---------------------------------------------------------------------------

/**
 * Parses a raw message. mailparser decodes transfer encodings and charsets
 * (ISO-8859-1 is read as windows-1252, as browsers do, so "=80" is "€").
 * Pass a Buffer for 8-bit messages: a string is taken as already decoded.
 */
export async function parseRawMail(raw: Buffer | string): Promise<InboundMail> {
  const parsed = await simpleParser(raw, {
    // mailparser derives text from HTML only when the HTML is the whole message (not
    // for an HTML-only multipart/alternative), and then wraps it at 80 columns with
    // "[url]" after links — which splits "Label: value" lines. We convert it ourselves.
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    keepCidLinks: true,
    checksumAlgo: false,
  })
  const sender = firstMailbox(parsed.from ? [parsed.from] : [])
  const plain = parsed.text ?? ''
  const text = plain.trim() !== '' ? plain : typeof parsed.html === 'string' ? htmlToPlainText(parsed.html) : ''
  return {
    from: sender,
    to: mailboxes(parsed.to === undefined ? [] : Array.isArray(parsed.to) ? parsed.to : [parsed.to]).map((mailbox) => mailbox.email),
    subject: normaliseText(parsed.subject ?? '').trim(),
    messageId: parsed.messageId ?? null,
    inReplyTo: parsed.inReplyTo ?? null,
    text: normaliseText(text),
  }
}

function mailboxes(headers: AddressObject[]): Array<{ email: string; name: string | null }> {
  const result: Array<{ email: string; name: string | null }> = []
  const visit = (entry: EmailAddress) => {
    if (entry.group) entry.group.forEach(visit)
    // Addresses are compared case-insensitively everywhere else (partner lookup, routing).
    else if (entry.address) result.push({ email: entry.address.trim().toLowerCase(), name: entry.name.trim() || null })
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

// ---------------------------------------------------------------------------
// Resend
// ---------------------------------------------------------------------------

/*
 * What Resend sends (checked against resend.com/docs/webhooks/emails/received
 * and /docs/api-reference/emails/retrieve-received-email, 2026):
 *
 * - The `email.received` webhook is metadata only:
 *   `{ type: 'email.received', created_at, data: { email_id, created_at, from: 'Acme <a@b.c>',
 *   to: string[], cc: [], bcc: [], message_id: '<…>', subject, attachments: [{ id, filename, … }] } }`.
 *   "Webhooks do not include the email body, headers, or attachments": the body
 *   has to be fetched with GET /emails/receiving/{email_id} (`resendEmailIdToFetch`).
 * - That Received-email API answers with the same fields plus `html`, `text`
 *   (string or null), `headers` (an object of header name → value), `reply_to`,
 *   and `raw.download_url` (the original RFC 822 file, for `parseRawMail`).
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
    from: firstMailbox([parseAddressHeader(fromValue, { flatten: true })]),
    to: mailboxes(toEntries.map((entry) => parseAddressHeader(entry, { flatten: true }))).map((mailbox) => mailbox.email),
    subject: normaliseText(subject ?? '').trim(),
    messageId: optionalString(data, 'message_id') ?? headers.get('message-id') ?? null,
    inReplyTo: headers.get('in-reply-to') ?? null,
    text: normaliseText(body),
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

function resendData(payload: unknown): Record<string, unknown> {
  if (!isRecord(payload)) throw new Error('Resend inbound payload must be a JSON object.')
  if (payload.type !== undefined) {
    if (payload.type !== 'email.received') {
      throw new Error(`Resend webhook event ${JSON.stringify(payload.type)} is not an inbound e-mail (expected "email.received").`)
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

/** Resend documents headers as an object; other relays send `[{ name, value }]`. Keys are lower-cased. */
function resendHeaders(headers: unknown): Map<string, string> {
  const result = new Map<string, string>()
  const add = (name: unknown, value: unknown) => {
    const first = Array.isArray(value) ? value[0] : value
    if (typeof name === 'string' && typeof first === 'string' && !result.has(name.toLowerCase())) result.set(name.toLowerCase(), first.trim())
  }
  if (Array.isArray(headers)) for (const header of headers) if (isRecord(header)) add(header.name, header.value)
  if (isRecord(headers)) for (const [name, value] of Object.entries(headers)) add(name, value)
  return result
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// ---------------------------------------------------------------------------
// HTML → text
// ---------------------------------------------------------------------------

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', shy: '', zwnj: '', zwj: '',
  auml: 'ä', ouml: 'ö', uuml: 'ü', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß',
  eacute: 'é', egrave: 'è', ecirc: 'ê', aacute: 'á', agrave: 'à', acirc: 'â', ccedil: 'ç', ntilde: 'ñ',
  oacute: 'ó', iacute: 'í', uacute: 'ú', Eacute: 'É', oslash: 'ø', aring: 'å', aelig: 'æ',
  euro: '€', pound: '£', yen: '¥', cent: '¢', copy: '©', reg: '®', trade: '™', deg: '°', middot: '·', bull: '•',
  ndash: '–', mdash: '—', hellip: '…', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„',
  laquo: '«', raquo: '»', times: '×',
}

function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/g, (entity, body: string) => {
    if (body.startsWith('#')) {
      const codePoint = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10)
      const valid = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff)
      return valid ? String.fromCodePoint(codePoint) : entity
    }
    return NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()] ?? entity
  })
}

// Placeholders while tags are being replaced: a block boundary, a paragraph, and quote start/end.
const BLOCK = '\u0000'
const PARAGRAPH = '\u0001'
const QUOTE_START = '\u0002'
const QUOTE_END = '\u0003'

/**
 * A deliberately simple HTML → text conversion: enough for what mail clients
 * write (paragraphs, divs, <br>, tables, blockquotes), keeping one line per
 * visual line so "Label: value" lines survive. Quoted blocks come out with
 * "> " like a plain-text reply, so the extractor treats them the same way.
 */
function htmlToPlainText(html: string): string {
  const flattened = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|style|script|title|template)\b[\s\S]*?<\/\1\s*>/gi, '')
    // Whitespace in HTML source is not layout.
    .replace(/\s+/g, ' ')
    // An empty block (Gmail's <div><br></div>) is a blank line.
    .replace(/<(div|p)\b[^>]*>\s*(?:<br\b[^>]*>\s*)?<\/\1\s*>/gi, PARAGRAPH)
    .replace(/<\/?p\b[^>]*>/gi, PARAGRAPH)
    .replace(/<br\b[^>]*>/gi, '\n')
    .replace(/<blockquote\b[^>]*>/gi, `${BLOCK}${QUOTE_START}${BLOCK}`)
    .replace(/<\/blockquote\s*>/gi, `${BLOCK}${QUOTE_END}${BLOCK}`)
    // Table cells side by side: "<td>Company</td><td>Acme</td>" reads as "Company<TAB>Acme".
    .replace(/<\/t[dh]\s*>\s*(?=<t[dh]\b)/gi, '\t')
    .replace(/<\/?(?:div|h[1-6]|li|ul|ol|dl|dt|dd|tr|table|thead|tbody|tfoot|section|article|header|footer|main|aside|nav|center|address|pre|hr|figure)\b[^>]*>/gi, BLOCK)
    .replace(/<[^>]*>/g, '')
    .replace(/ {2,}/g, ' ')
    // Collapse each run of boundaries into the line breaks it stands for.
    .replace(/[ \n\u0000\u0001]*[\n\u0000\u0001][ \n\u0000\u0001]*/g, (run) => {
      const breaks = run.split('\n').length - 1
      return '\n'.repeat(Math.max(breaks, run.includes(PARAGRAPH) ? 2 : 0, run.includes(BLOCK) ? 1 : 0))
    })
  const lines: string[] = []
  let depth = 0
  for (const rawLine of decodeEntities(flattened).split('\n')) {
    if (rawLine.trim() === QUOTE_START) depth++
    else if (rawLine.trim() === QUOTE_END) depth = Math.max(0, depth - 1)
    else {
      const line = rawLine.replace(/ {2,}/g, ' ').replace(/^[ \t]+|[ \t]+$/g, '')
      lines.push(depth > 0 ? `${'> '.repeat(depth)}${line}`.trimEnd() : line)
    }
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim()
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

/** "Company: Acme", "- **Company:** Acme", "1. Company: Acme", "Company<TAB>Acme" (an HTML table row). */
const LABEL_LINE = /^\s*(?:[-*•·+]\s+|\d{1,2}[.)]\s+)?\**\s*(\p{L}[\p{L}\p{N} ./&()'’_-]{0,100}?)\s*\**\s*(?:[:：]|\t)\s*\**\s*(.*?)\s*$/u

function matchLabelLine(line: string): { field: FieldKey; value: string } | null {
  const match = LABEL_LINE.exec(line)
  if (!match) return null
  const field = FIELD_BY_LABEL.get(labelKey(match[1] ?? ''))
  return field ? { field, value: match[2] ?? '' } : null
}

// Where the partner's own text ends.
const SIGNATURE_SEPARATOR = /^--\s*$/
const MOBILE_SIGNATURE = /^(?:sent from my|sent from mail for|get outlook for|von meinem .* gesendet|gesendet von meinem)\b/i
const ORIGINAL_MESSAGE = /^-{2,}\s*(?:original message|ursprüngliche nachricht|originalnachricht|original-nachricht)\s*-{2,}$/i
const FORWARD_MARKER = /^(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht)\s*-{2,}|begin forwarded message:|anfang der weitergeleiteten nachricht:)$/i
const QUOTED_HEADER = /^(?:from|sent|date|to|cc|subject|reply-to|von|gesendet|datum|an|kopie|betreff|antwort an)\s*:/i
const ATTRIBUTION_LINE = /^(?:on|am|le|el|il|op)\s.*\b(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b.*:$/i
const ATTRIBUTION_TAIL = /\b(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b.*:$/i
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
  /^(?:please|pls|kindly|bitte|hiermit|i['’]?d like to|i would like to|we['’]?d like to|we would like to|ich möchte|wir möchten)\b.{0,80}\b(?:register|registrieren|registration|registrierung|anmelden|melden)\b|:\s*$/i

/**
 * The lines the partner wrote: without quoted replies ("> …" and the "On …
 * wrote:" line; an Outlook-style quoted header block or "Original Message"
 * ends the text), the signature ("-- ", a closing such as "Best regards"
 * followed by a few lines) and an opening salutation. Forwarded messages are
 * kept, only their header block is skipped, because a partner forwarding the
 * customer's enquiry is registering exactly that.
 */
function partnerLines(text: string, subject: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').replace(/[\u00a0\u2007\u202f]/g, ' ').replace(/[\u200b\u200e\u200f\ufeff]/g, '').split('\n')
  const forwarded = FORWARDED_SUBJECT.test(subject)
  const kept: string[] = []
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trimEnd()
    const trimmed = line.trim()
    if (SIGNATURE_SEPARATOR.test(line) || MOBILE_SIGNATURE.test(trimmed) || ORIGINAL_MESSAGE.test(trimmed)) break
    if (/^>/.test(trimmed) || /^_{8,}$/.test(trimmed)) continue
    if (FORWARD_MARKER.test(trimmed) || isQuotedHeaderBlock(lines, index)) {
      if (!forwarded && !FORWARD_MARKER.test(trimmed)) break
      if (FORWARD_MARKER.test(trimmed)) index++
      while (index < lines.length && QUOTED_HEADER.test((lines[index] ?? '').trim())) index++
      index--
      continue
    }
    if (ATTRIBUTION_LINE.test(trimmed)) continue
    if (ATTRIBUTION_TAIL.test(trimmed)) {
      // Gmail wraps long attributions: "On Mon, 3 Nov 2026, Jane Doe <\njane@x.com> wrote:".
      const previous = kept[kept.length - 1]?.trim() ?? ''
      if (/^(?:on|am)\s/i.test(previous)) {
        kept.pop()
        continue
      }
    }
    kept.push(line)
  }
  const closing = kept.findIndex(
    (line, index) => CLOSING_LINE.test(line.trim()) && kept.slice(index + 1).filter((rest) => rest.trim() !== '').length <= MAX_SIGNATURE_LINES,
  )
  if (closing !== -1) kept.length = closing
  const firstContent = kept.findIndex((line) => line.trim() !== '')
  if (firstContent !== -1 && SALUTATION_LINE.test((kept[firstContent] ?? '').trim()) && !matchLabelLine(kept[firstContent] ?? '')) kept.splice(firstContent, 1)
  return kept
}

/** An Outlook-style quoted header: "From: …" followed within a few lines by "Sent:"/"Date:" and "To:"/"Subject:". */
function isQuotedHeaderBlock(lines: string[], index: number): boolean {
  if (!/^(?:from|von)\s*:\s*\S/i.test((lines[index] ?? '').trim())) return false
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
    const address = EMAIL_ADDRESS.exec(value)?.[0]
    if (!address) continue
    const name = value.replace(/<?(?:mailto:)?[^\s<>]+@[^\s<>]+>?/i, '').replace(/["'()[\]<>,;]/g, ' ').replace(/\s+/g, ' ').trim()
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
  const prose = freeText.filter((line) => line === '' || !INTRODUCTION_LINE.test(line)).join('\n').replace(/\n{3,}/g, '\n\n').trim()
  if (fields.problem === undefined) {
    if (prose) fields.problem = prose
  } else if (prose) unrecognisedLines += prose.split('\n').filter((line) => line.trim() !== '').length

  const required = fields.kind === 'deal' ? [...REQUIRED_FOR_LEAD, ...REQUIRED_FOR_DEAL] : REQUIRED_FOR_LEAD
  const missing = required.filter((field) => fields[field] === undefined).map((field) => ({ field, label: registrationFieldLabels[field] }))

  return { fields, missing, unrecognisedLines }
}

const EMAIL_ADDRESS = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+\.[^\s<>()[\]"',;:.]+/

/** Values meaning "nothing here" — a template line answered with a dash is still missing. */
const PLACEHOLDERS = new Set(['-', '–', '—', '?', '??', '...', '…', 'n/a', 'na', 'tbd', 'tba', 'k.a.', 'k. a.', 'unknown', 'unbekannt', 'none', 'keine', 'nil', 'null'])

function cleanValue(raw: string, field: FieldKey): string | null {
  let value = raw.replace(/^\*+|\*+$/g, '').trim()
  if (!LONG_FIELDS.has(field)) value = value.replace(/\s+/g, ' ')
  if (value === '' || PLACEHOLDERS.has(value.toLowerCase())) return null
  return value
}

/** Plain-text parts of HTML mails write links as "acme.com <https://acme.com>" or "acme.com [https://acme.com]". */
function withoutLinkAnnotation(value: string): string {
  const stripped = value.replace(/\s*[<[](?:https?:\/\/|mailto:)[^>\]]*[>\]]$/i, '').trim()
  return stripped !== '' ? stripped : value.replace(/^<|>$/g, '')
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

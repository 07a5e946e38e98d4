/**
 * Pure helpers of the announcement pages: reading the editor form, dates in
 * `datetime-local` fields (UTC, like every date the admin shows), labels,
 * the funnel's bars and the receipts CSV. Kept free of server imports so
 * they can be tested alone.
 */

export const ANNOUNCEMENT_CHANNELS = ['portal', 'email', 'slack'] as const
export type AnnouncementChannel = (typeof ANNOUNCEMENT_CHANNELS)[number]

export const channelLabels: Record<string, string> = { portal: 'Portal', email: 'E-mail', slack: 'Slack' }

export const ANNOUNCEMENT_MOTIONS = ['referral', 'reseller', 'marketplace', 'services', 'technology'] as const
export const motionLabels: Record<string, string> = { referral: 'Referral', reseller: 'Reseller', marketplace: 'Marketplace', services: 'Services', technology: 'Technology' }

export type Tone = 'success' | 'warning' | 'danger' | undefined

export function announcementStatus(status: string): { label: string; tone: Tone } {
  switch (status) {
    case 'draft':
      return { label: 'Draft', tone: undefined }
    case 'scheduled':
      return { label: 'Scheduled', tone: 'warning' }
    case 'published':
      return { label: 'Published', tone: 'success' }
    case 'archived':
      return { label: 'Archived', tone: undefined }
    default:
      return { label: status, tone: undefined }
  }
}

/** `2026-12-01T09:30` (a `datetime-local` value, read as UTC) → Date; '' → null; anything unreadable → the text itself (core answers with a field error). */
export function parseDateTimeLocal(value: string): Date | string | null {
  const text = value.trim()
  if (!text) return null
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text)
  if (!match) return text
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6] ?? '00'}Z`)
  return Number.isNaN(date.getTime()) ? text : date
}

/** Date → the `datetime-local` value in UTC (minutes), '' for none. */
export function toDateTimeLocal(value: Date | string | null | undefined): string {
  if (!value) return ''
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return ''
  return date.toISOString().slice(0, 16)
}

/** "Gold, Silver ,, gold" → ['Gold', 'Silver'] (case-insensitive duplicates dropped, first spelling kept). */
export function splitList(text: string): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const part of text.split(/[,;\n]/)) {
    const value = part.trim()
    if (!value || seen.has(value.toLowerCase())) continue
    seen.add(value.toLowerCase())
    out.push(value)
  }
  return out
}

export const ANNOUNCEMENT_INTENTS = ['save', 'publish', 'schedule'] as const
export type AnnouncementIntent = (typeof ANNOUNCEMENT_INTENTS)[number]

/** Field names the form shows errors next to (core's keys: nested audience errors come as `audience.<field>`). */
export const ANNOUNCEMENT_FIELDS = ['title', 'bodyHtml', 'channels', 'audience', 'audience.tiers', 'audience.motions', 'audience.regions', 'audience.partnerIds', 'ackRequired', 'ackDueAt', 'publishAt'] as const

export interface AnnouncementSubmission {
  intent: AnnouncementIntent | null
  announcementId: string | null
  input: {
    title: string
    bodyHtml: string
    channels: string[]
    audience: { tiers: string[]; motions: string[]; regions: string[]; partnerIds: string[]; userIds: string[] }
    ackRequired: boolean
    ackDueAt: Date | string | null
  }
  publishAt: Date | string | null
  /** What was submitted, to show the form again after an error (lists joined with `\n`). */
  values: Record<string, string>
}

const text = (form: FormData, name: string) => {
  const value = form.get(name)
  return typeof value === 'string' ? value : ''
}
const all = (form: FormData, name: string) => form.getAll(name).filter((value): value is string => typeof value === 'string' && value.trim() !== '')

/** The editor form → core's input, plus what to echo back. Validation stays in core. */
export function readAnnouncementForm(form: FormData): AnnouncementSubmission {
  const intentText = text(form, 'intent')
  const intent = (ANNOUNCEMENT_INTENTS as readonly string[]).includes(intentText) ? (intentText as AnnouncementIntent) : null
  const channels = all(form, 'channels')
  const tiers = [...new Set([...all(form, 'tiers'), ...splitList(text(form, 'tiersOther'))])]
  const motions = all(form, 'motions')
  const regions = splitList(text(form, 'regions'))
  const partnerIds = [...new Set(all(form, 'partnerIds'))]
  const ackRequired = text(form, 'ackRequired') === 'on'
  const ackDueAt = ackRequired ? parseDateTimeLocal(text(form, 'ackDueAt')) : null
  const publishAt = intent === 'schedule' ? parseDateTimeLocal(text(form, 'publishAt')) : null
  const announcementId = text(form, 'announcementId').trim() || null
  return {
    intent,
    announcementId,
    input: {
      title: text(form, 'title'),
      bodyHtml: text(form, 'bodyHtml'),
      channels,
      audience: { tiers, motions, regions, partnerIds, userIds: [] },
      ackRequired,
      ackDueAt,
    },
    publishAt,
    values: {
      title: text(form, 'title'),
      bodyHtml: text(form, 'bodyHtml'),
      channels: channels.join('\n'),
      tiers: tiers.join('\n'),
      motions: motions.join('\n'),
      regions: text(form, 'regions'),
      partnerIds: partnerIds.join('\n'),
      ackRequired: ackRequired ? 'on' : '',
      ackDueAt: text(form, 'ackDueAt'),
      publishAt: text(form, 'publishAt'),
    },
  }
}

/** The stored audience (jsonb) as the form's lists; anything malformed reads as "everyone". */
export function readAudience(value: unknown): { tiers: string[]; motions: string[]; regions: string[]; partnerIds: string[]; userIds: string[] } {
  const source = (typeof value === 'string' ? safeJson(value) : value) as Record<string, unknown> | null
  const list = (key: string) => (source && Array.isArray(source[key]) ? (source[key] as unknown[]).filter((item): item is string => typeof item === 'string') : [])
  return { tiers: list('tiers'), motions: list('motions'), regions: list('regions'), partnerIds: list('partnerIds'), userIds: list('userIds') }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/** One sentence for who gets it: "Everyone in the programme" or "Tier Gold · Resell partners · 2 named partners". */
export function describeAudience(audience: ReturnType<typeof readAudience>, partnerNames: Map<string, string> = new Map()): string {
  const parts: string[] = []
  if (audience.tiers.length) parts.push(`${audience.tiers.length === 1 ? 'Tier' : 'Tiers'} ${audience.tiers.join(', ')}`)
  if (audience.motions.length) parts.push(`${audience.motions.map((motion) => motionLabels[motion] ?? motion).join(', ')} partners`)
  if (audience.regions.length) parts.push(`${audience.regions.length === 1 ? 'Region' : 'Regions'} ${audience.regions.join(', ')}`)
  const named = audience.partnerIds.map((id) => partnerNames.get(id)).filter((name): name is string => Boolean(name))
  if (audience.partnerIds.length) parts.push(named.length === audience.partnerIds.length && named.length <= 3 ? `plus ${named.join(', ')}` : `plus ${audience.partnerIds.length} named ${audience.partnerIds.length === 1 ? 'partner' : 'partners'}`)
  if (audience.userIds.length) parts.push(`plus ${audience.userIds.length} named ${audience.userIds.length === 1 ? 'person' : 'people'}`)
  return parts.length ? parts.join(' · ') : 'Every active partner user'
}

export interface FunnelRow {
  channel: string
  sent: number
  delivered: number
  opened: number
  acknowledged: number
}

export const FUNNEL_STEPS = ['sent', 'delivered', 'opened', 'acknowledged'] as const
export const funnelStepLabels: Record<(typeof FUNNEL_STEPS)[number], string> = { sent: 'Sent', delivered: 'Delivered', opened: 'Opened', acknowledged: 'Acknowledged' }

/** Each step as a share of what was sent on that channel (0–100, whole numbers); no sends → all zero. */
export function funnelBars(row: FunnelRow): Array<{ step: (typeof FUNNEL_STEPS)[number]; value: number; percent: number }> {
  const base = Math.max(row.sent, 0)
  return FUNNEL_STEPS.map((step) => {
    const value = Math.max(Number(row[step]) || 0, 0)
    return { step, value, percent: base > 0 ? Math.min(100, Math.round((value / base) * 100)) : 0 }
  })
}

/** Only the channels the announcement went out on (the query answers portal and e-mail always). */
export function funnelFor(rows: FunnelRow[], channels: string[]): FunnelRow[] {
  return rows.filter((row) => channels.includes(row.channel))
}

/** "Sent 2, delivered 2, opened 1, acknowledged 1" — the chart's words. */
export function funnelSummary(row: FunnelRow): string {
  return `${channelLabels[row.channel] ?? row.channel}: ${FUNNEL_STEPS.map((step) => `${funnelStepLabels[step].toLowerCase()} ${row[step]}`).join(', ')}`
}

export interface FanoutProgress {
  status: string | null
  done: number
  total: number
  message: string | null
}

/** Whether the dashboard should keep polling: the fan-out is waiting or running. */
export function fanoutActive(progress: FanoutProgress): boolean {
  return progress.status === 'queued' || progress.status === 'running'
}

export function fanoutPercent(progress: FanoutProgress): number {
  if (progress.status === 'succeeded') return 100
  return progress.total > 0 ? Math.min(100, Math.round((progress.done / progress.total) * 100)) : 0
}

/* ---------- CSV ---------- */

const FORMULA_TRIGGER = /^[=+\-@\t\r]/

/** A spreadsheet-safe cell: formula-looking text gets a leading apostrophe; quotes where needed (";" too, for German Excel). */
export function csvCell(value: string | number | Date | null | undefined): string {
  const textValue = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value)
  const safe = FORMULA_TRIGGER.test(textValue) ? `'${textValue}` : textValue
  return /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export interface ReceiptRow {
  partner: string
  name: string
  email: string
  delivered_portal_at: Date | string | null
  email_status: string | null
  opened_at: Date | string | null
  opened_via: string | null
  acknowledged_at: Date | string | null
  acknowledged_via: string | null
  reminded_at: Date | string | null
}

export const RECEIPT_COLUMNS = ['Partner', 'Name', 'E-mail', 'Delivered in portal', 'E-mail status', 'Opened', 'Opened via', 'Acknowledged', 'Acknowledged via', 'Reminded'] as const

const iso = (value: Date | string | null) => (value === null ? '' : value instanceof Date ? value.toISOString() : new Date(value).toISOString())

/** RFC 4180 with CRLF and a UTF-8 BOM (Excel), every cell formula-safe. */
export function receiptsCsv(rows: ReceiptRow[]): string {
  const lines = [RECEIPT_COLUMNS.map(csvCell).join(',')]
  for (const row of rows) {
    lines.push(
      [row.partner, row.name, row.email, iso(row.delivered_portal_at), row.email_status ?? '', iso(row.opened_at), row.opened_via ?? '', iso(row.acknowledged_at), row.acknowledged_via ?? '', iso(row.reminded_at)].map(csvCell).join(','),
    )
  }
  return `\uFEFF${lines.map((line) => `${line}\r\n`).join('')}`
}

/** `announcement-<slugified title>-receipts.csv` */
export function receiptsFileName(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  return `announcement-${slug || 'receipts'}-receipts.csv`
}

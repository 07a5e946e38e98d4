/**
 * Pure helpers of the CRM settings page (/settings/crm): reading the connect
 * form into core's input, mapping core's error keys back to the form's field
 * names, the values that may be shown again after an error (never secrets),
 * and the numbers behind the progress bar and the sync-health chart.
 */

export type CrmProvider = 'hubspot' | 'salesforce'
export type SalesforceMethod = 'password' | 'oauth'
export type AttributionModeKey = 'deal_property' | 'company_association' | 'partner_object'

export const ATTRIBUTION_MODE_OPTIONS: ReadonlyArray<{ value: AttributionModeKey; label: string }> = [
  { value: 'deal_property', label: 'Deal properties' },
  { value: 'company_association', label: 'Partner organisation as a company, association labelled Partner sourced / Partner influenced' },
  { value: 'partner_object', label: 'Custom Partner object' },
]

export const HUBSPOT_DEFAULT_BASE_URL = 'https://api.hubapi.com'
export const SALESFORCE_DEFAULT_LOGIN_URL = 'https://login.salesforce.com'

/**
 * The connect form's field names. Each provider (and Salesforce method) has its
 * own names so both sections can be in the page at once (they are, without
 * JavaScript) and a HubSpot token never lands in a Salesforce field.
 */
export const CONNECT_FIELDS = [
  'provider',
  'method',
  'attributionMode',
  'hubspot.accessToken',
  'hubspot.baseUrl',
  'salesforce.username',
  'salesforce.password',
  'salesforce.securityToken',
  'salesforce.loginUrl',
  'salesforce.instanceUrl',
  'salesforce.accessToken',
  'salesforce.refreshToken',
] as const
export type ConnectField = (typeof CONNECT_FIELDS)[number]

/** Never sent back to the browser after a failed attempt. */
export const SECRET_CONNECT_FIELDS: readonly ConnectField[] = ['hubspot.accessToken', 'salesforce.password', 'salesforce.securityToken', 'salesforce.accessToken', 'salesforce.refreshToken']

const text = (form: FormData, name: string) => {
  const value = form.get(name)
  return typeof value === 'string' ? value : ''
}

export function readProvider(value: string): CrmProvider {
  return value === 'salesforce' ? 'salesforce' : 'hubspot'
}

export function readMethod(value: string): SalesforceMethod {
  return value === 'oauth' ? 'oauth' : 'password'
}

export function readAttributionMode(value: string): AttributionModeKey {
  return ATTRIBUTION_MODE_OPTIONS.some((option) => option.value === value) ? (value as AttributionModeKey) : 'deal_property'
}

/** Optional URL fields: empty means "the provider's default", so they are left out for core to fill in. */
const optional = (value: string) => (value.trim() === '' ? undefined : value)

export interface ConnectSubmission {
  provider: CrmProvider
  method: SalesforceMethod
  input: { credentials: Record<string, string | undefined>; attributionMode: AttributionModeKey }
  /** What the form may show again after an error: every non-secret value. */
  values: Record<string, string>
}

/** The connect form → `admin.crm.connect` input (core validates; this only picks the provider's fields). */
export function readConnectForm(form: FormData): ConnectSubmission {
  const provider = readProvider(text(form, 'provider'))
  const method = readMethod(text(form, 'method'))
  const attributionMode = readAttributionMode(text(form, 'attributionMode'))
  let credentials: Record<string, string | undefined>
  if (provider === 'hubspot') {
    credentials = { provider, accessToken: text(form, 'hubspot.accessToken'), baseUrl: optional(text(form, 'hubspot.baseUrl')) }
  } else if (method === 'password') {
    credentials = {
      provider,
      method,
      username: text(form, 'salesforce.username'),
      password: text(form, 'salesforce.password'),
      securityToken: text(form, 'salesforce.securityToken'),
      loginUrl: optional(text(form, 'salesforce.loginUrl')),
    }
  } else {
    credentials = {
      provider,
      method,
      instanceUrl: text(form, 'salesforce.instanceUrl'),
      accessToken: text(form, 'salesforce.accessToken'),
      refreshToken: optional(text(form, 'salesforce.refreshToken')),
    }
  }
  // Undefined keys are dropped so core's defaults apply.
  credentials = Object.fromEntries(Object.entries(credentials).filter(([, value]) => value !== undefined))
  const values: Record<string, string> = {}
  for (const name of CONNECT_FIELDS) {
    if (SECRET_CONNECT_FIELDS.includes(name)) continue
    values[name] = text(form, name)
  }
  values.provider = provider
  values.method = method
  values.attributionMode = attributionMode
  return { provider, method, input: { credentials, attributionMode }, values }
}

/**
 * Core names credential errors by their input path (`credentials.accessToken`);
 * the form names them per provider. `credentials.loginUrl` (an unreachable
 * Salesforce) goes to the instance URL for OAuth, the only URL that form shows.
 */
export function connectErrorField(key: string, provider: CrmProvider, method: SalesforceMethod): string {
  const match = /^credentials\.([A-Za-z]+)/.exec(key)
  if (!match) return key === 'credentials' ? (provider === 'hubspot' ? 'hubspot.accessToken' : method === 'password' ? 'salesforce.username' : 'salesforce.instanceUrl') : key
  const field = match[1] as string
  if (provider === 'salesforce' && method === 'oauth' && field === 'loginUrl') return 'salesforce.instanceUrl'
  const name = `${provider}.${field}`
  return (CONNECT_FIELDS as readonly string[]).includes(name) ? name : key
}

export type Tone = 'success' | 'warning' | 'danger' | undefined

export function connectionStatusBadge(status: string): { label: string; tone: Tone } {
  switch (status) {
    case 'connected':
      return { label: 'Connected', tone: 'success' }
    case 'error':
      return { label: 'Error', tone: 'danger' }
    case 'disconnected':
      return { label: 'Disconnected', tone: undefined }
    default:
      return { label: status, tone: undefined }
  }
}

export function runStatusBadge(status: string): { label: string; tone: Tone } {
  switch (status) {
    case 'running':
      return { label: 'Running', tone: 'warning' }
    case 'succeeded':
      return { label: 'Succeeded', tone: 'success' }
    case 'partial':
      return { label: 'Partly failed', tone: 'warning' }
    case 'failed':
      return { label: 'Failed', tone: 'danger' }
    case 'rate_limited':
      return { label: 'Paused: API limit', tone: 'warning' }
    case 'skipped':
      return { label: 'Skipped', tone: undefined }
    default:
      return { label: status, tone: undefined }
  }
}

export const TRIGGER_LABELS: Record<string, string> = {
  initial: 'Initial sync',
  scheduled: 'Scheduled',
  manual: 'Sync now',
  change: 'Registration change',
  webhook: 'CRM webhook',
  retry: 'Retry',
}

export const crmLabel = (provider: string) => (provider === 'salesforce' ? 'Salesforce' : provider === 'hubspot' ? 'HubSpot' : 'Built-in CRM')

/** The progress bar of a running sync: done/total clamped, percent rounded, and its words. */
export function syncProgress(progress: { total: number; done: number; message?: string | null } | null | undefined): { done: number; total: number; percent: number; label: string; waiting: boolean } {
  const total = Math.max(0, progress?.total ?? 0)
  const done = Math.min(Math.max(0, progress?.done ?? 0), total)
  const percent = total > 0 ? Math.round((done / total) * 100) : 0
  const waiting = total === 0
  const label = waiting ? (progress?.message?.trim() || 'Waiting for a worker…') : `Pushed ${done.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')}`
  return { done, total, percent, label, waiting }
}

/** Milliseconds waited for rate limits → whole seconds, as the log shows them. */
export function waitedSeconds(ms: number | null | undefined): number {
  return Math.round(Math.max(0, ms ?? 0) / 1000)
}

export interface HealthRun {
  id: string
  started_at: string | Date
  status: string
  pushed: number
  failed: number
  requests: number
  rate_limited: number
}

export interface HealthBar {
  id: string
  startedAt: string
  status: string
  pushed: number
  failed: number
  requests: number
  rateLimited: number
  /** Bar heights in percent of the tallest bar of the same chart. */
  pushedPct: number
  failedPct: number
  requestsPct: number
}

/**
 * The chart's bars, oldest first (runs come newest first), scaled to the
 * busiest sync; and the totals for the chart's summary sentence.
 */
export function syncHealth(runs: readonly HealthRun[], limit = 20) {
  const recent = runs.slice(0, limit).reverse()
  const maxRecords = Math.max(1, ...recent.map((run) => run.pushed + run.failed))
  const maxRequests = Math.max(1, ...recent.map((run) => run.requests))
  const pct = (value: number, max: number) => Math.round((Math.max(0, value) / max) * 1000) / 10
  const bars: HealthBar[] = recent.map((run) => ({
    id: run.id,
    startedAt: typeof run.started_at === 'string' ? run.started_at : run.started_at.toISOString(),
    status: run.status,
    pushed: run.pushed,
    failed: run.failed,
    requests: run.requests,
    rateLimited: run.rate_limited,
    pushedPct: pct(run.pushed, maxRecords),
    failedPct: pct(run.failed, maxRecords),
    requestsPct: pct(run.requests, maxRequests),
  }))
  const totals = recent.reduce(
    (sum, run) => ({ pushed: sum.pushed + run.pushed, failed: sum.failed + run.failed, requests: sum.requests + run.requests, rateLimited: sum.rateLimited + run.rate_limited }),
    { pushed: 0, failed: 0, requests: 0, rateLimited: 0 },
  )
  const summary =
    recent.length === 0
      ? 'No syncs yet.'
      : `Last ${recent.length} ${recent.length === 1 ? 'sync' : 'syncs'}: ${totals.pushed.toLocaleString('en-GB')} pushed, ${totals.failed.toLocaleString('en-GB')} failed, ${totals.requests.toLocaleString('en-GB')} API requests, ${totals.rateLimited.toLocaleString('en-GB')} rate-limit ${totals.rateLimited === 1 ? 'wait' : 'waits'}.`
  return { bars, totals, maxRecords, maxRequests, summary }
}

/** The field-mapping form's input name of an Accord field (core's error key, too). */
export const mappingFieldName = (field: string) => `fieldMapping.${field}`

/**
 * Submitted mapping inputs → `fieldMapping` with only what changed: an empty
 * input means "not synced" (null). Unchanged fields are left out so they keep
 * following the provider's default.
 */
export function changedFieldMapping(form: FormData, current: ReadonlyArray<{ field: string; property: string | null }>): { fieldMapping: Record<string, string | null>; values: Record<string, string> } {
  const fieldMapping: Record<string, string | null> = {}
  const values: Record<string, string> = {}
  for (const { field, property } of current) {
    const name = mappingFieldName(field)
    const raw = form.get(name)
    if (typeof raw !== 'string') continue
    values[name] = raw
    const next = raw.trim() === '' ? null : raw.trim()
    if (next !== (property ?? null)) fieldMapping[field] = next
  }
  return { fieldMapping, values }
}

/** The stage-mapping input name of an Accord stage; the key after the dot is core's `motion:stage`. */
export const stageFieldName = (motion: string, stage: string) => `stageMapping.${motion}:${stage}`

/** Every stage input → `stageMapping` (empty removes the mapping, as core expects). */
export function readStageMapping(form: FormData, motions: ReadonlyArray<{ key: string; stages: ReadonlyArray<{ key: string }> }>): { stageMapping: Record<string, string>; values: Record<string, string> } {
  const stageMapping: Record<string, string> = {}
  const values: Record<string, string> = {}
  for (const motion of motions) {
    for (const stage of motion.stages) {
      const name = stageFieldName(motion.key, stage.key)
      const raw = form.get(name)
      if (typeof raw !== 'string') continue
      values[name] = raw
      stageMapping[`${motion.key}:${stage.key}`] = raw.trim()
    }
  }
  return { stageMapping, values }
}

/** Preview properties as label/value pairs, empty ones shown as "—", sorted by name for scanning. */
export function propertyPairs(properties: Record<string, unknown> | null | undefined): Array<{ name: string; value: string }> {
  if (!properties) return []
  return Object.entries(properties)
    .map(([name, value]) => ({ name, value: value === null || value === undefined || value === '' ? '—' : String(value) }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** What an unmapped stage becomes in the CRM (core's fallback: the provider's first open stage), for placeholders. */
export const DEFAULT_CRM_STAGE: Record<CrmProvider, string> = { hubspot: 'appointmentscheduled', salesforce: 'Prospecting' }

export const OWNER_LABELS: Record<string, string> = {
  accord: 'Accord — written on every change',
  crm: 'CRM — written once on create, then pulled',
}

export const OBJECT_LABELS: Record<string, string> = { deal: 'Deal', company: 'Company', contact: 'Contact' }

import { createHash } from 'node:crypto'
import {
  type AttributionMode,
  backoffDelay,
  type CrmConnector,
  type CrmDealChange,
  type CrmDealPush,
  type CrmDealPushResult,
  CrmError,
  createRollingLimiter,
  effectiveFieldMapping,
  type FieldMapping,
  isCrmError,
  mappedProperties,
  planDealPush,
  type RegistrationSyncSource,
  type RequestLimiter,
  type StageMapping,
} from '@accord/crm'
import { sql, type TenantTransaction, withTenant } from '@accord/db'
import { describeOutboundFailure } from '@accord/outbound'
import type { CoreDeps } from '../context.js'
import { closeRegistrationFromCrm } from '../registrations/review.js'
import { connectorFor, crmLabel, type CrmConnectionRow, readConnectionCredentials } from './connection-store.js'
import { writePendingCrmNotes } from './notes.js'

/**
 * The sync engine: one run per tenant at a time (a session advisory lock on
 * a dedicated connection, released by Postgres the moment a killed worker's
 * connection drops), push then pull.
 *
 * Push: every approved (or since closed) registration is planned through the
 * field mapping; a hash of what Accord owns decides whether it changed since
 * the last successful push. Batches of 100 go to the connector, which upserts
 * by Accord's ids, so a batch replayed after a crash never duplicates. The map
 * and hash are written only after the CRM confirmed the batch: a crash in
 * between means the batch is sent again, which the upsert absorbs.
 *
 * Pull: pages of deals changed since the stored cursor; each change is
 * applied only where it differs from Accord's copy, then the cursor moves on
 * (after the page, so a crash re-applies a page, which changes nothing).
 */

export const PUSH_BATCH_SIZE = 100
const PULL_PAGE_SIZE = 100
const MAX_PULL_PAGES_PER_RUN = 500
/** Transient failures (5xx, timeouts, dropped connections) retried within a run before the job fails and pg-boss retries it later. */
const TRANSIENT_ATTEMPTS = 6
/** A record that failed this often is left alone until someone presses retry. */
export const RECORD_ATTEMPT_LIMIT = 3
/** Rolling-window rate-limit waits up to this long are slept through; longer ones end the run and reschedule it. */
const MAX_INLINE_WAIT_MS = 60_000

export interface CrmSyncOptions {
  /** Client-side pacing; HubSpot private apps allow 100 requests per 10 s. */
  limiter?: RequestLimiter
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /** Per-request timeout handed to the connector (default 30 s). */
  requestTimeoutMs?: number
  /** Deals per connector call (≤ 100). */
  batchSize?: number
  /** HubSpot's rolling 10-second budget (100 for private apps). */
  hubspotRequestsPer10s?: number
  /** Called after every pushed batch (tests use it to kill a run midway). */
  onBatch?: (pushedSoFar: number) => Promise<void> | void
}

export interface CrmSyncResult {
  status: 'succeeded' | 'partial' | 'failed' | 'rate_limited' | 'skipped'
  runId: string | null
  toPush: number
  pushed: number
  created: number
  failed: number
  pulled: number
  applied: number
  requests: number
  rateLimited: number
  rateLimitWaitMs: number
  retryAt?: Date
  reason?: string
}

const LIVE_STATUSES = ['approved', 'won', 'lost', 'expired'] as const

function defaultLimiter(provider: 'hubspot' | 'salesforce', options: CrmSyncOptions): RequestLimiter {
  // Salesforce has no short window (only a daily org quota); 25/s keeps us polite.
  // HubSpot counts a request when it arrives, we when we send it: a quarter-second margin keeps the
  // two windows from disagreeing at the boundary (each 429 there would cost a whole 10 s pause).
  return provider === 'hubspot'
    ? createRollingLimiter({ requests: options.hubspotRequestsPer10s ?? 100, windowMs: 10_250, sleep: options.sleep })
    : createRollingLimiter({ requests: 25, windowMs: 1_000, sleep: options.sleep })
}

export async function runCrmSync(
  deps: CoreDeps,
  input: { tenantId: string; trigger: 'initial' | 'scheduled' | 'manual' | 'change' | 'webhook' | 'retry'; runId?: string },
  options: CrmSyncOptions = {},
): Promise<CrmSyncResult> {
  const lockKey = `crm.sync:${input.tenantId}`
  return deps.db.connection().execute(async (lockConnection) => {
    const locked = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext(${lockKey})) as locked`.execute(lockConnection)
    if (!locked.rows[0]?.locked) {
      // Another worker is syncing this tenant right now; it (or the next sweep) picks up what is new.
      if (input.runId) await finishRun(deps, input.tenantId, input.runId, { status: 'skipped', error: 'Another sync of this workspace was running; this one was folded into it.' })
      return emptyResult('skipped', input.runId ?? null, 'locked')
    }
    try {
      return await syncLocked(deps, input, options)
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${lockKey}))`.execute(lockConnection).catch(() => undefined)
    }
  })
}

function emptyResult(status: CrmSyncResult['status'], runId: string | null, reason?: string): CrmSyncResult {
  return { status, runId, toPush: 0, pushed: 0, created: 0, failed: 0, pulled: 0, applied: 0, requests: 0, rateLimited: 0, rateLimitWaitMs: 0, reason }
}

const system = (deps: CoreDeps, tenantId: string) => <Result>(fn: (trx: TenantTransaction) => Promise<Result>) => withTenant(deps.db, { tenantId }, fn)

async function syncLocked(deps: CoreDeps, input: { tenantId: string; trigger: CrmSyncTrigger; runId?: string }, options: CrmSyncOptions): Promise<CrmSyncResult> {
  const inTenant = system(deps, input.tenantId)
  const connection = await inTenant((trx) => trx.selectFrom('crm_connections').selectAll().executeTakeFirst())
  if (!connection || connection.status !== 'connected') {
    if (input.runId) await finishRun(deps, input.tenantId, input.runId, { status: 'skipped', error: 'No CRM is connected.' })
    return emptyResult('skipped', input.runId ?? null, 'not connected')
  }
  const provider = connection.provider as 'hubspot' | 'salesforce'
  if (connection.rate_limited_until && connection.rate_limited_until > deps.now() && input.trigger !== 'manual' && input.trigger !== 'retry') {
    if (input.runId) await finishRun(deps, input.tenantId, input.runId, { status: 'rate_limited', error: `The CRM's daily API limit is used up; syncing resumes at ${connection.rate_limited_until.toISOString()}.` })
    return { ...emptyResult('rate_limited', input.runId ?? null, 'daily limit'), retryAt: connection.rate_limited_until }
  }

  const runId = input.runId ?? (await inTenant(async (trx) => (await trx.insertInto('crm_sync_runs').values({ tenant_id: input.tenantId, provider, trigger: input.trigger }).returning('id').executeTakeFirstOrThrow()).id))
  await inTenant((trx) => trx.updateTable('crm_sync_runs').set({ status: 'running', started_at: deps.now() }).where('id', '=', runId).execute())

  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const limiter = options.limiter ?? defaultLimiter(provider, options)
  const counters = { requests: 0, rateLimited: 0 }
  const connector = connectorFor(readConnectionCredentials(connection), {
    beforeRequest: () => limiter.take(),
    afterResponse: () => {
      counters.requests++
    },
  }, { timeoutMs: options.requestTimeoutMs, attributionMode: connection.attribution_mode as AttributionMode })
  const label = crmLabel(provider)
  const call = <Result>(what: string, fn: () => Promise<Result>) => withRetries(what, fn, { limiter, sleep, random: options.random, counters })

  const result: CrmSyncResult = { ...emptyResult('succeeded', runId), runId }
  const progressId = await inTenant(async (trx) => (await trx.selectFrom('crm_sync_runs').select('progress_id').where('id', '=', runId).executeTakeFirst())?.progress_id ?? null)
  const snapshot = () => ({ ...result, requests: counters.requests, rateLimited: counters.rateLimited, rateLimitWaitMs: Math.round(limiter.waitedMs) })

  try {
    if (!connection.schema_ready_at) {
      const mapping = effectiveFieldMapping(provider, connection.field_mapping as FieldMapping)
      await call('prepare the CRM (custom properties)', () => connector.ensureSchema({ attributionMode: connection.attribution_mode as AttributionMode, ...mappedProperties(mapping) }))
      await inTenant((trx) => trx.updateTable('crm_connections').set({ schema_ready_at: deps.now() }).execute())
    }

    await pushChanges(deps, { tenantId: input.tenantId, connection, connector, call, runId, progressId, result, snapshot, retryFailed: input.trigger === 'retry', onBatch: options.onBatch, batchSize: Math.min(PUSH_BATCH_SIZE, Math.max(1, options.batchSize ?? PUSH_BATCH_SIZE)) })
    // Partner replies whose deal did not exist when they arrived (crm.note waited): now it may.
    await writePendingCrmNotes(deps, { tenantId: input.tenantId, provider, connectedAt: connection.connected_at, connector, call })
    await pullChanges(deps, { tenantId: input.tenantId, connection, connector, call, label, result, runId, snapshot })

    result.status = result.failed > 0 ? 'partial' : 'succeeded'
    const final = snapshot()
    await finishRun(deps, input.tenantId, runId, { status: final.status, counters: final, error: result.failed > 0 ? `${result.failed} record(s) were refused by ${label}; see the failed records below.` : null })
    await inTenant((trx) => trx.updateTable('crm_connections').set({ last_push_at: deps.now(), last_pull_at: deps.now(), last_error: null, last_error_at: null, rate_limited_until: null, updated_at: deps.now() }).execute())
    if (progressId) await updateProgress(deps, input.tenantId, progressId, { status: 'succeeded', message: `${result.pushed} pushed, ${result.applied} updates pulled` })
    return final
  } catch (error) {
    const final = snapshot()
    if (isCrmError(error) && error.kind === 'rate_limited') {
      // A daily quota (or a rolling wait too long to sleep through): stop here and come back when it resets.
      const retryAt = new Date(deps.now().getTime() + (error.details.retryAfterMs ?? 3_600_000))
      final.status = 'rate_limited'
      final.retryAt = retryAt
      await finishRun(deps, input.tenantId, runId, { status: 'rate_limited', counters: final, error: `${label} API limit reached (${error.details.policy ?? 'unknown'} limit): the sync continues at ${retryAt.toISOString()}.` })
      await inTenant((trx) => trx.updateTable('crm_connections').set({ rate_limited_until: retryAt, last_error: `API limit reached; resuming at ${retryAt.toISOString()}`, last_error_at: deps.now() }).execute())
      if (progressId) await updateProgress(deps, input.tenantId, progressId, { status: 'running', message: `Waiting for ${label}'s API limit to reset (${retryAt.toISOString()})` })
      return final
    }
    const message = describeFailure(error, label)
    final.status = 'failed'
    await finishRun(deps, input.tenantId, runId, { status: 'failed', counters: final, error: message })
    const authFailed = isCrmError(error) && error.kind === 'auth'
    await inTenant((trx) =>
      trx
        .updateTable('crm_connections')
        .set({ last_error: message, last_error_at: deps.now(), ...(authFailed ? { status: 'error' } : {}) })
        .execute(),
    )
    if (progressId) await updateProgress(deps, input.tenantId, progressId, { status: 'failed', message })
    // Credentials problems do not heal by retrying; anything else goes back to pg-boss for a later attempt.
    if (authFailed) return { ...final, reason: message }
    throw error
  }
}

type CrmSyncTrigger = 'initial' | 'scheduled' | 'manual' | 'change' | 'webhook' | 'retry'

function describeFailure(error: unknown, label: string): string {
  if (isCrmError(error)) {
    // The guard refused the address (or the one the CRM redirected to): its own words, and what to do.
    if (error.details.outbound === 'not_allowed' || error.details.outbound === 'redirected') return `${describeOutboundFailure(label, error.details.outbound)} Reconnect with ${label}'s own address.`
    if (error.kind === 'auth') return `${label} refused the credentials (${error.message}). Reconnect with a valid token.`
    if (error.kind === 'transient') return `${label} did not answer properly after several tries (${error.message}); the sync will try again.`
    return `${label}: ${error.message}`
  }
  return error instanceof Error ? error.message : String(error)
}

interface RetryState {
  limiter: RequestLimiter
  sleep: (ms: number) => Promise<void>
  random?: () => number
  counters: { requests: number; rateLimited: number }
}

/** Retries rate limits (short waits) and transient failures with exponential backoff and jitter; rethrows the rest. */
async function withRetries<Result>(what: string, fn: () => Promise<Result>, state: RetryState): Promise<Result> {
  let transientFailures = 0
  for (;;) {
    try {
      return await fn()
    } catch (error) {
      if (!isCrmError(error)) throw error
      if (error.kind === 'rate_limited') {
        state.counters.rateLimited++
        const wait = error.details.retryAfterMs ?? 10_000
        if (error.details.policy === 'daily' || wait > MAX_INLINE_WAIT_MS) throw error
        // Hold every request of this run, not just this one, then try again.
        state.limiter.pauseFor(wait + Math.round((state.random ?? Math.random)() * 250))
        continue
      }
      if (error.kind === 'transient') {
        transientFailures++
        if (transientFailures >= TRANSIENT_ATTEMPTS) throw new CrmError('transient', `${what}: ${error.message}`, { cause: error })
        await state.sleep(backoffDelay(transientFailures, { baseMs: 500, capMs: 15_000, random: state.random }))
        continue
      }
      throw error
    }
  }
}

interface PlannedPush {
  push: CrmDealPush
  hash: string
  isNew: boolean
}

async function pushChanges(
  deps: CoreDeps,
  context: {
    tenantId: string
    connection: CrmConnectionRow
    connector: CrmConnector
    call: <Result>(what: string, fn: () => Promise<Result>) => Promise<Result>
    runId: string
    progressId: string | null
    result: CrmSyncResult
    snapshot: () => CrmSyncResult
    retryFailed: boolean
    onBatch?: (pushedSoFar: number) => Promise<void> | void
    batchSize: number
  },
): Promise<void> {
  const { tenantId, connection, connector, call, result } = context
  const provider = connection.provider as 'hubspot' | 'salesforce'
  const inTenant = system(deps, tenantId)
  const planned = await inTenant((trx) => planPushes(trx, { provider, connection, retryFailed: context.retryFailed }))
  result.toPush = planned.length
  await inTenant((trx) => trx.updateTable('crm_sync_runs').set({ to_push: planned.length }).where('id', '=', context.runId).execute())
  if (context.progressId) await updateProgress(deps, tenantId, context.progressId, { status: 'running', total: planned.length, done: 0, message: `Pushing ${planned.length} registrations` })

  for (let start = 0; start < planned.length; start += context.batchSize) {
    const batch = planned.slice(start, start + context.batchSize)
    await pushBatch(deps, { tenantId, provider, connector, call, result }, batch)
    const counters = context.snapshot()
    await inTenant((trx) =>
      trx
        .updateTable('crm_sync_runs')
        .set({ pushed: result.pushed, created: result.created, failed: result.failed, requests: counters.requests, rate_limited: counters.rateLimited, rate_limit_wait_ms: counters.rateLimitWaitMs })
        .where('id', '=', context.runId)
        .execute(),
    )
    if (context.progressId) await updateProgress(deps, tenantId, context.progressId, { done: Math.min(planned.length, start + batch.length), message: `Pushed ${result.pushed} of ${planned.length}` })
    await context.onBatch?.(result.pushed)
  }
}

/** A refused batch is split until the refused records are alone; each of those gets its error recorded, the rest go through. */
async function pushBatch(
  deps: CoreDeps,
  context: { tenantId: string; provider: 'hubspot' | 'salesforce'; connector: CrmConnector; call: <Result>(what: string, fn: () => Promise<Result>) => Promise<Result>; result: CrmSyncResult },
  batch: PlannedPush[],
): Promise<void> {
  let confirmed: CrmDealPushResult[]
  try {
    confirmed = await context.call(`push ${batch.length} deals`, () => context.connector.upsertDeals(batch.map((entry) => entry.push)))
  } catch (error) {
    if (!(isCrmError(error) && (error.kind === 'invalid' || error.kind === 'not_found'))) throw error
    if (batch.length === 1) {
      await recordPushFailure(deps, context, batch[0] as PlannedPush, error.message)
      context.result.failed++
      return
    }
    const middle = Math.ceil(batch.length / 2)
    await pushBatch(deps, context, batch.slice(0, middle))
    await pushBatch(deps, context, batch.slice(middle))
    return
  }
  await recordPushSuccess(deps, context, batch, confirmed)
}

async function recordPushSuccess(deps: CoreDeps, context: { tenantId: string; provider: 'hubspot' | 'salesforce'; result: CrmSyncResult }, batch: PlannedPush[], confirmed: CrmDealPushResult[]): Promise<void> {
  const byRegistration = new Map(confirmed.map((entry) => [entry.registrationId, entry]))
  const now = deps.now()
  const rows: Array<{ object_type: 'deal' | 'company' | 'contact' | 'partner'; local_key: string; external_id: string; pushed_hash: string | null }> = []
  for (const entry of batch) {
    const outcome = byRegistration.get(entry.push.registrationId)
    if (!outcome) continue
    rows.push({ object_type: 'deal', local_key: entry.push.registrationId, external_id: outcome.dealId, pushed_hash: entry.hash })
    if (outcome.companyId) rows.push({ object_type: 'company', local_key: entry.push.company.accountId, external_id: outcome.companyId, pushed_hash: null })
    if (outcome.contactId && entry.push.contact) rows.push({ object_type: 'contact', local_key: entry.push.contact.email, external_id: outcome.contactId, pushed_hash: null })
    if (outcome.partnerRecordId) rows.push({ object_type: 'partner', local_key: entry.push.partner.partnerId, external_id: outcome.partnerRecordId, pushed_hash: null })
    context.result.pushed++
    if (outcome.created) context.result.created++
  }
  // One row per key (several deals share a company, contact or partner).
  const unique = [...new Map(rows.map((row) => [`${row.object_type}:${row.local_key}`, row])).values()]
  if (unique.length === 0) return
  await withTenant(deps.db, { tenantId: context.tenantId }, async (trx) => {
    await trx
      .insertInto('crm_records')
      .values(unique.map((row) => ({ tenant_id: context.tenantId, provider: context.provider, ...row, last_synced_at: now, updated_at: now })))
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'provider', 'object_type', 'local_key']).doUpdateSet((eb) => ({
          external_id: eb.ref('excluded.external_id'),
          pushed_hash: sql`coalesce(excluded.pushed_hash, crm_records.pushed_hash)`,
          last_synced_at: eb.ref('excluded.last_synced_at'),
          last_error: null,
          last_error_at: null,
          failed_attempts: 0,
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute()
  })
}

async function recordPushFailure(deps: CoreDeps, context: { tenantId: string; provider: 'hubspot' | 'salesforce' }, entry: PlannedPush, message: string): Promise<void> {
  const now = deps.now()
  await withTenant(deps.db, { tenantId: context.tenantId }, (trx) =>
    trx
      .insertInto('crm_records')
      .values({ tenant_id: context.tenantId, provider: context.provider, object_type: 'deal', local_key: entry.push.registrationId, last_error: message.slice(0, 1000), last_error_at: now, failed_attempts: 1 })
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'provider', 'object_type', 'local_key']).doUpdateSet({
          last_error: message.slice(0, 1000),
          last_error_at: now,
          failed_attempts: sql`crm_records.failed_attempts + 1`,
          updated_at: now,
        }),
      )
      .execute(),
  )
}

export function hashPush(push: CrmDealPush): string {
  // Only what Accord owns: CRM-owned create-only values never trigger an update.
  const owned = { properties: push.properties, partner: push.partner, attribution: push.attribution, accountId: push.company.accountId, contact: push.contact?.email ?? null }
  return createHash('sha256').update(stableJson(owned)).digest('base64url').slice(0, 32)
}

/** JSON with object keys sorted at every level, so equal content always hashes equally. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>).filter(([, entry]) => entry !== undefined)
  entries.sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`
}

/** Every registration whose Accord-owned CRM fields differ from what was last pushed (or that was never pushed). */
export async function planPushes(
  trx: TenantTransaction,
  input: { provider: 'hubspot' | 'salesforce'; connection: Pick<CrmConnectionRow, 'field_mapping' | 'stage_mapping'>; retryFailed: boolean; registrationIds?: string[]; includeUnchanged?: boolean },
): Promise<PlannedPush[]> {
  const sources = await loadSyncSources(trx, { registrationIds: input.registrationIds })
  if (sources.length === 0) return []
  const mapping = effectiveFieldMapping(input.provider, input.connection.field_mapping as FieldMapping)
  const stageMapping = (input.connection.stage_mapping ?? {}) as StageMapping
  const records = await trx
    .selectFrom('crm_records')
    .select(['object_type', 'local_key', 'external_id', 'pushed_hash', 'failed_attempts'])
    .where('provider', '=', input.provider)
    .execute()
  const known = new Map(records.map((record) => [`${record.object_type}:${record.local_key}`, record]))
  const planned: PlannedPush[] = []
  for (const source of sources) {
    const deal = known.get(`deal:${source.registrationId}`)
    if (deal && deal.failed_attempts >= RECORD_ATTEMPT_LIMIT && !input.retryFailed) continue
    const company = known.get(`company:${source.accountId}`)?.external_id ?? undefined
    const contact = known.get(`contact:${source.contactEmail.toLowerCase()}`)?.external_id ?? undefined
    const partner = known.get(`partner:${source.partner.id}`)?.external_id ?? undefined
    const push = planDealPush(input.provider, source, mapping, stageMapping, {
      dealId: deal?.external_id ?? undefined,
      companyId: company,
      contactId: contact,
      partnerRecordId: partner,
    })
    const hash = hashPush(push)
    if (!input.includeUnchanged && deal?.external_id && deal.pushed_hash === hash) continue
    planned.push({ push, hash, isNew: !deal?.external_id })
  }
  return planned
}

/** Approved (and since closed) registrations with what the CRM record needs, oldest first. */
export async function loadSyncSources(trx: TenantTransaction, input: { registrationIds?: string[] } = {}): Promise<RegistrationSyncSource[]> {
  let query = trx
    .selectFrom('registrations as r')
    .innerJoin('partner_organisations as p', 'p.id', 'r.partner_id')
    .leftJoin('deals as d', 'd.id', 'r.deal_id')
    .leftJoin('deal_partners as dp', (join) => join.onRef('dp.deal_id', '=', 'r.deal_id').onRef('dp.partner_id', '=', 'r.partner_id'))
    .select([
      'r.id',
      'r.partner_id',
      'r.case_number',
      'r.kind',
      'r.status',
      'r.motion',
      'r.company_name',
      'r.domain',
      'r.account_id',
      'r.contact_name',
      'r.contact_email',
      'r.contact_role',
      'r.amount',
      'r.currency',
      'r.expected_close',
      'r.deal_stage',
      'r.protection_starts_at',
      'r.protection_ends_at',
      'r.conflict_status',
      'r.last_activity_at',
      'p.name as partner_name',
      'p.type as partner_type',
      'p.email_domains as partner_domains',
      'd.stage as deal_stage_now',
      'd.amount as deal_amount',
      'd.currency as deal_currency',
      'd.expected_close as deal_expected_close',
      'dp.attribution',
      'dp.percent',
      'dp.contact_role as partner_contact_role',
    ])
    .where('r.status', 'in', [...LIVE_STATUSES])
    .where('r.protection_starts_at', 'is not', null)
    .orderBy('r.case_number')
  if (input.registrationIds) query = query.where('r.id', 'in', input.registrationIds.length > 0 ? input.registrationIds : ['00000000-0000-0000-0000-000000000000'])
  const rows = await query.execute()
  const iso = (value: Date | string | null) => (value === null ? null : value instanceof Date ? value.toISOString() : value)
  const dayOf = (value: Date | string | null) => (value === null ? null : value instanceof Date ? value.toISOString().slice(0, 10) : value.slice(0, 10))
  return rows.map((row) => ({
    registrationId: row.id,
    caseNumber: row.case_number,
    kind: row.kind as 'lead' | 'deal',
    status: row.status,
    motion: row.motion,
    companyName: row.company_name,
    domain: row.domain,
    accountId: row.account_id,
    contactName: row.contact_name,
    contactEmail: row.contact_email,
    contactRole: row.contact_role,
    amount: row.deal_amount !== null ? Number(row.deal_amount) : row.amount !== null ? Number(row.amount) : null,
    currency: row.deal_currency ?? row.currency,
    expectedClose: dayOf(row.deal_expected_close ?? row.expected_close),
    stage: row.deal_stage_now ?? row.deal_stage,
    partner: { id: row.partner_id, name: row.partner_name, type: row.partner_type, domain: row.partner_domains[0] ?? null },
    attribution: (row.attribution as 'sourced' | 'influenced' | null) ?? 'sourced',
    attributionPercent: row.percent !== null ? Number(row.percent) : 100,
    partnerContactRole: row.partner_contact_role,
    protectionStartsAt: iso(row.protection_starts_at),
    protectionEndsAt: iso(row.protection_ends_at),
    conflictStatus: row.conflict_status,
    lastActivityAt: iso(row.last_activity_at) ?? '',
  }))
}

async function pullChanges(
  deps: CoreDeps,
  context: {
    tenantId: string
    connection: CrmConnectionRow
    connector: CrmConnector
    call: <Result>(what: string, fn: () => Promise<Result>) => Promise<Result>
    label: string
    result: CrmSyncResult
    runId: string
    snapshot: () => CrmSyncResult
  },
): Promise<void> {
  const { tenantId, connector, call, result } = context
  const inTenant = system(deps, tenantId)
  let cursor = context.connection.pull_cursor
  const provider = context.connection.provider as 'hubspot' | 'salesforce'
  const reverseStages = reverseStageMapping((context.connection.stage_mapping ?? {}) as StageMapping)
  for (let page = 0; page < MAX_PULL_PAGES_PER_RUN; page++) {
    const changes = await call('pull changed deals', () => connector.pullChangedDeals({ cursor, limit: PULL_PAGE_SIZE }))
    result.pulled += changes.changes.length
    const closures: Array<{ registrationId: string; outcome: 'won' | 'lost' }> = []
    await inTenant(async (trx) => {
      const applied = await applyDealChanges(trx, deps, { provider, changes: changes.changes, reverseStages })
      result.applied += applied.changed
      closures.push(...applied.closures)
      if (changes.cursor !== null) await trx.updateTable('crm_connections').set({ pull_cursor: changes.cursor }).execute()
    })
    // Closing runs the same path as staff closing (event, partner e-mail); each is idempotent.
    for (const closure of closures) {
      const closed = await closeRegistrationFromCrm(deps, { tenantId, registrationId: closure.registrationId, outcome: closure.outcome, crmLabel: context.label })
      if (closed.closed) result.applied++
    }
    if (changes.cursor !== null) cursor = changes.cursor
    const counters = context.snapshot()
    await inTenant((trx) => trx.updateTable('crm_sync_runs').set({ pulled: result.pulled, applied: result.applied, requests: counters.requests, rate_limited: counters.rateLimited, rate_limit_wait_ms: counters.rateLimitWaitMs }).where('id', '=', context.runId).execute())
    if (!changes.more) break
  }
}

function reverseStageMapping(mapping: StageMapping): Map<string, { motion: string; stage: string }> {
  const reverse = new Map<string, { motion: string; stage: string }>()
  for (const [accordStage, crmStage] of Object.entries(mapping)) {
    const [motion, stage] = accordStage.split(':')
    if (motion && stage && stage !== '*' && !reverse.has(`${motion}:${crmStage}`)) reverse.set(`${motion}:${crmStage}`, { motion, stage })
  }
  return reverse
}

/**
 * Bring Accord's copies of a page of CRM deals in line with the CRM, in a
 * constant number of statements: returns how many deals changed and which
 * registrations the CRM closed. Deals Accord did not create are ignored.
 */
async function applyDealChanges(
  trx: TenantTransaction,
  deps: CoreDeps,
  input: { provider: 'hubspot' | 'salesforce'; changes: CrmDealChange[]; reverseStages: Map<string, { motion: string; stage: string }> },
): Promise<{ changed: number; closures: Array<{ registrationId: string; outcome: 'won' | 'lost' }> }> {
  const unkeyed = input.changes.filter((change) => !change.registrationId).map((change) => change.dealId)
  const mapped = unkeyed.length === 0 ? [] : await trx.selectFrom('crm_records').select(['local_key', 'external_id']).where('provider', '=', input.provider).where('object_type', '=', 'deal').where('external_id', 'in', unkeyed).execute()
  const registrationByDeal = new Map(mapped.map((row) => [row.external_id as string, row.local_key]))
  // The newest state per registration wins when a page holds the same deal twice.
  const byRegistration = new Map<string, CrmDealChange>()
  for (const change of input.changes) {
    const registrationId = change.registrationId ?? registrationByDeal.get(change.dealId)
    if (registrationId && isUuidText(registrationId)) byRegistration.set(registrationId, change)
  }
  if (byRegistration.size === 0) return { changed: 0, closures: [] }
  const current = await trx
    .selectFrom('registrations as r')
    .leftJoin('deals as d', 'd.id', 'r.deal_id')
    .select(['r.id', 'r.status', 'r.deal_id', 'r.motion', 'd.amount', 'd.currency', 'd.expected_close', 'd.crm_stage', 'd.stage'])
    .where('r.id', 'in', [...byRegistration.keys()])
    .execute()
  const updates: Array<{ dealId: string; amount: string | null; currency: string | null; expectedClose: string | null; crmStage: string | null; stage: string | null }> = []
  const closures: Array<{ registrationId: string; outcome: 'won' | 'lost' }> = []
  for (const row of current) {
    const change = byRegistration.get(row.id)
    if (!change) continue
    if (change.outcome !== 'open' && row.status === 'approved') closures.push({ registrationId: row.id, outcome: change.outcome })
    if (!row.deal_id) continue
    const amount = change.amount === null ? null : change.amount.toFixed(2)
    const currency = change.currency && /^[A-Z]{3}$/.test(change.currency) ? change.currency : row.currency
    const close = row.expected_close === null ? null : row.expected_close instanceof Date ? row.expected_close.toISOString().slice(0, 10) : String(row.expected_close).slice(0, 10)
    const accordStage = change.stage ? input.reverseStages.get(`${row.motion}:${change.stage}`) : undefined
    const stage = accordStage ? accordStage.stage : row.stage
    const differs =
      amount !== (row.amount === null ? null : Number(row.amount).toFixed(2)) || currency !== row.currency || change.closeDate !== close || change.stage !== row.crm_stage || stage !== row.stage
    if (differs) updates.push({ dealId: row.deal_id, amount, currency, expectedClose: change.closeDate, crmStage: change.stage, stage })
  }
  const now = deps.now()
  if (updates.length > 0) {
    const values = sql.join(updates.map((update) => sql`(${update.dealId}::uuid, ${update.amount}::numeric, ${update.currency}::text, ${update.expectedClose}::date, ${update.crmStage}::text, ${update.stage}::text)`))
    await sql`
      update deals set amount = v.amount, currency = v.currency, expected_close = v.expected_close, crm_stage = v.crm_stage, stage = coalesce(v.stage, deals.stage), crm_synced_at = ${now}, updated_at = ${now}
      from (values ${values}) as v (id, amount, currency, expected_close, crm_stage, stage)
      where deals.id = v.id
    `.execute(trx)
  }
  await trx
    .updateTable('crm_records')
    .set({ last_pulled_at: now })
    .where('provider', '=', input.provider)
    .where('object_type', '=', 'deal')
    .where('local_key', 'in', [...byRegistration.keys()])
    .execute()
  return { changed: updates.length, closures }
}

const isUuidText = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)

async function finishRun(
  deps: CoreDeps,
  tenantId: string,
  runId: string,
  input: { status: CrmSyncResult['status']; counters?: CrmSyncResult; error?: string | null },
): Promise<void> {
  const counters = input.counters
  await withTenant(deps.db, { tenantId }, (trx) =>
    trx
      .updateTable('crm_sync_runs')
      .set({
        status: input.status,
        finished_at: deps.now(),
        error: input.error ?? null,
        ...(counters
          ? {
              to_push: counters.toPush,
              pushed: counters.pushed,
              created: counters.created,
              failed: counters.failed,
              pulled: counters.pulled,
              applied: counters.applied,
              requests: counters.requests,
              rate_limited: counters.rateLimited,
              rate_limit_wait_ms: counters.rateLimitWaitMs,
            }
          : {}),
      })
      .where('id', '=', runId)
      .execute(),
  )
}

async function updateProgress(deps: CoreDeps, tenantId: string, progressId: string, input: { status?: 'running' | 'succeeded' | 'failed'; total?: number; done?: number; message?: string }): Promise<void> {
  await withTenant(deps.db, { tenantId }, (trx) => trx.updateTable('job_progress').set({ ...input, updated_at: deps.now() }).where('id', '=', progressId).execute())
}

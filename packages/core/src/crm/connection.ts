import {
  ATTRIBUTION_MODES,
  type AttributionMode,
  type CrmCredentials,
  crmCredentials,
  effectiveFieldMapping,
  type FieldMapping,
  fieldMappingInput,
  isCrmError,
  mappingProblems,
  SYNC_FIELD_NAMES,
  SYNC_FIELDS,
  type SyncField,
} from '@accord/crm'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { isUuid, sql, type TenantTransaction, withTenant } from '@accord/db'
import { crmSync } from '@accord/jobs'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreContext, CoreDeps, StaffContext } from '../context.js'
import { AppError } from '../errors.js'
import { staffCan } from '../permissions.js'
import { inActorScope, requireStaff } from '../scope.js'
import { MOTIONS, readProgrammeSettings } from '../settings.js'
import { parseInput, uuid } from '../validation.js'
import { connectorFor, crmLabel, describeCrmFailure, readConnectionCredentials, sealCredentials } from './connection-store.js'
import { decryptSecret, encryptSecret } from '../encryption/secrets.js'
import { planPushes, RECORD_ATTEMPT_LIMIT } from './sync.js'
import { requireVerifiedEmail } from '../identity/verified-email.js'

/**
 * What vendor staff do on the CRM settings page: connect (the credentials are
 * tried before anything is stored), choose the attribution mode, map fields
 * and stages, preview a sync, sync now, read the sync log, retry failures,
 * disconnect. Every sync itself runs in the worker (crm.sync).
 */

const CONNECT_TIMEOUT_MS = 10_000

export const connectCrmInput = z.object({
  credentials: crmCredentials,
  attributionMode: z.enum(ATTRIBUTION_MODES as [AttributionMode, ...AttributionMode[]]).default('deal_property'),
})

/** Try the credentials, store them encrypted, and start the initial sync (with a progress bar). */
export async function connectCrm(ctx: CoreContext, rawInput: z.input<typeof connectCrmInput>) {
  requireStaff(ctx, 'crm.manage')
  await requireVerifiedEmail(ctx, 'connect_crm')
  const input = parseInput(connectCrmInput, rawInput)
  const account = await tryCredentials(input.credentials)
  return inActorScope(ctx, async (trx) => {
    const existing = await trx.selectFrom('crm_connections').select(['provider', 'webhook_secret_ciphertext']).executeTakeFirst()
    const sameProvider = existing?.provider === input.credentials.provider
    const now = ctx.now()
    const values = {
      provider: input.credentials.provider,
      status: 'connected' as const,
      credentials_ciphertext: sealCredentials(input.credentials),
      // The webhook URL survives reconnecting, so the CRM's subscription keeps working.
      webhook_secret_ciphertext: existing?.webhook_secret_ciphertext ?? encryptSecret(randomBytes(24).toString('base64url')),
      account_label: account,
      attribution_mode: input.attributionMode,
      schema_ready_at: null,
      last_error: null,
      last_error_at: null,
      rate_limited_until: null,
      connected_at: now,
      connected_by_user_id: ctx.actor.userId,
      disconnected_at: null,
      updated_at: now,
    }
    await trx
      .insertInto('crm_connections')
      .values({ tenant_id: ctx.actor.tenantId, ...values })
      .onConflict((conflict) =>
        // Reconnecting the same CRM keeps mapping, cursor and (in crm_records) the id map; another CRM starts fresh.
        conflict.column('tenant_id').doUpdateSet(sameProvider ? values : { ...values, field_mapping: '{}', stage_mapping: '{}', pull_cursor: null }),
      )
      .execute()
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'crm.connected', targetType: 'crm', details: { provider: input.credentials.provider, account, attributionMode: input.attributionMode, reconnected: Boolean(existing) } })
    const runId = await enqueueSync(trx, ctx, input.credentials.provider, 'initial')
    return { provider: input.credentials.provider, account, runId }
  })
}

async function tryCredentials(credentials: CrmCredentials): Promise<string> {
  const secretField = credentials.provider === 'hubspot' ? 'credentials.accessToken' : credentials.method === 'password' ? 'credentials.password' : 'credentials.accessToken'
  const addressField = credentials.provider === 'hubspot' ? 'credentials.baseUrl' : 'credentials.loginUrl'
  try {
    const info = await connectorFor(credentials, {}, { timeoutMs: CONNECT_TIMEOUT_MS }).testConnection()
    return info.account
  } catch (error) {
    const label = crmLabel(credentials.provider)
    if (isCrmError(error) && error.kind === 'rate_limited') {
      throw new AppError('RATE_LIMITED', `${label} says its API limit is reached; try again in a minute.`, { retryAfterSeconds: Math.ceil((error.details.retryAfterMs ?? 60_000) / 1000) })
    }
    // The form says what kind of failure it was, never what the address answered (see describeCrmFailure).
    const failure = describeCrmFailure(error, credentials.provider)
    if (failure.credentials) throw AppError.validation({ [secretField]: [failure.message] }, `${label} refused the connection.`)
    throw AppError.validation({ [addressField]: [failure.message] }, `${label} could not be reached.`)
  }
}

/** A sync-log row (and a progress row for the initial sync), and the job, in the caller's transaction. */
async function enqueueSync(trx: TenantTransaction, ctx: CoreContext & { actor: { tenantId: string } }, provider: string, trigger: 'initial' | 'manual' | 'retry'): Promise<string> {
  const tenantId = ctx.actor.tenantId
  const progress =
    trigger === 'initial' ? await trx.insertInto('job_progress').values({ tenant_id: tenantId, kind: 'crm_initial_sync', status: 'queued', message: 'Waiting for a worker…' }).returning('id').executeTakeFirstOrThrow() : null
  const run = await trx.insertInto('crm_sync_runs').values({ tenant_id: tenantId, provider, trigger, status: 'running', progress_id: progress?.id ?? null }).returning('id').executeTakeFirstOrThrow()
  await ctx.jobs.send(trx, crmSync, { tenantId, trigger, runId: run.id })
  return run.id
}

async function loadConnection(trx: TenantTransaction) {
  const connection = await trx.selectFrom('crm_connections').selectAll().executeTakeFirst()
  if (!connection) throw new AppError('NOT_FOUND', 'No CRM is connected. Accord uses its built-in CRM until you connect HubSpot or Salesforce.')
  return connection
}

async function loadActiveConnection(trx: TenantTransaction) {
  const connection = await loadConnection(trx)
  if (connection.status === 'disconnected') throw new AppError('CONFLICT', `${crmLabel(connection.provider)} is disconnected. Reconnect it first.`)
  return connection
}

/** The whole settings page: connection, health, mapping catalogue, recent runs, failed records. */
export async function getCrmSettings(ctx: CoreContext) {
  requireStaff(ctx, 'crm.view')
  return inActorScope(ctx, async (trx) => {
    const connection = await trx.selectFrom('crm_connections').selectAll().executeTakeFirst()
    const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
    const settings = readProgrammeSettings(tenant.settings)
    const motions = MOTIONS.map((motion) => ({ key: motion, label: settings.motions[motion].label, stages: settings.motions[motion].stages.map((stage) => ({ key: stage.key, label: stage.label })) }))
    if (!connection) return { provider: 'builtin' as const, connection: null, motions, fields: fieldCatalogue('hubspot', null), runs: [], failedRecords: [], mappedCount: 0 }
    const provider = connection.provider as 'hubspot' | 'salesforce'
    const runs = await trx
      .selectFrom('crm_sync_runs as r')
      .leftJoin('job_progress as j', (join) => join.onRef('j.tenant_id', '=', 'r.tenant_id').onRef('j.id', '=', 'r.progress_id'))
      .select(['r.id', 'r.trigger', 'r.status', 'r.to_push', 'r.pushed', 'r.created', 'r.failed', 'r.pulled', 'r.applied', 'r.requests', 'r.rate_limited', 'r.rate_limit_wait_ms', 'r.error', 'r.started_at', 'r.finished_at', 'j.total as progress_total', 'j.done as progress_done', 'j.message as progress_message'])
      .where('r.provider', '=', provider)
      .orderBy('r.started_at', 'desc')
      .limit(20)
      .execute()
    const failedRecords = await trx
      .selectFrom('crm_records as c')
      .leftJoin('registrations as r', (join) => join.on((eb) => eb(eb.cast('r.id', 'text'), '=', eb.ref('c.local_key'))))
      .select(['c.local_key as registration_id', 'c.last_error', 'c.last_error_at', 'c.failed_attempts', 'r.case_number', 'r.company_name'])
      .where('c.provider', '=', provider)
      .where('c.object_type', '=', 'deal')
      .where('c.last_error', 'is not', null)
      .orderBy('c.last_error_at', 'desc')
      .limit(50)
      .execute()
    const mapped = await trx.selectFrom('crm_records').select((eb) => eb.fn.countAll<string>().as('count')).where('provider', '=', provider).where('object_type', '=', 'deal').where('external_id', 'is not', null).executeTakeFirstOrThrow()
    return {
      provider,
      connection: {
        status: connection.status,
        account: connection.account_label,
        attributionMode: connection.attribution_mode as AttributionMode,
        stageMapping: connection.stage_mapping as Record<string, string>,
        connectedAt: connection.connected_at,
        lastPushAt: connection.last_push_at,
        lastPullAt: connection.last_pull_at,
        lastError: connection.last_error,
        lastErrorAt: connection.last_error_at,
        rateLimitedUntil: connection.rate_limited_until,
        schemaReady: connection.schema_ready_at !== null,
        webhookUrl: connection.webhook_secret_ciphertext && staffCan(ctx.actor.role, 'crm.manage') ? `${ctx.adminUrl}/api/crm/webhook/${ctx.actor.tenantId}.${decryptSecret(connection.webhook_secret_ciphertext)}` : null,
      },
      motions,
      fields: fieldCatalogue(provider, connection.field_mapping as FieldMapping),
      runs: runs.map((run) => ({ ...run, progress: run.progress_total === null ? null : { total: run.progress_total, done: run.progress_done ?? 0, message: run.progress_message } })),
      failedRecords: failedRecords.map((record) => ({ ...record, parked: record.failed_attempts >= RECORD_ATTEMPT_LIMIT })),
      mappedCount: Number(mapped.count),
    }
  })
}

function fieldCatalogue(provider: 'hubspot' | 'salesforce', stored: FieldMapping | null) {
  const mapping = effectiveFieldMapping(provider, stored)
  return SYNC_FIELD_NAMES.map((field) => ({
    field,
    object: SYNC_FIELDS[field].object,
    label: SYNC_FIELDS[field].label,
    owner: SYNC_FIELDS[field].owner,
    property: mapping[field],
    defaultProperty: SYNC_FIELDS[field].defaults[provider],
  }))
}

export async function testCrmConnection(ctx: CoreContext) {
  requireStaff(ctx, 'crm.manage')
  const connection = await inActorScope(ctx, loadActiveConnection)
  try {
    const info = await connectorFor(readConnectionCredentials(connection), {}, { timeoutMs: CONNECT_TIMEOUT_MS }).testConnection()
    await inActorScope(ctx, (trx) => trx.updateTable('crm_connections').set({ account_label: info.account, ...(connection.status === 'error' ? { status: 'connected', last_error: null } : {}) }).execute())
    return { ok: true as const, message: `Connected to ${info.account}.` }
  } catch (error) {
    return { ok: false as const, message: describeCrmFailure(error, connection.provider).message }
  }
}

export async function disconnectCrm(ctx: CoreContext) {
  requireStaff(ctx, 'crm.manage')
  return inActorScope(ctx, async (trx) => {
    const connection = await loadConnection(trx)
    // The row and the id map stay: reconnecting continues where this left off, without duplicates.
    await trx.updateTable('crm_connections').set({ status: 'disconnected', disconnected_at: ctx.now(), updated_at: ctx.now() }).execute()
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'crm.disconnected', targetType: 'crm', details: { provider: connection.provider } })
    return { provider: connection.provider }
  })
}

export const updateCrmMappingInput = z.object({
  attributionMode: z.enum(ATTRIBUTION_MODES as [AttributionMode, ...AttributionMode[]]).optional(),
  fieldMapping: fieldMappingInput.optional(),
  /** "motion:stage" → CRM stage value; empty values remove the mapping. */
  stageMapping: z.record(z.string().regex(/^[a-z_]+:[a-z0-9_*]+$/), z.string().trim().max(200)).optional(),
})

export async function updateCrmMapping(ctx: CoreContext, rawInput: z.input<typeof updateCrmMappingInput>) {
  requireStaff(ctx, 'crm.manage')
  const input = parseInput(updateCrmMappingInput, rawInput)
  return inActorScope(ctx, async (trx) => {
    const connection = await loadConnection(trx)
    const provider = connection.provider as 'hubspot' | 'salesforce'
    const next: { attribution_mode?: AttributionMode; field_mapping?: string; stage_mapping?: string; schema_ready_at?: null } = {}
    if (input.fieldMapping) {
      const merged = { ...(connection.field_mapping as FieldMapping), ...input.fieldMapping }
      const problems = mappingProblems(effectiveFieldMapping(provider, merged))
      if (Object.keys(problems).length > 0) {
        throw AppError.validation(Object.fromEntries(Object.entries(problems).map(([field, message]) => [`fieldMapping.${field}`, [message as string]])), 'Two fields would write the same CRM property.')
      }
      for (const field of Object.keys(input.fieldMapping) as SyncField[]) {
        if (SYNC_FIELDS[field].owner === 'accord' && provider === 'salesforce' && merged[field] && !/__c$/.test(merged[field] as string)) {
          throw AppError.validation({ [`fieldMapping.${field}`]: ['Accord’s own fields go to custom fields in Salesforce: the API name ends in __c.'] })
        }
      }
      next.field_mapping = JSON.stringify(merged)
      next.schema_ready_at = null
    }
    if (input.attributionMode && input.attributionMode !== connection.attribution_mode) {
      next.attribution_mode = input.attributionMode
      next.schema_ready_at = null
    }
    if (input.stageMapping) {
      const merged: Record<string, string> = { ...(connection.stage_mapping as Record<string, string>) }
      for (const [stage, crmStage] of Object.entries(input.stageMapping)) {
        if (crmStage) merged[stage] = crmStage
        else delete merged[stage]
      }
      next.stage_mapping = JSON.stringify(merged)
    }
    if (Object.keys(next).length === 0) return { changed: false }
    await trx.updateTable('crm_connections').set({ ...next, updated_at: ctx.now() }).execute()
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'crm.mapping_updated', targetType: 'crm', details: input })
    return { changed: true }
  })
}

export async function syncCrmNow(ctx: CoreContext) {
  requireStaff(ctx, 'crm.manage')
  return inActorScope(ctx, async (trx) => {
    const connection = await loadActiveConnection(trx)
    return { runId: await enqueueSync(trx, ctx as StaffContext, connection.provider, 'manual') }
  })
}

export const retryCrmFailuresInput = z.object({ registrationIds: z.array(uuid).max(500).optional() })

/** Clear the failure count of refused records (all, or the chosen ones) and sync again. */
export async function retryCrmFailures(ctx: CoreContext, rawInput: z.input<typeof retryCrmFailuresInput> = {}) {
  requireStaff(ctx, 'crm.manage')
  const input = parseInput(retryCrmFailuresInput, rawInput)
  return inActorScope(ctx, async (trx) => {
    const connection = await loadActiveConnection(trx)
    let query = trx.updateTable('crm_records').set({ failed_attempts: 0 }).where('provider', '=', connection.provider).where('object_type', '=', 'deal').where('last_error', 'is not', null)
    if (input.registrationIds) query = query.where('local_key', 'in', input.registrationIds.length > 0 ? input.registrationIds : [''])
    const reset = await query.executeTakeFirst()
    const runId = await enqueueSync(trx, ctx as StaffContext, connection.provider, 'retry')
    return { runId, records: Number(reset.numUpdatedRows) }
  })
}

/** The sync log row behind a progress bar (polled by the settings page). */
export async function getCrmSyncRun(ctx: CoreContext, rawInput: { runId: string }) {
  requireStaff(ctx, 'crm.view')
  const input = parseInput(z.object({ runId: uuid }), rawInput)
  return inActorScope(ctx, async (trx) => {
    const run = await trx
      .selectFrom('crm_sync_runs as r')
      .leftJoin('job_progress as j', (join) => join.onRef('j.tenant_id', '=', 'r.tenant_id').onRef('j.id', '=', 'r.progress_id'))
      .select(['r.id', 'r.trigger', 'r.status', 'r.to_push', 'r.pushed', 'r.created', 'r.failed', 'r.pulled', 'r.applied', 'r.requests', 'r.rate_limited', 'r.rate_limit_wait_ms', 'r.error', 'r.started_at', 'r.finished_at', 'j.total as progress_total', 'j.done as progress_done', 'j.message as progress_message'])
      .where('r.id', '=', input.runId)
      .executeTakeFirst()
    if (!run) throw AppError.notFound('That sync run')
    return run
  })
}

/** Dry run: what the next sync would write, record by record, without calling the CRM. */
export async function previewCrmSync(ctx: CoreContext, rawInput: { limit?: number } = {}) {
  requireStaff(ctx, 'crm.view')
  const limit = Math.min(Math.max(rawInput.limit ?? 10, 1), 50)
  return inActorScope(ctx, async (trx) => {
    const connection = await loadConnection(trx)
    const provider = connection.provider as 'hubspot' | 'salesforce'
    const planned = await planPushes(trx, { provider, connection, retryFailed: false })
    const cases = await trx
      .selectFrom('registrations')
      .select(['id', 'case_number', 'company_name'])
      .where('id', 'in', planned.slice(0, limit).map((entry) => entry.push.registrationId).concat(['00000000-0000-0000-0000-000000000000']))
      .execute()
    const byId = new Map(cases.map((row) => [row.id, row]))
    return {
      provider,
      attributionMode: connection.attribution_mode as AttributionMode,
      total: planned.length,
      creates: planned.filter((entry) => entry.isNew).length,
      updates: planned.filter((entry) => !entry.isNew).length,
      records: planned.slice(0, limit).map((entry) => ({
        registrationId: entry.push.registrationId,
        caseNumber: byId.get(entry.push.registrationId)?.case_number ?? null,
        companyName: byId.get(entry.push.registrationId)?.company_name ?? entry.push.company.name,
        action: entry.isNew ? ('create' as const) : ('update' as const),
        deal: entry.isNew ? { ...entry.push.createOnlyProperties, ...entry.push.properties } : entry.push.properties,
        company: entry.push.known.companyId ? null : { name: entry.push.company.name, domain: entry.push.company.domain, ...entry.push.company.properties },
        contact: entry.push.contact && !entry.push.known.contactId ? { email: entry.push.contact.email, firstName: entry.push.contact.firstName, lastName: entry.push.contact.lastName, ...entry.push.contact.properties } : null,
        partner: { name: entry.push.partner.name, attribution: entry.push.attribution },
      })),
    }
  })
}

/** The CRM's own stages, for the stage mapping (one live call). */
export async function listCrmStages(ctx: CoreContext) {
  requireStaff(ctx, 'crm.manage')
  const connection = await inActorScope(ctx, loadActiveConnection)
  try {
    return { stages: await connectorFor(readConnectionCredentials(connection), {}, { timeoutMs: CONNECT_TIMEOUT_MS }).listStages() }
  } catch (error) {
    throw new AppError('BAD_REQUEST', `${crmLabel(connection.provider)} did not list its stages. ${describeCrmFailure(error, connection.provider).message}`)
  }
}

/** The sweep asks which tenants to sync (ids only, through a security-definer function). */
export async function listCrmConnectedTenantIds(deps: Pick<CoreContext, 'db'>): Promise<string[]> {
  const rows = await sql<{ id: string }>`select crm_connected_tenant_ids() as id`.execute(deps.db)
  return rows.rows.map((row) => row.id)
}

/**
 * The optional webhook (`POST <ADMIN_URL>/api/crm/webhook/<tenant>.<secret>`):
 * the CRM says something changed, so a sync is queued now instead of at the
 * next sweep. The body is not trusted for data (the sync pulls through the
 * API); a burst of calls is one queued job (singletonKey).
 */
export async function receiveCrmWebhook(deps: CoreDeps, input: { token: string }): Promise<{ accepted: boolean }> {
  const [tenantId, secret] = input.token.split('.')
  if (!isUuid(tenantId) || !secret || secret.length > 200) return { accepted: false }
  return withTenant(deps.db, { tenantId }, async (trx) => {
    const connection = await trx.selectFrom('crm_connections').select(['status', 'provider', 'webhook_secret_ciphertext']).executeTakeFirst()
    if (!connection?.webhook_secret_ciphertext || connection.status !== 'connected') return { accepted: false }
    const expected = Buffer.from(decryptSecret(connection.webhook_secret_ciphertext))
    const given = Buffer.from(secret)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { accepted: false }
    await deps.jobs.send(trx, crmSync, { tenantId, trigger: 'webhook' })
    return { accepted: true }
  })
}

import { type AttributionMode, type CrmConnector, isCrmError } from '@accord/crm'
import { sql, type TenantTransaction, withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { caseReference } from '../registrations/notify.js'
import { connectorFor, readConnectionCredentials } from './connection-store.js'

/**
 * Partner replies on the CRM's deal timeline (issue 5). A `partner_reply`
 * registration event becomes a HubSpot note on the deal / a completed
 * Salesforce Task on the opportunity, exactly once:
 *
 * - The CRM id of the note is kept in `crm_records` (object_type 'note',
 *   local_key = event id). A job that runs again finds it and writes nothing.
 * - Each write holds a transaction-scoped advisory lock on the event, so the
 *   `crm.note` job and the sync engine's catch-up never write the same note
 *   at the same time.
 * - The deal id comes from `crm_records` (object_type 'deal', local_key =
 *   registration id). No deal yet (registration not approved, or not pushed
 *   yet) is not an error: the note waits and the next CRM sync, right after
 *   it pushed deals, writes every waiting note (`writePendingCrmNotes`).
 *
 * Residual window: the CRM accepted the note and the worker died before the
 * map row committed; the retry then writes a second note. Neither HubSpot
 * notes nor Salesforce Tasks have an upsert key to close it without a custom
 * field.
 */

export type CrmNoteResult =
  | { status: 'written'; noteId: string }
  | { status: 'exists'; noteId: string }
  | { status: 'waiting_for_deal' }
  | { status: 'skipped'; reason: string }
  /** The CRM refused the note for good (e.g. the deal was deleted there); recorded, not retried. */
  | { status: 'refused'; reason: string }

type Provider = 'hubspot' | 'salesforce'
type Call = <Result>(what: string, fn: () => Promise<Result>) => Promise<Result>
const direct: Call = (_what, fn) => fn()

/** The `crm.note` job: write one reply to the connected CRM. Throws on CRM failures (the job retries). */
export async function writeCrmNote(deps: CoreDeps, input: { tenantId: string; registrationId: string; eventId: string }, options: { connector?: CrmConnector; requestTimeoutMs?: number } = {}): Promise<CrmNoteResult> {
  const connection = await withTenant(deps.db, { tenantId: input.tenantId }, (trx) => trx.selectFrom('crm_connections').selectAll().executeTakeFirst())
  if (!connection || connection.status !== 'connected') return { status: 'skipped', reason: 'No CRM is connected.' }
  const provider = connection.provider as Provider
  const connector =
    options.connector ?? connectorFor(readConnectionCredentials(connection), {}, { timeoutMs: options.requestTimeoutMs, attributionMode: connection.attribution_mode as AttributionMode })
  return writeOne(deps, { tenantId: input.tenantId, provider, connector, call: direct, registrationId: input.registrationId, eventId: input.eventId })
}

async function writeOne(
  deps: CoreDeps,
  input: { tenantId: string; provider: Provider; connector: CrmConnector; call: Call; registrationId: string; eventId: string },
): Promise<CrmNoteResult> {
  return withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`crm.note:${input.tenantId}:${input.eventId}`}))`.execute(trx)
    const existing = await mapped(trx, input.provider, 'note', input.eventId)
    if (existing) return { status: 'exists' as const, noteId: existing }
    const event = await trx
      .selectFrom('registration_events as e')
      .innerJoin('registrations as r', (join) => join.onRef('r.tenant_id', '=', 'e.tenant_id').onRef('r.id', '=', 'e.registration_id'))
      .select(['e.id', 'e.staff_note', 'e.actor_label', 'e.created_at', 'r.id as registration_id', 'r.case_number', 'r.company_name'])
      .where('e.id', '=', input.eventId)
      .where('e.registration_id', '=', input.registrationId)
      .where('e.type', '=', 'partner_reply')
      .executeTakeFirst()
    if (!event) return { status: 'skipped' as const, reason: 'No such partner reply.' }
    const dealId = await mapped(trx, input.provider, 'deal', event.registration_id)
    if (!dealId) return { status: 'waiting_for_deal' as const }
    const body = `Partner reply by e-mail from ${event.actor_label} on ${caseReference(event.case_number)} (${event.company_name}):\n\n${event.staff_note ?? ''}`
    const now = deps.now()
    let noteId: string
    try {
      ;({ noteId } = await input.call('write the partner reply to the deal', () =>
        input.connector.addDealNote({ dealId, body, timestamp: event.created_at.toISOString(), dedupeKey: event.id }),
      ))
    } catch (error) {
      // Refused (the deal was deleted in the CRM, a validation rule): no retry will help. Kept as a failed map row so
      // neither the job nor the sync's catch-up tries again; anything else (rate limit, outage, auth) is rethrown.
      if (!(isCrmError(error) && (error.kind === 'invalid' || error.kind === 'not_found'))) throw error
      await trx
        .insertInto('crm_records')
        .values({ tenant_id: input.tenantId, provider: input.provider, object_type: 'note', local_key: event.id, external_id: null, last_error: error.message.slice(0, 1000), last_error_at: now, failed_attempts: 1, updated_at: now })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'provider', 'object_type', 'local_key']).doUpdateSet((eb) => ({ last_error: eb.ref('excluded.last_error'), last_error_at: now, failed_attempts: sql`crm_records.failed_attempts + 1`, updated_at: now })))
        .execute()
      return { status: 'refused' as const, reason: error.message }
    }
    await trx
      .insertInto('crm_records')
      .values({ tenant_id: input.tenantId, provider: input.provider, object_type: 'note', local_key: event.id, external_id: noteId, last_synced_at: now, updated_at: now })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'provider', 'object_type', 'local_key']).doUpdateSet({ external_id: noteId, last_error: null, last_error_at: null, last_synced_at: now, updated_at: now }))
      .execute()
    return { status: 'written' as const, noteId }
  })
}

async function mapped(trx: TenantTransaction, provider: Provider, objectType: 'deal' | 'note', localKey: string): Promise<string | null> {
  const row = await trx
    .selectFrom('crm_records')
    .select('external_id')
    .where('provider', '=', provider)
    .where('object_type', '=', objectType)
    .where('local_key', '=', localKey)
    .executeTakeFirst()
  return row?.external_id ?? null
}

/**
 * Called by the sync engine after it pushed deals: writes replies (received
 * while this CRM was connected) whose deal now exists and that have no note
 * (or refused note) yet. Rate limits and outages end the run like a push
 * would; the next run continues.
 */
export async function writePendingCrmNotes(
  deps: CoreDeps,
  input: { tenantId: string; provider: Provider; connectedAt: Date; connector: CrmConnector; call: Call; limit?: number },
): Promise<{ written: number; refused: number }> {
  const pending = await withTenant(deps.db, { tenantId: input.tenantId }, (trx) =>
    trx
      .selectFrom('registration_events as e')
      .innerJoin('crm_records as d', (join) =>
        join.onRef('d.tenant_id', '=', 'e.tenant_id').on('d.provider', '=', input.provider).on('d.object_type', '=', 'deal').on(sql`d.local_key`, '=', sql`e.registration_id::text`).on('d.external_id', 'is not', null),
      )
      .select(['e.id', 'e.registration_id'])
      .where('e.type', '=', 'partner_reply')
      .where('e.created_at', '>=', input.connectedAt)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('crm_records as n')
              .select(sql`1`.as('one'))
              .whereRef('n.tenant_id', '=', 'e.tenant_id')
              .where('n.provider', '=', input.provider)
              .where('n.object_type', '=', 'note')
              .where(sql`n.local_key`, '=', sql`e.id::text`),
          ),
        ),
      )
      .orderBy('e.created_at')
      .limit(input.limit ?? 100)
      .execute(),
  )
  let written = 0
  let refused = 0
  for (const event of pending) {
    const result = await writeOne(deps, { tenantId: input.tenantId, provider: input.provider, connector: input.connector, call: input.call, registrationId: event.registration_id, eventId: event.id })
    if (result.status === 'written') written++
    if (result.status === 'refused') refused++
  }
  return { written, refused }
}

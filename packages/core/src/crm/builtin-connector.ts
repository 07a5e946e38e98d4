import type { CrmConnector, CrmDealChange, CrmDealPushResult } from '@accord/crm'
import { sql, withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { MOTIONS, readProgrammeSettings } from '../settings.js'

/**
 * The built-in CRM behind the same contract as HubSpot and Salesforce: its
 * "CRM records" are Accord's own `deals` (+ `deal_partners`) rows. It is the
 * default when nothing is connected — approval already creates the deal, so
 * no sync job runs for it — and it lets anything written against the
 * connector contract (the engine, write-back callers) work without a CRM.
 * Ownership is the same: on an existing deal only Accord-owned facts
 * (protection end, attribution) are written, never amount/stage/close date.
 */
export function createBuiltinConnector(deps: CoreDeps, tenantId: string): CrmConnector {
  const inTenant = <Result>(fn: Parameters<typeof withTenant<Result>>[2]) => withTenant(deps.db, { tenantId }, fn)
  return {
    provider: 'builtin',
    async testConnection() {
      return { account: 'Accord built-in CRM' }
    },
    // The tables are part of Accord's schema; there is nothing to create.
    async ensureSchema() {},
    async upsertDeals(pushes) {
      return inTenant(async (trx) => {
        const results: CrmDealPushResult[] = []
        const tenant = await trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()
        const settings = readProgrammeSettings(tenant.settings)
        for (const push of pushes) {
          const registration = await trx
            .selectFrom('registrations')
            .select(['id', 'deal_id', 'account_id', 'company_name', 'motion', 'deal_stage', 'amount', 'currency', 'expected_close', 'next_step', 'partner_id', 'protection_ends_at', 'last_activity_at', 'decided_by_user_id'])
            .where('id', '=', push.registrationId)
            .executeTakeFirst()
          if (!registration) continue
          let dealId = registration.deal_id
          const created = dealId === null
          if (!dealId) {
            const stages = settings.motions[registration.motion as (typeof MOTIONS)[number]]?.stages ?? []
            const deal = await trx
              .insertInto('deals')
              .values({
                tenant_id: tenantId,
                name: registration.company_name,
                account_id: registration.account_id,
                motion: registration.motion,
                stage: registration.deal_stage ?? stages[0]?.key ?? 'new',
                amount: registration.amount,
                currency: registration.currency,
                expected_close: registration.expected_close,
                next_step: registration.next_step,
                owner_user_id: registration.decided_by_user_id,
                registration_id: registration.id,
                protection_ends_at: registration.protection_ends_at,
              })
              .returning('id')
              .executeTakeFirstOrThrow()
            dealId = deal.id
            await trx.updateTable('registrations').set({ deal_id: dealId }).where('id', '=', registration.id).execute()
          } else {
            await trx.updateTable('deals').set({ protection_ends_at: registration.protection_ends_at, last_activity_at: registration.last_activity_at }).where('id', '=', dealId).execute()
          }
          await trx
            .insertInto('deal_partners')
            .values({ tenant_id: tenantId, deal_id: dealId, partner_id: push.partner.partnerId, attribution: push.attribution, percent: '100' })
            .onConflict((conflict) => conflict.columns(['tenant_id', 'deal_id', 'partner_id']).doUpdateSet({ attribution: push.attribution }))
            .execute()
          results.push({ registrationId: push.registrationId, dealId, companyId: registration.account_id, contactId: null, partnerRecordId: push.partner.partnerId, created })
        }
        return results
      })
    },
    async pullChangedDeals({ cursor, limit }) {
      // Cursor: "<updated_at ISO>|<deal id>", keyset on (updated_at, id) so ties are neither skipped nor repeated.
      const [since, afterId] = cursor ? cursor.split('|') : []
      return inTenant(async (trx) => {
        let query = trx
          .selectFrom('deals')
          .select(['id', 'registration_id', 'stage', 'amount', 'currency', 'expected_close', 'status', 'updated_at'])
          .where('registration_id', 'is not', null)
          // JavaScript dates hold milliseconds; compare and order at that precision so the cursor is exact.
          .orderBy(sql`date_trunc('milliseconds', updated_at)`)
          .orderBy('id')
          .limit(limit + 1)
        if (since && afterId) query = query.where(sql<boolean>`(date_trunc('milliseconds', updated_at), id) > (${new Date(since)}::timestamptz, ${afterId}::uuid)`)
        const rows = await query.execute()
        const page = rows.slice(0, limit)
        const changes: CrmDealChange[] = page.map((row) => ({
          dealId: row.id,
          registrationId: row.registration_id,
          stage: row.stage,
          amount: row.amount === null ? null : Number(row.amount),
          currency: row.currency,
          closeDate: row.expected_close === null ? null : row.expected_close instanceof Date ? row.expected_close.toISOString().slice(0, 10) : String(row.expected_close),
          outcome: row.status === 'won' ? 'won' : row.status === 'lost' ? 'lost' : 'open',
          modifiedAt: row.updated_at.toISOString(),
        }))
        const last = page.at(-1)
        return { changes, cursor: last ? `${last.updated_at.toISOString()}|${last.id}` : null, more: rows.length > limit }
      })
    },
    async listStages() {
      const tenant = await inTenant((trx) => trx.selectFrom('tenants').select('settings').executeTakeFirstOrThrow())
      const settings = readProgrammeSettings(tenant.settings)
      return MOTIONS.flatMap((motion) => settings.motions[motion].stages.map((stage) => ({ value: `${motion}:${stage.key}`, label: `${settings.motions[motion].label}: ${stage.label}` })))
    },
    // Accord's own tables already hold certifications and engagement; nothing to copy.
    async writeBack() {},
    // The built-in CRM's timeline is the registration's own event log, where the reply already is.
    async addDealNote({ dedupeKey }) {
      return { noteId: dedupeKey }
    },
  }
}

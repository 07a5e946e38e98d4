import { sql, withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { readProgrammeSettings } from '../settings.js'
import { businessHoursBetween } from './business-hours.js'
import { notifyPartner, notifyStaff, reviewersFor } from './notify.js'
import { appendRegistrationEvent, type EventActor } from './submit.js'

/**
 * The registration clocks of one tenant, run by a scheduled job: SLA
 * reminders before a breach, escalation on breach, protection-expiry reminders,
 * automatic expiry, and idle flags. Every step claims its rows with a
 * conditional UPDATE … RETURNING on a "done at" column, so running the job
 * twice (a retry, two workers) never sends anything twice.
 */

const SYSTEM: EventActor = { kind: 'system', userId: null, label: 'Accord (automatic)' }
const DAY = 86_400_000

export interface TimerRunResult {
  slaReminders: number
  slaEscalations: number
  expiryReminders: number
  expired: number
  idleFlagged: number
}

export async function runRegistrationTimers(deps: CoreDeps, input: { tenantId: string }): Promise<TimerRunResult> {
  const now = deps.now()
  return withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const tenant = await trx.selectFrom('tenants').selectAll().where('id', '=', input.tenantId).executeTakeFirst()
    const result: TimerRunResult = { slaReminders: 0, slaEscalations: 0, expiryReminders: 0, expired: 0, idleFlagged: 0 }
    if (!tenant) return result
    const settings = readProgrammeSettings(tenant.settings)
    const partnerNames = new Map((await trx.selectFrom('partner_organisations').select(['id', 'name']).execute()).map((partner) => [partner.id, partner.name]))
    const partnerName = (id: string) => partnerNames.get(id) ?? 'A partner'

    // 1. Escalate breached SLAs (pending decisions only; an open info request pauses the clock).
    const breached = await trx
      .updateTable('registrations')
      .set({ sla_escalated_at: now, sla_reminded_at: now })
      .where('status', 'in', ['submitted', 'under_review'])
      .where('sla_due_at', '<=', now)
      .where('sla_escalated_at', 'is', null)
      .returning(['id', 'tenant_id', 'partner_id', 'case_number', 'company_name', 'kind', 'status', 'sla_due_at', 'approver_user_id'])
      .execute()
    for (const registration of breached) {
      await appendRegistrationEvent(trx, { tenantId: registration.tenant_id, registrationId: registration.id, partnerId: registration.partner_id, type: 'sla_breached', fromStatus: registration.status, toStatus: registration.status, actor: SYSTEM, rule: 'decision_sla', staffNote: `Decision SLA of ${settings.registration.decisionSlaHours} business hours passed; escalated to owners and admins.`, partnerVisible: false })
      await notifyStaff(trx, deps, { tenant, registration, recipients: await reviewersFor(trx, { approverUserId: registration.approver_user_id, escalate: true }), notice: { kind: 'sla_breached', partnerName: partnerName(registration.partner_id), dueAt: registration.sla_due_at } })
    }
    result.slaEscalations = breached.length

    // 2. Remind before the SLA breaks: candidates within a generous wall-clock horizon, then the business-hours test.
    const horizon = new Date(now.getTime() + Math.max(3, Math.ceil(settings.registration.slaReminderHoursBefore / 8) + 3) * DAY)
    const upcoming = await trx
      .selectFrom('registrations')
      .select(['id', 'sla_due_at'])
      .where('status', 'in', ['submitted', 'under_review'])
      .where('sla_reminded_at', 'is', null)
      .where('sla_due_at', '>', now)
      .where('sla_due_at', '<=', horizon)
      .execute()
    const dueSoon = upcoming.filter((registration) => businessHoursBetween(now, registration.sla_due_at, settings.businessHours) <= settings.registration.slaReminderHoursBefore).map((registration) => registration.id)
    if (dueSoon.length > 0) {
      const reminded = await trx
        .updateTable('registrations')
        .set({ sla_reminded_at: now })
        .where('id', 'in', dueSoon)
        .where('sla_reminded_at', 'is', null)
        .returning(['id', 'tenant_id', 'partner_id', 'case_number', 'company_name', 'kind', 'status', 'sla_due_at', 'approver_user_id'])
        .execute()
      for (const registration of reminded) {
        await appendRegistrationEvent(trx, { tenantId: registration.tenant_id, registrationId: registration.id, partnerId: registration.partner_id, type: 'sla_reminder', fromStatus: registration.status, toStatus: registration.status, actor: SYSTEM, rule: 'decision_sla', staffNote: 'Decision due soon; reviewers reminded.', partnerVisible: false })
        await notifyStaff(trx, deps, { tenant, registration, recipients: await reviewersFor(trx, { approverUserId: registration.approver_user_id }), notice: { kind: 'sla_reminder', partnerName: partnerName(registration.partner_id), dueAt: registration.sla_due_at } })
      }
      result.slaReminders = reminded.length
    }

    // 3. Expire protection that has run out.
    const expired = await trx
      .updateTable('registrations')
      .set({ status: 'expired', updated_at: now })
      .where('status', '=', 'approved')
      .where('protection_ends_at', '<=', now)
      .returning(['id', 'tenant_id', 'partner_id', 'case_number', 'company_name', 'kind', 'submitter_email', 'submitted_by_user_id', 'deal_id'])
      .execute()
    for (const registration of expired) {
      await appendRegistrationEvent(trx, { tenantId: registration.tenant_id, registrationId: registration.id, partnerId: registration.partner_id, type: 'expired', fromStatus: 'approved', toStatus: 'expired', actor: SYSTEM, rule: 'protection_window', staffNote: 'Protection window ended.', partnerNote: 'The protection window ended.' })
      await notifyPartner(trx, deps, { tenant, registration, to: { email: registration.submitter_email, name: await submitterName(trx, registration.submitted_by_user_id) }, notice: { kind: 'expired' } })
    }
    result.expired = expired.length

    // 4. Remind partner and owner N days before protection ends.
    const expiring = await trx
      .updateTable('registrations')
      .set({ expiry_reminded_at: now })
      .where('status', '=', 'approved')
      .where('expiry_reminded_at', 'is', null)
      .where('protection_ends_at', '<=', new Date(now.getTime() + settings.registration.expiryReminderDays * DAY))
      .returning(['id', 'tenant_id', 'partner_id', 'case_number', 'company_name', 'kind', 'status', 'protection_ends_at', 'extension_count', 'submitter_email', 'submitted_by_user_id', 'approver_user_id'])
      .execute()
    for (const registration of expiring) {
      const endsAt = registration.protection_ends_at ?? now
      await appendRegistrationEvent(trx, { tenantId: registration.tenant_id, registrationId: registration.id, partnerId: registration.partner_id, type: 'expiry_reminder', fromStatus: registration.status, toStatus: registration.status, actor: SYSTEM, rule: 'expiry_reminder', staffNote: `Protection ends ${endsAt.toISOString().slice(0, 10)}; partner and owner reminded.`, partnerNote: `Reminder: protection ends ${endsAt.toISOString().slice(0, 10)}.` })
      await notifyPartner(trx, deps, { tenant, registration, to: { email: registration.submitter_email, name: await submitterName(trx, registration.submitted_by_user_id) }, notice: { kind: 'expiring', protectionEndsAt: endsAt, canExtend: registration.extension_count < settings.registration.maxExtensions } })
      await notifyStaff(trx, deps, { tenant, registration, recipients: await reviewersFor(trx, { approverUserId: registration.approver_user_id }), notice: { kind: 'expiring', partnerName: partnerName(registration.partner_id), protectionEndsAt: endsAt } })
    }
    result.expiryReminders = expiring.length

    // 5. Flag idle protected registrations for reassignment.
    const idle = await trx
      .updateTable('registrations')
      .set({ idle_flagged_at: now })
      .where('status', '=', 'approved')
      .where('idle_flagged_at', 'is', null)
      .where('last_activity_at', '<=', new Date(now.getTime() - settings.registration.idleAfterDays * DAY))
      .returning(['id', 'tenant_id', 'partner_id', 'case_number', 'company_name', 'kind', 'status', 'last_activity_at', 'approver_user_id'])
      .execute()
    for (const registration of idle) {
      await appendRegistrationEvent(trx, { tenantId: registration.tenant_id, registrationId: registration.id, partnerId: registration.partner_id, type: 'idle_flagged', fromStatus: registration.status, toStatus: registration.status, actor: SYSTEM, rule: 'idle_threshold', staffNote: `No activity for ${settings.registration.idleAfterDays} days.`, partnerVisible: false })
      await notifyStaff(trx, deps, { tenant, registration, recipients: await reviewersFor(trx, { approverUserId: registration.approver_user_id }), notice: { kind: 'idle', partnerName: partnerName(registration.partner_id), lastActivityAt: registration.last_activity_at } })
    }
    result.idleFlagged = idle.length
    return result
  })
}

async function submitterName(trx: Parameters<Parameters<typeof withTenant>[2]>[0], userId: string | null): Promise<string | null> {
  if (!userId) return null
  const user = await trx.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst()
  return user?.name ?? null
}

/** Every active tenant, for the sweep that fans out one timer job per tenant. */
export async function listActiveTenantIds(deps: Pick<CoreDeps, 'db'>): Promise<string[]> {
  const result = await sql<{ id: string }>`select active_tenant_ids() as id`.execute(deps.db)
  return result.rows.map((row) => row.id)
}

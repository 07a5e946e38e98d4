import { sql, type TenantTransaction, withTenant } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSessionManager } from '@accord/auth'
import { registrationStaffNotice } from '@accord/jobs'
import { runRegistrationStaffNotice } from './registrations/notify.js'
import { deactivatePartnerUser } from './identity/access.js'
import { requestPasswordReset } from './identity/sign-in.js'
import { answerInfoRequest, logNextStep, requestProtectionExtension } from './registrations/partner.js'
import { requestRegistrationInfo } from './registrations/review.js'
import { submitRegistration } from './registrations/submit.js'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from './testing/factories.js'
import { createTestDeps, type TestDeps } from './testing/test-context.js'

/**
 * Row-level security in a partner's scope is only as broad as the portal
 * needs (docs/decisions/017-partner-scope-policies.md): these run raw SQL in
 * a partner scope, as a bug or an injection in partner-scoped code would,
 * and expect Postgres itself to refuse.
 */

let deps: TestDeps
let vendor: VendorFixture
let partnerId: string
let otherPartnerId: string
let rep: Awaited<ReturnType<typeof createPartnerUser>>
let submittedId: string
let approved: { registrationId: string; dealId: string }

const asPartner = <Result>(fn: (trx: TenantTransaction) => Promise<Result>, partner = partnerId) => withTenant(deps.db, { tenantId: vendor.tenantId, partnerId: partner }, fn)
/** Refused by a policy, a partner-column trigger or a missing grant: all insufficient_privilege. */
const RLS_REFUSAL = expect.objectContaining({ code: '42501' })

function lead(company: string) {
  return { kind: 'lead', companyName: company, website: `${company.toLowerCase().replace(/[^a-z]+/g, '')}.com`, contactName: 'Jane Buyer', contactEmail: `jane@${company.toLowerCase().replace(/[^a-z]+/g, '')}.com`, problem: 'Partner-led rollout for 200 seats.', consent: 'on' }
}

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Scope Vendor' })
  partnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Own Partner' })).id
  otherPartnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Other Partner' })).id
  rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, role: 'partner_admin' })
  submittedId = (await submitRegistration(rep.context, { fields: lead('Submitted Customer') })).registrationId
  const [deal] = await createApprovedDealRegistrations(vendor.owner, rep.context, 1, { label: 'Shared' })
  if (!deal) throw new Error('no deal registration')
  const row = await deps.ownerDb.selectFrom('registrations').select('deal_id').where('id', '=', deal.registrationId).executeTakeFirstOrThrow()
  approved = { registrationId: deal.registrationId, dealId: row.deal_id as string }
  // A staff password-reset mail in the outbox: the link in it signs the owner in.
  await requestPasswordReset(deps, { tenantId: vendor.tenantId, kind: 'staff', email: vendor.ownerEmail })
})
afterAll(async () => {
  await deps.close()
})

describe('policies (catalog)', () => {
  it('no policy gives a partner scope all commands, none lets it delete, and every tenant table has a staff policy', async () => {
    const { rows } = await sql<{ table_name: string; policy: string; cmd: string; qual: string | null; with_check: string | null }>`
      select p.tablename as table_name, p.policyname as policy, p.cmd, p.qual, p.with_check
      from pg_policies p
      where p.schemaname = 'public'
        and (p.tablename = 'tenants' or exists (
          select 1 from information_schema.columns c where c.table_schema = 'public' and c.table_name = p.tablename and c.column_name = 'tenant_id'))
      order by 1, 2
    `.execute(deps.ownerDb)
    const tables = new Set(rows.map((row) => row.table_name))
    expect(tables.size).toBeGreaterThanOrEqual(30)
    // "No partner in scope" must be a top-level condition of both clauses of every FOR ALL (and DELETE) policy.
    const staffOnly = (clause: string | null) => clause !== null && clause.includes('(app_partner_id() IS NULL)') && !/\bOR\b/.test(clause)
    const broad = rows.filter((row) => (row.cmd === 'ALL' || row.cmd === 'DELETE') && !(staffOnly(row.qual) && (row.cmd === 'DELETE' || staffOnly(row.with_check))))
    expect(broad.map((row) => `${row.table_name}.${row.policy}`)).toEqual([])
    expect([...tables].filter((table) => !rows.some((row) => row.table_name === table && row.cmd === 'ALL'))).toEqual([])

    // What a partner scope may do, table by table: a new partner policy is a decision, made here on purpose.
    const partnerCommands: Record<string, string[]> = {}
    for (const row of rows.filter((candidate) => candidate.cmd !== 'ALL')) (partnerCommands[row.table_name] ??= []).push(row.cmd)
    expect(partnerCommands).toEqual({
      accounts: ['SELECT'],
      announcement_receipts: ['SELECT', 'UPDATE'],
      announcements: ['SELECT'],
      audit_log: ['INSERT'],
      deal_partners: ['SELECT'],
      deals: ['SELECT'],
      job_progress: ['SELECT'],
      partner_organisations: ['SELECT'],
      portal_sign_ins: ['SELECT'],
      programme_page_reads: ['INSERT', 'SELECT', 'UPDATE'],
      programme_pages: ['SELECT'],
      registration_events: ['INSERT', 'SELECT'],
      registration_import_rows: ['SELECT'],
      registration_imports: ['INSERT', 'SELECT', 'UPDATE'],
      registration_links: ['INSERT', 'SELECT', 'UPDATE'],
      registrations: ['SELECT', 'UPDATE'],
      resource_events: ['INSERT', 'SELECT'],
      resources: ['SELECT'],
      tenants: ['SELECT'],
      users: ['SELECT', 'UPDATE'],
    })
  })
})

describe('in a partner scope, Postgres refuses', () => {
  it('approving, rejecting or re-dating its own registration, or handing it to another partner', async () => {
    await expect(asPartner((trx) => trx.updateTable('registrations').set({ status: 'approved' }).where('id', '=', submittedId).execute())).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => trx.updateTable('registrations').set({ status: 'rejected' }).where('id', '=', submittedId).execute())).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => sql`update registrations set protection_ends_at = now() + interval '10 years', extension_count = 0 where id = ${approved.registrationId}`.execute(trx))).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => trx.updateTable('registrations').set({ partner_verdict: 'needs_review', conflict_status: 'active' }).where('id', '=', submittedId).execute())).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => trx.updateTable('registrations').set({ partner_id: otherPartnerId }).where('id', '=', submittedId).execute())).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => trx.updateTable('registrations').set({ appealed_at: new Date(), appeal_evidence: 'forged' }).where('id', '=', approved.registrationId).execute())).rejects.toEqual(RLS_REFUSAL)
    const rows = await deps.ownerDb.selectFrom('registrations').select(['id', 'status', 'partner_id']).where('id', 'in', [submittedId, approved.registrationId]).orderBy('status').execute()
    expect(rows.map((row) => [row.status, row.partner_id])).toEqual([['approved', partnerId], ['submitted', partnerId]])
  })

  it('deleting a shared deal, its attribution or its own registrations (nothing is deleted)', async () => {
    const deleted = await asPartner(async (trx) => ({
      deals: (await sql`delete from deals where id = ${approved.dealId}`.execute(trx)).numAffectedRows,
      dealPartners: (await sql`delete from deal_partners`.execute(trx)).numAffectedRows,
      registrations: (await sql`delete from registrations`.execute(trx)).numAffectedRows,
      links: (await sql`delete from registration_links`.execute(trx)).numAffectedRows,
      receipts: (await sql`delete from announcement_receipts`.execute(trx)).numAffectedRows,
    }))
    expect(deleted).toEqual({ deals: 0n, dealPartners: 0n, registrations: 0n, links: 0n, receipts: 0n })
    expect(await deps.ownerDb.selectFrom('deals').select('id').where('id', '=', approved.dealId).execute()).toHaveLength(1)
    // It can still read the deal it shares.
    expect(await asPartner((trx) => trx.selectFrom('deals').select('id').execute())).toEqual([{ id: approved.dealId }])
    expect(await asPartner((trx) => sql`update deals set stage = 'Closed won', internal_notes = 'x'`.execute(trx).then((result) => result.numAffectedRows))).toBe(0n)
  })

  it('reading the outbox (staff reset mails), sessions, tokens, invitations or any tenant-only table', async () => {
    const resetMails = await deps.ownerDb.selectFrom('email_outbox').select('id').where('tenant_id', '=', vendor.tenantId).where('to_email', '=', vendor.ownerEmail).execute()
    expect(resetMails.length).toBeGreaterThan(0)
    const tenantOnly = [
      'email_outbox', 'sessions', 'auth_tokens', 'invitations', 'registration_counters', 'approval_routes', 'territories', 'inbound_emails',
      'reply_addresses', 'crm_connections', 'crm_records', 'crm_sync_runs', 'slack_connections', 'partner_slack_channels', 'slack_messages', 'slack_command_receipts', 'audit_log',
    ]
    const seen = await asPartner(async (trx) => {
      const counts: Record<string, number> = {}
      for (const table of tenantOnly) counts[table] = Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(trx)).rows[0]?.n)
      return counts
    })
    expect(seen).toEqual(Object.fromEntries(tenantOnly.map((table) => [table, 0])))
    // Staff users, other partners' people and organisations stay out of sight too.
    const people = await asPartner((trx) => trx.selectFrom('users').select(['kind', 'partner_id']).execute())
    expect(people.every((person) => person.kind === 'partner' && person.partner_id === partnerId)).toBe(true)
    expect(await asPartner((trx) => trx.selectFrom('partner_organisations').select('id').execute())).toEqual([{ id: partnerId }])
  })

  it('rewriting the workspace: settings, name, branding (0 rows)', async () => {
    const changed = await asPartner(async (trx) => ({
      settings: (await sql`update tenants set settings = '{"registration": {"protectionDays": 9999}}'::jsonb`.execute(trx)).numAffectedRows,
      name: (await sql`update tenants set name = 'Hijacked', support_email = 'evil@attacker.example'`.execute(trx)).numAffectedRows,
      organisation: (await sql`update partner_organisations set tier = 'Platinum'`.execute(trx)).numAffectedRows,
      staff: (await sql`update users set status = 'disabled' where kind = 'staff'`.execute(trx)).numAffectedRows,
    }))
    expect(changed).toEqual({ settings: 0n, name: 0n, organisation: 0n, staff: 0n })
    const tenant = await deps.ownerDb.selectFrom('tenants').select(['name', 'settings']).where('id', '=', vendor.tenantId).executeTakeFirstOrThrow()
    expect(tenant.name).toBe('Scope Vendor')
    expect(JSON.stringify(tenant.settings)).not.toContain('9999')
    // Reading its vendor's branding and programme settings still works.
    expect(await asPartner((trx) => trx.selectFrom('tenants').select('id').execute())).toEqual([{ id: vendor.tenantId }])
  })

  it('inserting into tenant-only tables: a session, a reset token, an invitation, a territory, an outbox mail, a registration', async () => {
    const user = rep.userId
    const inserts: Array<[string, (trx: TenantTransaction) => Promise<unknown>]> = [
      ['sessions', (trx) => trx.insertInto('sessions').values({ tenant_id: vendor.tenantId, id: 'planted-session', user_id: user, expires_at: new Date(Date.now() + 86_400_000) }).execute()],
      ['auth_tokens', (trx) => trx.insertInto('auth_tokens').values({ tenant_id: vendor.tenantId, user_id: vendor.ownerId, purpose: 'password_reset', token_hash: 'planted', expires_at: new Date(Date.now() + 86_400_000) }).execute()],
      ['invitations', (trx) => trx.insertInto('invitations').values({ tenant_id: vendor.tenantId, kind: 'partner', email: 'friend@own.example', partner_id: partnerId, partner_role: 'partner_admin', token_hash: 'planted', expires_at: new Date(Date.now() + 86_400_000) }).execute()],
      ['territories', (trx) => trx.insertInto('territories').values({ tenant_id: vendor.tenantId, region: 'Everywhere', partner_id: partnerId }).execute()],
      ['approval_routes', (trx) => trx.insertInto('approval_routes').values({ tenant_id: vendor.tenantId, approver_user_id: user }).execute()],
      ['email_outbox', (trx) => trx.insertInto('email_outbox').values({ tenant_id: vendor.tenantId, template: 'x', to_email: 'a@b.example', from_email: 'c@d.example', subject: 's', html: 'h', text: 't' }).execute()],
      ['audit_log', (trx) => trx.insertInto('audit_log').values({ tenant_id: vendor.tenantId, actor_user_id: vendor.ownerId, action: 'forged.by_partner' }).execute()],
      ['registration_events', (trx) => trx.insertInto('registration_events').values({ tenant_id: vendor.tenantId, registration_id: submittedId, partner_id: partnerId, type: 'approved', actor_kind: 'staff', actor_user_id: vendor.ownerId, actor_label: 'Owner' }).execute()],
      ['registrations', (trx) => sql`insert into registrations (tenant_id, case_number, kind, source, partner_id, submitter_email, account_id, company_name, company_key, contact_name, contact_email, problem, stage_guess, consent_at, motion, status, partner_verdict, sla_due_at, protection_ends_at)
        select tenant_id, case_number + 1000, kind, source, partner_id, submitter_email, account_id, company_name, company_key, contact_name, contact_email, problem, stage_guess, consent_at, motion, 'approved', partner_verdict, sla_due_at, now() + interval '10 years'
        from registrations where id = ${submittedId}`.execute(trx)],
      ['deal_partners', (trx) => trx.insertInto('deal_partners').values({ tenant_id: vendor.tenantId, deal_id: approved.dealId, partner_id: otherPartnerId, attribution: 'influenced', percent: '0' }).execute()],
      ['registration_links of another partner', (trx) => trx.insertInto('registration_links').values({ tenant_id: vendor.tenantId, partner_id: otherPartnerId, token_hash: 'planted', created_by_user_id: user }).execute()],
    ]
    for (const [table, insert] of inserts) {
      await expect(asPartner(insert), table).rejects.toEqual(RLS_REFUSAL)
    }
  })

  it('changing colleagues beyond deactivating and reactivating them (the Team page)', async () => {
    const colleague = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId })
    const own = (trx: TenantTransaction) => trx.updateTable('users').where('id', '=', colleague.userId)
    await expect(asPartner((trx) => own(trx).set({ name: 'Renamed' }).execute())).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => own(trx).set({ partner_role: 'partner_admin' }).execute())).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => own(trx).set({ email: 'taken-over@attacker.example', password_hash: null }).execute())).rejects.toEqual(RLS_REFUSAL)
    // Deactivating names the partner as the one who did it.
    await expect(asPartner((trx) => own(trx).set({ status: 'disabled', deactivated_by_kind: 'staff', deactivated_by_user_id: vendor.ownerId }).execute())).rejects.toEqual(RLS_REFUSAL)
    await asPartner((trx) => own(trx).set({ status: 'disabled', deactivated_at: new Date(), deactivated_by_kind: 'partner', deactivated_by_user_id: rep.userId }).execute())
    await asPartner((trx) => own(trx).set({ status: 'active', deactivated_at: null, deactivated_by_kind: null, deactivated_by_user_id: null }).execute())
    // The vendor's deactivation stands: no reactivating it, no relabelling it as the partner's first.
    await deps.ownerDb.updateTable('users').set({ status: 'disabled', deactivated_at: new Date(), deactivated_by_kind: 'staff', deactivated_by_user_id: vendor.ownerId }).where('id', '=', colleague.userId).execute()
    await expect(asPartner((trx) => own(trx).set({ status: 'active' }).execute())).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => own(trx).set({ deactivated_by_kind: 'partner', deactivated_by_user_id: rep.userId }).execute())).rejects.toEqual(RLS_REFUSAL)
    // Another organisation's people are out of reach altogether.
    expect(await asPartner(async (trx) => (await own(trx).set({ status: 'active' }).executeTakeFirst()).numUpdatedRows, otherPartnerId)).toBe(0n)
  })

  it('changing receipts and links beyond what the portal does', async () => {
    const announcement = await deps.ownerDb.insertInto('announcements').values({ tenant_id: vendor.tenantId, title: 'Price list', status: 'published', published_at: new Date(), ack_required: true }).returning('id').executeTakeFirstOrThrow()
    await deps.ownerDb.insertInto('announcement_receipts').values({ tenant_id: vendor.tenantId, announcement_id: announcement.id, user_id: rep.userId, partner_id: partnerId, link_token_hash: 'receipt-hash', delivered_email_at: new Date() }).execute()
    const own = (trx: TenantTransaction) => trx.updateTable('announcement_receipts').where('announcement_id', '=', announcement.id).where('user_id', '=', rep.userId)
    await expect(asPartner((trx) => own(trx).set({ delivered_email_at: null, reminders: 0 }).execute())).rejects.toEqual(RLS_REFUSAL)
    await expect(asPartner((trx) => own(trx).set({ link_token_hash: 'chosen-by-partner' }).execute())).rejects.toEqual(RLS_REFUSAL)
    // Acknowledging is what the portal does.
    expect(await asPartner(async (trx) => (await own(trx).set({ acknowledged_at: new Date(), acknowledged_via: 'portal' }).executeTakeFirst()).numUpdatedRows)).toBe(1n)
    const link = await asPartner((trx) => trx.insertInto('registration_links').values({ tenant_id: vendor.tenantId, partner_id: partnerId, token_hash: 'own-link', created_by_user_id: rep.userId }).returning('id').executeTakeFirstOrThrow())
    await expect(asPartner((trx) => trx.updateTable('registration_links').set({ submissions: 5000 }).where('id', '=', link.id).execute())).rejects.toEqual(RLS_REFUSAL)
    await asPartner((trx) => trx.updateTable('registration_links').set({ revoked_at: new Date() }).where('id', '=', link.id).execute())
    await expect(asPartner((trx) => trx.updateTable('registration_links').set({ revoked_at: null }).where('id', '=', link.id).execute())).rejects.toEqual(RLS_REFUSAL)
    // Another partner's link is not even visible.
    expect(await asPartner((trx) => trx.updateTable('registration_links').set({ revoked_at: new Date() }).where('id', '=', link.id).execute().then((result) => result[0]?.numUpdatedRows), otherPartnerId)).toBe(0n)
  })
})

describe('what the portal does still works, vendor-side effects on the system side', () => {
  it('answering a question and asking for an extension reach the reviewers by e-mail; the partner scope cannot read those mails', async () => {
    const asked = (await submitRegistration(rep.context, { fields: lead('Question Customer') })).registrationId
    await requestRegistrationInfo(vendor.owner, { registrationId: asked, question: 'Who is the economic buyer?' })
    await answerInfoRequest(rep.context, { registrationId: asked, answer: 'The CFO, Dana.' })
    await requestProtectionExtension(rep.context, { registrationId: approved.registrationId, note: 'The customer moved the board meeting.' })
    // Reviewers are told by a job, in the system scope (the partner scope sees no staff and no outbox).
    const { rows } = await sql<{ data: unknown }>`select data from pgboss.job where name = ${registrationStaffNotice.name} and data->>'tenantId' = ${vendor.tenantId} and state = 'created'`.execute(deps.ownerDb)
    expect(rows.length).toBe(2)
    for (const row of rows) await runRegistrationStaffNotice(deps, registrationStaffNotice.payload.parse(row.data))
    const toOwner = await deps.ownerDb.selectFrom('email_outbox').select('subject').where('tenant_id', '=', vendor.tenantId).where('to_email', '=', vendor.ownerEmail).execute()
    expect(toOwner.map((mail) => mail.subject)).toEqual(expect.arrayContaining([expect.stringMatching(/^Partner answered: Question Customer/), expect.stringMatching(/^Extension requested: Shared 1/)]))
    const status = await deps.ownerDb.selectFrom('registrations').select('status').where('id', '=', asked).executeTakeFirstOrThrow()
    expect(status.status).toBe('under_review')
  })

  it('a logged customer meeting extends protection by the policy (system side), and the partner is told', async () => {
    const before = await deps.ownerDb.selectFrom('registrations').select(['protection_ends_at', 'extension_count']).where('id', '=', approved.registrationId).executeTakeFirstOrThrow()
    const result = await logNextStep(rep.context, { registrationId: approved.registrationId, nextStep: 'Workshop with the CIO on Monday', customerMeeting: true })
    expect(result.extended).toBe(true)
    const after = await deps.ownerDb.selectFrom('registrations').select(['protection_ends_at', 'extension_count', 'next_step']).where('id', '=', approved.registrationId).executeTakeFirstOrThrow()
    expect(after.extension_count).toBe(before.extension_count + 1)
    expect(after.protection_ends_at?.getTime()).toBeGreaterThan(before.protection_ends_at?.getTime() ?? 0)
    const deal = await deps.ownerDb.selectFrom('deals').select('next_step').where('id', '=', approved.dealId).executeTakeFirstOrThrow()
    expect(deal.next_step).toBe('Workshop with the CIO on Monday')
    const mails = await deps.ownerDb.selectFrom('email_outbox').select('subject').where('tenant_id', '=', vendor.tenantId).where('to_email', '=', rep.email).execute()
    expect(mails.map((mail) => mail.subject)).toContainEqual(expect.stringMatching(/^Protection extended: Shared 1/))
  })

  it('a partner admin deactivating a colleague ends the colleague’s sessions and links (rows the partner scope cannot see)', async () => {
    const colleague = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId })
    const { sessionId } = await createSessionManager({ db: deps.db, cookieName: 'probe', secureCookies: false }).create({ tenantId: vendor.tenantId, userId: colleague.userId })
    await requestPasswordReset(deps, { tenantId: vendor.tenantId, kind: 'partner', email: colleague.email })
    await deactivatePartnerUser(rep.context, { userId: colleague.userId })
    expect(await deps.ownerDb.selectFrom('sessions').select('id').where('id', '=', sessionId).execute()).toEqual([])
    const openLinks = await deps.ownerDb.selectFrom('auth_tokens').select('id').where('user_id', '=', colleague.userId).where('used_at', 'is', null).execute()
    expect(openLinks).toEqual([])
    const person = await deps.ownerDb.selectFrom('users').select(['status', 'deactivated_by_kind']).where('id', '=', colleague.userId).executeTakeFirstOrThrow()
    expect(person).toEqual({ status: 'disabled', deactivated_by_kind: 'partner' })
  })

  it('the system scope (worker) and staff still change everything of the tenant', async () => {
    const changed = await withTenant(deps.db, { tenantId: vendor.tenantId }, async (trx) => (await trx.updateTable('registrations').set({ status: 'under_review' }).where('id', '=', submittedId).executeTakeFirst()).numUpdatedRows)
    expect(changed).toBe(1n)
  })
})

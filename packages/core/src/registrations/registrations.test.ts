import { sql, withTenant } from '@accord/db'
import { registrationStaffNotice } from '@accord/jobs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext, CoreDeps } from '../context.js'
import { AppError } from '../errors.js'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { answerInfoRequest, appealRejection, getMyRegistration, listMyRegistrations, logNextStep, requestProtectionExtension } from './partner.js'
import { approveRegistration, bulkDecideRegistrations, closeRegistration, getRegistrationForStaff, listReviewQueue, rejectRegistration, requestRegistrationInfo, startReview } from './review.js'
import { precheckRegistration, submitRegistration } from './submit.js'
import { reviewersFor, runRegistrationStaffNotice } from './notify.js'
import { runRegistrationTimers } from './timers.js'

let deps: TestDeps
let vendor: VendorFixture
let otherVendor: VendorFixture
let anna: CoreContext
let ben: CoreContext
let carla: CoreContext
let annaPartner: { id: string; name: string }
let benPartner: { id: string; name: string }

const inOneMonth = () => new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)

function lead(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'lead',
    companyName: 'Acme Inc.',
    website: 'acme.com',
    contactName: 'Jane Buyer',
    contactEmail: 'jane@acme.com',
    contactRole: 'CIO',
    problem: 'Needs partner-led onboarding for 200 seats.',
    stageGuess: 'active_project',
    consent: 'on',
    ...overrides,
  }
}

async function partnerContext(vendorFixture: VendorFixture, partnerId: string): Promise<CoreContext> {
  const user = await createPartnerUser(deps, { tenantId: vendorFixture.tenantId, partnerId })
  return { ...deps, actor: { kind: 'partner', tenantId: vendorFixture.tenantId, userId: user.userId, partnerId, role: 'sales' } }
}

async function validationErrors(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AppError && error.code === 'VALIDATION') return error.fieldErrors ?? {}
    throw error
  }
  throw new Error('expected a validation error')
}

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Registration Vendor' })
  otherVendor = await createVendor(deps)
  annaPartner = await createPartnerOrganisation(vendor.owner, { name: 'Alpha Resellers', type: 'reseller' })
  benPartner = await createPartnerOrganisation(vendor.owner, { name: 'Beta Consulting', type: 'services' })
  const carlaPartner = await createPartnerOrganisation(vendor.owner, { name: 'Gamma Referrals', type: 'referral' })
  anna = await partnerContext(vendor, annaPartner.id)
  ben = await partnerContext(vendor, benPartner.id)
  carla = await partnerContext(vendor, carlaPartner.id)
})
afterAll(async () => {
  await deps.close()
})

describe('registration: submit, approve, conflict', () => {
  let acmeId: string

  it('a partner registers a customer: case number, "clear", e-mails to partner and reviewers', async () => {
    const receipt = await submitRegistration(anna, { fields: lead() })
    expect(receipt).toEqual({ registrationId: expect.any(String), caseReference: expect.stringMatching(/^R-\d+$/), status: 'submitted', verdict: 'clear', message: expect.any(String) })
    acmeId = receipt.registrationId
    const outbox = await deps.ownerDb.selectFrom('email_outbox').select(['to_email', 'subject']).where('tenant_id', '=', vendor.tenantId).where('template', '=', 'registration-update').execute()
    expect(outbox.map((mail) => mail.subject)).toEqual(expect.arrayContaining([`Received: Acme Inc. (${receipt.caseReference})`, `To review: Acme Inc. (${receipt.caseReference})`]))
    expect(outbox.some((mail) => mail.to_email === vendor.ownerEmail)).toBe(true)
  })

  it('staff approve: the partner sees approved with the window end; the queue orders by SLA', async () => {
    const queue = await listReviewQueue(vendor.owner)
    expect(queue.map((row) => row.id)).toContain(acmeId)
    await startReview(vendor.owner, { registrationId: acmeId })
    const approved = await approveRegistration(vendor.owner, { registrationId: acmeId, note: 'Welcome aboard' })
    expect(approved.status).toBe('approved')
    const mine = await getMyRegistration(anna, { registrationId: acmeId })
    expect(mine.registration.status).toBe('approved')
    const days = Math.round(((mine.registration.protectionEndsAt?.getTime() ?? 0) - Date.now()) / 86_400_000)
    expect(days).toBe(90)
    expect(mine.timeline.map((event) => event.type)).toEqual(['submitted', 'review_started', 'approved'])
    expect(mine.timeline.every((event) => event.by !== 'Owner')).toBe(true)
  })

  it('a second partner registering https://www.acme.com/ as "ACME Incorporated" is flagged; the partner never learns who holds it', async () => {
    const precheck = await precheckRegistration(ben, { companyName: 'ACME Incorporated', website: 'https://www.acme.com/' })
    expect(precheck).toMatchObject({ ready: true, verdict: 'possible_conflict', staffSummary: null })
    const receipt = await submitRegistration(ben, { fields: lead({ companyName: 'ACME Incorporated', website: 'https://www.acme.com/', contactEmail: 'cto@acme.com' }) })
    expect(receipt.verdict).toBe('possible_conflict')
    const serialised = JSON.stringify([precheck, receipt, await getMyRegistration(ben, { registrationId: receipt.registrationId }), await listMyRegistrations(ben)])
    expect(serialised).not.toContain('Alpha Resellers')
    expect(serialised).not.toContain(annaPartner.id)
    expect(serialised).not.toContain(acmeId)

    const staffView = await getRegistrationForStaff(vendor.owner, { registrationId: receipt.registrationId })
    expect(staffView.registration.conflictStatus).toBe('active')
    expect(staffView.registration.decidingRule).toBe('first_approved_wins')
    expect(staffView.registration.conflictNotes).toContain('Alpha Resellers')
    expect(staffView.registration.conflictNotes).toContain('First approved wins')
    expect(staffView.competing.map((claim) => claim.id)).toEqual([acmeId])

    // Approving over a protected rival needs a written resolution.
    const errors = await validationErrors(approveRegistration(vendor.owner, { registrationId: receipt.registrationId }))
    expect(errors.conflictResolution?.[0]).toContain('Alpha Resellers')
    await rejectRegistration(vendor.owner, { registrationId: receipt.registrationId, reason: 'Alpha Resellers registered this customer first.' })
  })

  it('partners see only their own registrations (RLS and API)', async () => {
    expect(await codeOf(getMyRegistration(ben, { registrationId: acmeId }))).toBe('NOT_FOUND')
    expect(await codeOf(logNextStep(ben, { registrationId: acmeId, nextStep: 'steal it' }))).toBe('NOT_FOUND')
    expect((await listMyRegistrations(carla)).length).toBe(0)
    const benRows = await withTenant(deps.db, { tenantId: vendor.tenantId, partnerId: benPartner.id }, (trx) => trx.selectFrom('registrations').select('partner_id').execute())
    expect(new Set(benRows.map((row) => row.partner_id))).toEqual(new Set([benPartner.id]))
    const benEvents = await withTenant(deps.db, { tenantId: vendor.tenantId, partnerId: benPartner.id }, (trx) => trx.selectFrom('registration_events').select('partner_id').execute())
    expect(benEvents.every((event) => event.partner_id === benPartner.id)).toBe(true)
  })

  it('another tenant sees nothing', async () => {
    expect(await codeOf(getRegistrationForStaff(otherVendor.owner, { registrationId: acmeId }))).toBe('NOT_FOUND')
    expect(await codeOf(approveRegistration(otherVendor.owner, { registrationId: acmeId }))).toBe('NOT_FOUND')
    expect((await listReviewQueue(otherVendor.owner, { view: 'all' })).length).toBe(0)
  })
})

describe('registration: field validation and odd input', () => {
  it.each([
    [{ consent: '' }, 'consent', 'agreed to be contacted'],
    [{ contactEmail: 'not-an-email' }, 'contactEmail', 'valid e-mail'],
    [{ companyName: '' }, 'companyName', 'Enter the company name'],
    [{ companyName: '!!! ---' }, 'companyName', 'not only its legal form'],
    [{ website: 'gmail.com' }, 'website', 'free e-mail provider'],
    [{ website: '192.168.1.1' }, 'website', 'IP address'],
    [{ problem: 'x'.repeat(10_001) }, 'problem', 'under 10,000'],
    [{ kind: 'deal', amount: 'lots', currency: 'EUR', expectedClose: inOneMonth() }, 'amount', 'as a number'],
    [{ kind: 'deal', amount: '-5', currency: 'EUR', expectedClose: inOneMonth() }, 'amount', 'more than zero'],
    [{ kind: 'deal', amount: '5000', currency: 'EURO', expectedClose: inOneMonth() }, 'currency', 'currency code'],
    [{ kind: 'deal', amount: '5000', currency: 'EUR', expectedClose: '2020-01-01' }, 'expectedClose', 'in the past'],
    [{ kind: 'deal', amount: '5000', currency: 'EUR', expectedClose: '2027-02-30' }, 'expectedClose', 'YYYY-MM-DD'],
    [{ kind: 'deal' }, 'amount', 'needs an amount'],
    [{ kind: 'deal', amount: '5000', currency: 'EUR', expectedClose: inOneMonth(), dealStage: 'Nonsense' }, 'dealStage', 'Choose one of the stages'],
  ])('%j → field error on %s', async (overrides, field, message) => {
    const before = await deps.ownerDb.selectFrom('registrations').select((eb) => eb.fn.countAll<string>().as('count')).where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()
    const errors = await validationErrors(submitRegistration(carla, { fields: lead({ companyName: 'Validation Target', website: 'validation-target.com', ...overrides }) }))
    expect(errors[field]?.join(' ')).toContain(message)
    const after = await deps.ownerDb.selectFrom('registrations').select((eb) => eb.fn.countAll<string>().as('count')).where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()
    expect(after.count).toBe(before.count)
  })

  it('hostile text is stored verbatim', async () => {
    const hostile = {
      companyName: "Robert'); DROP TABLE registrations;-- <script>alert(1)</script> שלום 🚀",
      contactName: '‮Jane‬ 👩🏽‍💻 O\'Brien',
      problem: `${'Ω≈ç√∫˜µ≤≥÷ '.repeat(900)}<img src=x onerror=alert(1)>`,
      competitors: '${7*7} {{7*7}} %s %n',
    }
    const receipt = await submitRegistration(carla, { fields: lead({ ...hostile, website: 'hostile-example.com' }) })
    const mine = await getMyRegistration(carla, { registrationId: receipt.registrationId })
    expect(mine.registration.companyName).toBe(hostile.companyName)
    expect(mine.registration.contactName).toBe(hostile.contactName)
    expect(mine.registration.problem).toBe(hostile.problem.trim())
  })

  it('a deal registration takes amounts as people type them and becomes a CRM deal on approval', async () => {
    const receipt = await submitRegistration(carla, { fields: lead({ kind: 'deal', companyName: 'Dealco GmbH', website: 'dealco.de', amount: '12.500,50', currency: 'eur', expectedClose: inOneMonth(), coSellRequested: 'on' }) })
    const staffView = await getRegistrationForStaff(vendor.owner, { registrationId: receipt.registrationId })
    expect(staffView.registration).toMatchObject({ amount: 12500.5, currency: 'EUR', coSellRequested: true, motion: 'referral', dealStage: 'intro_logged' })
    await approveRegistration(vendor.owner, { registrationId: receipt.registrationId })
    const deal = await deps.ownerDb.selectFrom('deals').innerJoin('deal_partners', 'deal_partners.deal_id', 'deals.id').selectAll().where('deals.registration_id', '=', receipt.registrationId).executeTakeFirstOrThrow()
    expect(deal).toMatchObject({ status: 'open', stage: 'intro_logged', attribution: 'sourced', percent: '100.00', currency: 'EUR' })
  })
})

describe('registration: state machine', () => {
  it('info request → answer → back in review with a fresh SLA', async () => {
    const receipt = await submitRegistration(carla, { fields: lead({ companyName: 'Infoco', website: 'infoco.io' }) })
    await requestRegistrationInfo(vendor.owner, { registrationId: receipt.registrationId, question: 'Who is the economic buyer?' })
    const waiting = await getMyRegistration(carla, { registrationId: receipt.registrationId })
    expect(waiting).toMatchObject({ canAnswer: true, registration: { status: 'info_requested', infoRequest: 'Who is the economic buyer?' } })
    expect(await codeOf(approveRegistration(vendor.owner, { registrationId: receipt.registrationId }))).toBe('OK')
    expect(await codeOf(answerInfoRequest(carla, { registrationId: receipt.registrationId, answer: 'too late' }))).toBe('CONFLICT')
  })

  it('reject → appeal with evidence → review → a second rejection is final', async () => {
    const receipt = await submitRegistration(carla, { fields: lead({ companyName: 'Appealco', website: 'appealco.com' }) })
    await rejectRegistration(vendor.owner, { registrationId: receipt.registrationId, reason: 'Not a fit for the programme.' })
    expect(await codeOf(approveRegistration(vendor.owner, { registrationId: receipt.registrationId }))).toBe('CONFLICT')
    const tooShort = await validationErrors(appealRejection(carla, { registrationId: receipt.registrationId, evidence: 'trust me' }))
    expect(tooShort.evidence).toBeDefined()
    await appealRejection(carla, { registrationId: receipt.registrationId, evidence: 'We met their CIO on 2026-11-02 and ran a workshop on 2026-11-10.' })
    expect((await getMyRegistration(carla, { registrationId: receipt.registrationId })).registration.status).toBe('under_review')
    await rejectRegistration(vendor.owner, { registrationId: receipt.registrationId, reason: 'Still not a fit.' })
    expect(await codeOf(appealRejection(carla, { registrationId: receipt.registrationId, evidence: 'We met their CIO again on 2026-11-20 for a second demo.' }))).toBe('CONFLICT')
  })

  it('logging a customer meeting extends protection up to the policy limit; won closes it', async () => {
    const receipt = await submitRegistration(carla, { fields: lead({ companyName: 'Meetco', website: 'meetco.com' }) })
    await approveRegistration(vendor.owner, { registrationId: receipt.registrationId, protectionDays: 60 })
    const first = await logNextStep(carla, { registrationId: receipt.registrationId, nextStep: 'First meeting with the CIO', customerMeeting: true })
    const second = await logNextStep(carla, { registrationId: receipt.registrationId, nextStep: 'Workshop', customerMeeting: true })
    const third = await logNextStep(carla, { registrationId: receipt.registrationId, nextStep: 'Proposal', customerMeeting: true })
    expect([first.extended, second.extended, third.extended]).toEqual([true, true, false])
    const days = Math.round(((third.protectionEndsAt?.getTime() ?? 0) - Date.now()) / 86_400_000)
    expect(days).toBe(60 + 30 + 30)
    await requestProtectionExtension(carla, { registrationId: receipt.registrationId, note: 'Procurement takes another quarter.' })
    expect(await codeOf(requestProtectionExtension(carla, { registrationId: receipt.registrationId, note: 'Again please, quickly.' }))).toBe('CONFLICT')
    await closeRegistration(vendor.owner, { registrationId: receipt.registrationId, outcome: 'won' })
    expect((await getMyRegistration(carla, { registrationId: receipt.registrationId })).registration.status).toBe('won')
  })

  it('viewers cannot decide; bulk decisions report each registration', async () => {
    const viewer = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })
    const first = await submitRegistration(carla, { fields: lead({ companyName: 'Bulk One', website: 'bulk-one.com' }) })
    const second = await submitRegistration(carla, { fields: lead({ companyName: 'Bulk Two', website: 'bulk-two.com' }) })
    expect(await codeOf(approveRegistration(viewer.context, { registrationId: first.registrationId }))).toBe('FORBIDDEN')
    await rejectRegistration(vendor.owner, { registrationId: second.registrationId, reason: 'Duplicate of an existing deal.' })
    const bulk = await bulkDecideRegistrations(vendor.owner, { registrationIds: [first.registrationId, second.registrationId], action: 'approve' })
    expect(bulk).toMatchObject({ succeeded: 1, failed: 1 })
    expect(bulk.results[1]?.message).toContain('rejected')
  })
})

describe('registration: territories, blocked accounts, open deals', () => {
  it('a claim in another partner’s territory, on a blocked account, or on an open vendor deal needs review', async () => {
    await withTenant(deps.db, { tenantId: vendor.tenantId }, async (trx) => {
      await trx.insertInto('territories').values({ tenant_id: vendor.tenantId, region: 'DACH', partner_id: annaPartner.id }).execute()
      const blocked = await trx.insertInto('accounts').values({ tenant_id: vendor.tenantId, name: 'Blocked Corp', company_key: 'blocked', domain: 'blocked-corp.com', blocked: true, blocked_reason: 'Strategic account, direct sales only' }).returning('id').executeTakeFirstOrThrow()
      const direct = await trx.insertInto('accounts').values({ tenant_id: vendor.tenantId, name: 'Direct Ltd', company_key: 'direct', domain: 'direct-ltd.co.uk' }).returning('id').executeTakeFirstOrThrow()
      await trx.insertInto('deals').values({ tenant_id: vendor.tenantId, name: 'Direct renewal', account_id: direct.id, motion: 'reseller', stage: 'qualification' }).execute()
      return blocked
    })
    const territory = await submitRegistration(ben, { fields: lead({ companyName: 'Alpine AG', website: 'alpine.ch', region: 'dach' }) })
    const blocked = await submitRegistration(ben, { fields: lead({ companyName: 'Blocked Corp', website: 'https://blocked-corp.com' }) })
    const openDeal = await submitRegistration(ben, { fields: lead({ companyName: 'Direct Limited', website: 'www.direct-ltd.co.uk' }) })
    expect([territory.verdict, blocked.verdict, openDeal.verdict]).toEqual(['needs_review', 'needs_review', 'needs_review'])
    const notes = await Promise.all([territory, blocked, openDeal].map(async (receipt) => (await getRegistrationForStaff(vendor.owner, { registrationId: receipt.registrationId })).registration.conflictNotes))
    expect(notes[0]).toContain('assigned to Alpha Resellers')
    expect(notes[1]).toContain('Strategic account')
    expect(notes[2]).toContain('Direct renewal')
    // The partner's own view carries none of that evidence.
    expect(JSON.stringify(await getMyRegistration(ben, { registrationId: territory.registrationId }))).not.toContain('Alpha')
  })
})

describe('registration timers', () => {
  it('SLA reminder and escalation, expiry reminder, expiry and idle flags fire once each', async () => {
    const timerVendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(timerVendor.owner, { name: 'Timer Partner' })
    const rep = await partnerContext(timerVendor, partner.id)
    const pending = await submitRegistration(rep, { fields: lead({ companyName: 'Slow Decision', website: 'slow.example.com' }) })
    const protectedOne = await submitRegistration(rep, { fields: lead({ companyName: 'Protected One', website: 'protected-one.com' }) })
    await approveRegistration(timerVendor.owner, { registrationId: protectedOne.registrationId, protectionDays: 15 })

    const at = (days: number): CoreDeps => ({ ...deps, now: () => new Date(Date.now() + days * 86_400_000) })
    const outboxCount = async () => Number((await deps.ownerDb.selectFrom('email_outbox').select((eb) => eb.fn.countAll<string>().as('count')).where('tenant_id', '=', timerVendor.tenantId).executeTakeFirstOrThrow()).count)

    // 48 business hours are at most 10 calendar days away; protection (15 days) then has 5 days left.
    const inTenDays = await runRegistrationTimers(at(10), { tenantId: timerVendor.tenantId })
    expect(inTenDays).toMatchObject({ slaEscalations: 1, expiryReminders: 1, expired: 0 })
    const mails = await outboxCount()
    const again = await runRegistrationTimers(at(10), { tenantId: timerVendor.tenantId })
    expect(again).toEqual({ slaReminders: 0, slaEscalations: 0, expiryReminders: 0, expired: 0, idleFlagged: 0 })
    expect(await outboxCount()).toBe(mails)

    const inSixteen = await runRegistrationTimers(at(16), { tenantId: timerVendor.tenantId })
    expect(inSixteen.expired).toBe(1)
    expect((await getMyRegistration(rep, { registrationId: protectedOne.registrationId })).registration.status).toBe('expired')
    const staffView = await getRegistrationForStaff(timerVendor.owner, { registrationId: pending.registrationId })
    expect(staffView.events.map((event) => event.type)).toContain('sla_breached')
    // The escalation is internal: the partner's timeline does not show it.
    expect((await getMyRegistration(rep, { registrationId: pending.registrationId })).timeline.map((event) => event.type)).toEqual(['submitted'])
  })

  it('an approved registration without activity is flagged idle', async () => {
    const idleVendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(idleVendor.owner, { name: 'Idle Partner' })
    const rep = await partnerContext(idleVendor, partner.id)
    const receipt = await submitRegistration(rep, { fields: lead({ companyName: 'Quiet Customer', website: 'quiet.example.org' }) })
    await approveRegistration(idleVendor.owner, { registrationId: receipt.registrationId })
    const result = await runRegistrationTimers({ ...deps, now: () => new Date(Date.now() + 31 * 86_400_000) }, { tenantId: idleVendor.tenantId })
    expect(result.idleFlagged).toBe(1)
    expect((await listReviewQueue(idleVendor.owner, { view: 'approved' }))[0]?.idle).toBe(true)
  })
})

describe('staff hear about partner answers, appeals and extension requests', () => {
  /** The queued staff-notice jobs of a registration, worked as the worker does. */
  async function workStaffNotices(registrationId: string) {
    const { rows } = await sql<{ data: unknown }>`select data from pgboss.job where name = ${registrationStaffNotice.name} and data->>'registrationId' = ${registrationId} and state = 'created'`.execute(deps.ownerDb)
    for (const row of rows) await runRegistrationStaffNotice(deps, registrationStaffNotice.payload.parse(row.data))
    return rows.length
  }
  const staffMail = (subjectStart: string) =>
    deps.ownerDb.selectFrom('email_outbox').select(['to_email', 'subject', 'text']).where('tenant_id', '=', vendor.tenantId).where('to_email', '=', vendor.ownerEmail).where('subject', 'like', `${subjectStart}%`).execute()

  it('the partner’s own scope cannot see staff users (why the lookup moved to a job)', async () => {
    const scope = { tenantId: vendor.tenantId, partnerId: carla.actor.kind === 'partner' ? carla.actor.partnerId : '' }
    expect(await withTenant(deps.db, scope, (trx) => reviewersFor(trx, { approverUserId: null }))).toEqual([])
    expect((await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => reviewersFor(trx, { approverUserId: null }))).map((reviewer) => reviewer.email)).toContain(vendor.ownerEmail)
  })

  it('an answer to an information request reaches the reviewers', async () => {
    const receipt = await submitRegistration(carla, { fields: lead({ companyName: 'Answerco', website: 'answerco.io' }) })
    await requestRegistrationInfo(vendor.owner, { registrationId: receipt.registrationId, question: 'Who signs?' })
    await answerInfoRequest(carla, { registrationId: receipt.registrationId, answer: 'The CFO, Maria Lopez.' })
    expect(await workStaffNotices(receipt.registrationId)).toBe(1)
    const mails = await staffMail(`Partner answered: Answerco (${receipt.caseReference})`)
    expect(mails).toHaveLength(1)
    expect(mails[0]?.text).toContain('The CFO, Maria Lopez.')
  })

  it('an appeal and an extension request reach the reviewers', async () => {
    const appealed = await submitRegistration(carla, { fields: lead({ companyName: 'Appealmail', website: 'appealmail.com' }) })
    await rejectRegistration(vendor.owner, { registrationId: appealed.registrationId, reason: 'Not a fit.' })
    await appealRejection(carla, { registrationId: appealed.registrationId, evidence: 'We ran a workshop with their IT team on 2026-11-10.' })
    expect(await workStaffNotices(appealed.registrationId)).toBe(1)
    expect(await staffMail(`Appeal: Appealmail (${appealed.caseReference})`)).toHaveLength(1)

    const extended = await submitRegistration(carla, { fields: lead({ companyName: 'Extendmail', website: 'extendmail.com' }) })
    await approveRegistration(vendor.owner, { registrationId: extended.registrationId })
    await requestProtectionExtension(carla, { registrationId: extended.registrationId, note: 'Budget moves to next quarter.' })
    expect(await workStaffNotices(extended.registrationId)).toBe(1)
    const mails = await staffMail(`Extension requested: Extendmail (${extended.caseReference})`)
    expect(mails).toHaveLength(1)
    expect(mails[0]?.text).toContain('Budget moves to next quarter.')
  })

  it('nothing is queued when the partner’s action fails', async () => {
    const receipt = await submitRegistration(carla, { fields: lead({ companyName: 'Nothingco', website: 'nothingco.com' }) })
    expect(await codeOf(requestProtectionExtension(carla, { registrationId: receipt.registrationId, note: 'Not approved yet.' }))).toBe('CONFLICT')
    expect(await workStaffNotices(receipt.registrationId)).toBe(0)
  })
})

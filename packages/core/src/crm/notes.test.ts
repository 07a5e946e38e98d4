import { randomUUID } from 'node:crypto'
import { createRollingLimiter } from '@accord/crm'
import { type FakeHubspot, startFakeHubspot } from '@accord/crm/testing/fake-hubspot'
import { type FakeSalesforce, startFakeSalesforce } from '@accord/crm/testing/fake-salesforce'
import { sql } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { receiveRegistrationEmail } from '../registrations/email-in.js'
import { parseRawMail } from '../registrations/inbound-email.js'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { connectCrm } from './connection.js'
import { writeCrmNote } from './notes.js'
import { type CrmSyncOptions, runCrmSync } from './sync.js'

/**
 * Partner replies onto the CRM deal's timeline: a HubSpot note associated with
 * the deal, a completed Salesforce Task on the opportunity — once, however
 * often the `crm.note` job runs, and late (by the sync) when the deal did not
 * exist yet.
 */
let deps: TestDeps
let hubspot: FakeHubspot
let salesforce: FakeSalesforce
const quick: CrmSyncOptions = { limiter: createRollingLimiter({ requests: 1000, windowMs: 1000 }), sleep: async () => undefined, requestTimeoutMs: 1500 }

interface Workspace {
  vendor: VendorFixture
  rep: CoreContext
  repEmail: string
}

async function workspace(name: string): Promise<Workspace> {
  const vendor = await createVendor(deps, { companyName: name })
  const partner = await createPartnerOrganisation(vendor.owner, { name: `${name} Partners` })
  const user = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, name: 'Rita Rep' })
  return { vendor, rep: user.context, repEmail: user.email }
}

/** The partner answers the latest notification about a registration with a raw RFC 822 reply. */
async function reply(space: Workspace, companyName: string, text: string) {
  const notification = await deps.ownerDb
    .selectFrom('email_outbox')
    .select(['reply_to', 'subject'])
    .where('tenant_id', '=', space.vendor.tenantId)
    .where('to_email', '=', space.repEmail)
    .orderBy('created_at', 'desc')
    .execute()
  const replyTo = notification.find((row) => row.subject.includes(companyName))?.reply_to
  if (!replyTo) throw new Error(`no notification about ${companyName}`)
  const raw = [
    `From: Rita Rep <${space.repEmail}>`,
    `To: ${replyTo}`,
    `Subject: Re: ${companyName}`,
    `Message-ID: <${randomUUID()}@partner.example>`,
    'Content-Type: text/plain; charset="UTF-8"',
    '',
    text,
    '',
    'On Mon, 30 Nov 2026 at 10:15, Vendor wrote:',
    '> Approved',
  ].join('\r\n')
  const outcome = await receiveRegistrationEmail(deps, { mail: await parseRawMail(raw) })
  if (outcome.outcome !== 'reply_recorded') throw new Error(`reply not recorded: ${JSON.stringify(outcome)}`)
  return outcome
}

async function queuedNoteJobs(eventId: string): Promise<number> {
  const { rows } = await sql<{ count: number }>`select count(*)::int as count from pgboss.job where name = 'crm.note' and data->>'eventId' = ${eventId}`.execute(deps.ownerDb)
  return rows[0]?.count ?? 0
}

const noteMaps = (tenantId: string) => deps.ownerDb.selectFrom('crm_records').selectAll().where('tenant_id', '=', tenantId).where('object_type', '=', 'note').execute()

beforeAll(async () => {
  deps = await createTestDeps()
  hubspot = await startFakeHubspot()
  salesforce = await startFakeSalesforce({ username: 'notes@vendor.example', password: 'pw', securityToken: 'TOK' })
})
afterAll(async () => {
  await hubspot?.close()
  await salesforce?.close()
  await deps?.close()
})

describe('HubSpot', () => {
  it('writes the reply as a note on the deal once, even when the job runs twice (or twice at once)', async () => {
    const space = await workspace('Notes HubSpot Vendor')
    const [registration] = await createApprovedDealRegistrations(space.vendor.owner, space.rep, 1, { label: 'Hubnote' })
    await connectCrm(space.vendor.owner, { credentials: { provider: 'hubspot', accessToken: hubspot.accessToken, baseUrl: hubspot.url } })
    expect((await runCrmSync(deps, { tenantId: space.vendor.tenantId, trigger: 'initial' }, quick)).status).toBe('succeeded')
    const deal = hubspot.records('deals').find((record) => record.properties.accord_registration_id === registration!.registrationId)!

    const { eventId, registrationId } = await reply(space, registration!.companyName, 'Meeting booked for <Tuesday> & the CFO joins.')
    expect(await queuedNoteJobs(eventId)).toBe(1)

    const job = { tenantId: space.vendor.tenantId, registrationId, eventId }
    const [first, concurrent] = await Promise.all([writeCrmNote(deps, job), writeCrmNote(deps, job)])
    expect([first.status, concurrent.status].sort()).toEqual(['exists', 'written'])
    expect(await writeCrmNote(deps, job)).toMatchObject({ status: 'exists' })

    const notes = hubspot.records('notes')
    expect(notes).toHaveLength(1)
    expect(notes[0]!.properties.hs_note_body).toContain('Meeting booked for &lt;Tuesday&gt; &amp; the CFO joins.')
    expect(notes[0]!.properties.hs_note_body).not.toContain('Approved')
    expect(notes[0]!.properties.hs_timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    expect(hubspot.associations('notes', 'deals')).toEqual([expect.objectContaining({ fromId: notes[0]!.id, toId: deal.id, typeId: 214 })])
    expect(await noteMaps(space.vendor.tenantId)).toEqual([expect.objectContaining({ provider: 'hubspot', local_key: eventId, external_id: notes[0]!.id })])
    // The next sync finds nothing waiting.
    await runCrmSync(deps, { tenantId: space.vendor.tenantId, trigger: 'scheduled' }, quick)
    expect(hubspot.records('notes')).toHaveLength(1)
  })

  it('a reply before the deal exists in the CRM waits, and the sync writes it after pushing the deal', async () => {
    const space = await workspace('Notes Waiting Vendor')
    await connectCrm(space.vendor.owner, { credentials: { provider: 'hubspot', accessToken: hubspot.accessToken, baseUrl: hubspot.url } })
    const [registration] = await createApprovedDealRegistrations(space.vendor.owner, space.rep, 1, { label: 'Latenote' })
    const { eventId, registrationId } = await reply(space, registration!.companyName, 'Any news?')
    const before = hubspot.records('notes').length
    expect(await writeCrmNote(deps, { tenantId: space.vendor.tenantId, registrationId, eventId })).toEqual({ status: 'waiting_for_deal' })
    expect(hubspot.records('notes')).toHaveLength(before)

    await runCrmSync(deps, { tenantId: space.vendor.tenantId, trigger: 'initial' }, quick)
    const deal = hubspot.records('deals').find((record) => record.properties.accord_registration_id === registrationId)!
    const notes = hubspot.records('notes').slice(before)
    expect(notes).toHaveLength(1)
    expect(notes[0]!.properties.hs_note_body).toContain('Any news?')
    expect(hubspot.associations('notes', 'deals').filter((association) => association.fromId === notes[0]!.id)).toEqual([expect.objectContaining({ toId: deal.id })])
    // The job, retried later, finds the note already written.
    expect(await writeCrmNote(deps, { tenantId: space.vendor.tenantId, registrationId, eventId })).toMatchObject({ status: 'exists', noteId: notes[0]!.id })
  })

  it('a note the CRM refuses (deal gone there) is recorded as failed and not retried by the sync', async () => {
    const space = await workspace('Notes Refused Vendor')
    const [registration] = await createApprovedDealRegistrations(space.vendor.owner, space.rep, 1, { label: 'Gonenote' })
    await connectCrm(space.vendor.owner, { credentials: { provider: 'hubspot', accessToken: hubspot.accessToken, baseUrl: hubspot.url } })
    await runCrmSync(deps, { tenantId: space.vendor.tenantId, trigger: 'initial' }, quick)
    // The deal was deleted in HubSpot: the map still names it.
    await deps.ownerDb.updateTable('crm_records').set({ external_id: '987654321' }).where('tenant_id', '=', space.vendor.tenantId).where('object_type', '=', 'deal').where('local_key', '=', registration!.registrationId).execute()
    const { eventId, registrationId } = await reply(space, registration!.companyName, 'Still interested.')
    const before = hubspot.records('notes').length
    expect(await writeCrmNote(deps, { tenantId: space.vendor.tenantId, registrationId, eventId })).toMatchObject({ status: 'refused' })
    expect(await noteMaps(space.vendor.tenantId)).toEqual([expect.objectContaining({ local_key: eventId, external_id: null, failed_attempts: 1, last_error: expect.stringContaining('HubSpot') })])
    const requests = hubspot.log.filter((entry) => entry.path === '/crm/v3/objects/notes').length
    await runCrmSync(deps, { tenantId: space.vendor.tenantId, trigger: 'scheduled' }, quick)
    expect(hubspot.log.filter((entry) => entry.path === '/crm/v3/objects/notes').length).toBe(requests)
    expect(hubspot.records('notes')).toHaveLength(before)
  })
})

describe('Salesforce', () => {
  it('writes the reply as a completed Task on the opportunity once', async () => {
    const space = await workspace('Notes Salesforce Vendor')
    const [registration] = await createApprovedDealRegistrations(space.vendor.owner, space.rep, 1, { label: 'Sfnote' })
    await connectCrm(space.vendor.owner, { credentials: { provider: 'salesforce', method: 'password', username: 'notes@vendor.example', password: 'pw', securityToken: 'TOK', loginUrl: salesforce.url } })
    expect((await runCrmSync(deps, { tenantId: space.vendor.tenantId, trigger: 'initial' }, quick)).status).toBe('succeeded')
    const opportunity = salesforce.records('Opportunity').find((record) => record.Accord_Registration_Id__c === registration!.registrationId)!

    const { eventId, registrationId } = await reply(space, registration!.companyName, 'Proposal sent today.\nDecision by Friday.')
    expect(await queuedNoteJobs(eventId)).toBe(1)
    const job = { tenantId: space.vendor.tenantId, registrationId, eventId }
    expect(await writeCrmNote(deps, job)).toMatchObject({ status: 'written' })
    expect(await writeCrmNote(deps, job)).toMatchObject({ status: 'exists' })

    const tasks = salesforce.records('Task')
    expect(tasks).toHaveLength(1)
    expect(tasks[0]).toMatchObject({ Subject: 'Partner reply', WhatId: opportunity.Id, Status: 'Completed' })
    expect(String(tasks[0]!.Description)).toContain('Proposal sent today.\nDecision by Friday.')
    expect(await noteMaps(space.vendor.tenantId)).toEqual([expect.objectContaining({ provider: 'salesforce', local_key: eventId, external_id: tasks[0]!.Id })])
  })
})

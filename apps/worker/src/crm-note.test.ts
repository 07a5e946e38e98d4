import { randomUUID } from 'node:crypto'
import { connectCrm, parseRawMail, receiveRegistrationEmail, runCrmSync } from '@accord/core'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { type FakeHubspot, startFakeHubspot } from '@accord/crm/testing/fake-hubspot'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { WorkerLog } from './log.js'
import { type RunningWorker, startWorker } from './worker.js'

/** A partner's e-mail reply reaches the HubSpot deal through the real worker's `crm.note` handler. */
let deps: TestDeps
let hubspot: FakeHubspot
let worker: RunningWorker | undefined
const log: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined }

beforeAll(async () => {
  deps = await createTestDeps()
  hubspot = await startFakeHubspot()
})
afterAll(async () => {
  await worker?.stop()
  await hubspot?.close()
  await deps?.close()
})

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('crm.note', () => {
  it('writes the reply as a note on the deal, once', async () => {
    const vendor = await createVendor(deps, { companyName: 'Worker Note Vendor' })
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Worker Note Partners' })
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const [registration] = await createApprovedDealRegistrations(vendor.owner, rep.context, 1, { label: 'Workernote' })
    await connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: hubspot.accessToken, baseUrl: hubspot.url } })
    await runCrmSync(deps, { tenantId: vendor.tenantId, trigger: 'initial' })
    const deal = hubspot.records('deals').find((record) => record.properties.accord_registration_id === registration!.registrationId)!

    const notification = await deps.ownerDb.selectFrom('email_outbox').select('reply_to').where('tenant_id', '=', vendor.tenantId).where('to_email', '=', rep.email).executeTakeFirstOrThrow()
    const raw = [`From: <${rep.email}>`, `To: ${notification.reply_to}`, 'Subject: Re: Approved', `Message-ID: <${randomUUID()}@partner.example>`, '', 'Customer signed the NDA.', '', '-- ', 'Rep'].join('\r\n')
    expect(await receiveRegistrationEmail(deps, { mail: await parseRawMail(raw) })).toMatchObject({ outcome: 'reply_recorded' })

    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: null, log, concurrency: 2, pollingIntervalSeconds: 0.5, schedules: false })
    await until(() => hubspot.records('notes').length === 1)
    const note = hubspot.records('notes')[0]!
    expect(note.properties.hs_note_body).toContain('Customer signed the NDA.')
    expect(hubspot.associations('notes', 'deals')).toEqual([expect.objectContaining({ fromId: note.id, toId: deal.id })])
    await until(async () => (await deps.ownerDb.selectFrom('crm_records').select('external_id').where('tenant_id', '=', vendor.tenantId).where('object_type', '=', 'note').execute()).length === 1)
    // Stop at once: a running worker would also pick up other test files' jobs.
    await worker.stop()
    worker = undefined
  })
})

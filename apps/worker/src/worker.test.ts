import { randomUUID } from 'node:crypto'
import { enqueueEmail } from '@accord/core'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { sql, withTenant } from '@accord/db'
import { createResendTransport } from '@accord/email'
import { type FakeResendServer, startFakeResendServer } from '@accord/email/testing/fake-resend-server'
import { DEAD_LETTER_QUEUE, type JobSender, kyselyDb, sendEmailBatch, sendOutboxEmail } from '@accord/jobs'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import type { LogFields, WorkerLog } from './log.js'
import { type RunningWorker, startWorker } from './worker.js'

let deps: TestDeps
let resend: FakeResendServer
let worker: RunningWorker | undefined
const logged: Array<{ level: string; message: string; fields?: LogFields }> = []
const log: WorkerLog = {
  info: (message, fields) => logged.push({ level: 'info', message, fields }),
  warn: (message, fields) => logged.push({ level: 'warn', message, fields }),
  error: (message, fields) => logged.push({ level: 'error', message, fields }),
}

beforeAll(async () => {
  deps = await createTestDeps()
  resend = await startFakeResendServer()
  // Files run one after another on one database: start without the jobs earlier files left queued
  // (dozens of e-mails from their approvals would otherwise be worked before this file's own).
  await sql`delete from pgboss.job where state in ('created', 'retry')`.execute(deps.ownerDb)
})
afterEach(async () => {
  await worker?.stop()
  worker = undefined
  resend.reset()
  logged.length = 0
})
afterAll(async () => {
  await resend?.close()
  await deps?.close()
})

function start(transport: Parameters<typeof startWorker>[0]['transport']) {
  return startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport, log, concurrency: 4, pollingIntervalSeconds: 0.5 })
}

async function createTenant(): Promise<string> {
  const tenantId = randomUUID()
  await deps.ownerDb.insertInto('tenants').values({ id: tenantId, slug: `w-${tenantId.slice(0, 8)}`, name: 'Acme' }).execute()
  return tenantId
}

/** The real sender, with a retry policy shortened so a retry happens within the test's seconds. */
function quickRetrySender(retryLimit: number): JobSender {
  return {
    send: (trx, job, payload) =>
      deps.boss.send(job.name, job.payload.parse(payload) as object, { ...job.queue, retryLimit, retryDelay: 1, retryBackoff: false, deadLetter: DEAD_LETTER_QUEUE, db: kyselyDb(trx) }),
    sendMany: () => Promise.reject(new Error('not used by these tests')),
  }
}

async function enqueue(tenantId: string, jobs: JobSender = deps.jobs): Promise<string> {
  const { outboxId } = await withTenant(deps.db, { tenantId }, (trx) =>
    enqueueEmail(trx, { jobs, emailFrom: deps.emailFrom }, {
      tenantId,
      to: 'ada@example.com',
      template: { name: 'verify-email', props: { brand: { name: 'Acme', logoUrl: null, primaryColor: '#2563eb', supportEmail: null }, recipientName: 'Ada', verifyUrl: 'https://admin.test/verify-email/t' } },
    }),
  )
  return outboxId
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function jobStates(outboxId: string): Promise<string[]> {
  const { rows } = await sql<{ state: string }>`select state from pgboss.job where name = ${sendOutboxEmail.name} and data->>'outboxId' = ${outboxId} order by created_on`.execute(deps.ownerDb)
  return rows.map((row) => row.state)
}

const outbox = (outboxId: string) => deps.ownerDb.selectFrom('email_outbox').selectAll().where('id', '=', outboxId).executeTakeFirstOrThrow()
const mailbox = (outboxId: string) => deps.ownerDb.selectFrom('dev_mailbox_messages').selectAll().where('outbox_id', '=', outboxId).execute()

describe('worker, local mode', () => {
  it('delivers a queued e-mail to the dev mailbox once, even with duplicate jobs', async () => {
    const tenantId = await createTenant()
    const outboxId = await enqueue(tenantId)
    // A duplicate job for the same outbox row, waiting in the same batch as the first.
    await deps.boss.send(sendOutboxEmail.name, { tenantId, outboxId })

    worker = await start(null)
    await waitFor('the dev mailbox message', async () => (await mailbox(outboxId)).length > 0)
    await waitFor('both jobs to complete', async () => (await jobStates(outboxId)).every((state) => state === 'completed'))

    // And one more duplicate long after delivery.
    await deps.boss.send(sendOutboxEmail.name, { tenantId, outboxId })
    await waitFor('the late duplicate to complete', async () => {
      const states = await jobStates(outboxId)
      return states.length === 3 && states.every((state) => state === 'completed')
    })

    expect(await mailbox(outboxId)).toHaveLength(1)
    expect(await outbox(outboxId)).toMatchObject({ status: 'sent', transport: 'local', attempts: 1 })
    expect(logged.filter((entry) => entry.message === 'email.send done').map((entry) => entry.fields?.outcome).sort()).toEqual(['already-sent', 'already-sent', 'sent'])
  })

  it('drops a job with a malformed payload without retrying it', async () => {
    worker = await start(null)
    const jobId = await deps.boss.send(sendOutboxEmail.name, { tenantId: 'nope' })
    await waitFor('the malformed job to be handled', async () => logged.some((entry) => entry.message.startsWith('email.send: invalid payload')))
    await waitFor('the job to complete', async () => (await deps.boss.getJobById(sendOutboxEmail.name, jobId as string))?.state === 'completed')
  })
})

describe('worker, Resend mode (fake server, real SDK)', () => {
  it('retries after a provider 500 and sends exactly one message', async () => {
    const tenantId = await createTenant()
    const outboxId = await enqueue(tenantId, quickRetrySender(3))
    resend.failNext(1, { kind: 'server_error' })

    worker = await start(createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url }))
    const sent = await waitFor('the outbox row to be sent', async () => {
      const row = await outbox(outboxId)
      return row.status === 'sent' ? row : null
    })

    expect(sent).toMatchObject({ attempts: 2, transport: 'resend', last_error: null })
    expect(resend.accepted).toHaveLength(1)
    expect(sent.provider_message_id).toBe(resend.accepted[0]?.id)
    expect(resend.requests.map((request) => request.status)).toEqual([500, 200])
    expect(resend.accepted[0]?.idempotencyKey).toBe(outboxId)
  })

  it('marks the outbox row failed when the job is dead-lettered', async () => {
    const tenantId = await createTenant()
    const outboxId = await enqueue(tenantId, quickRetrySender(0))
    resend.failNext(1, { kind: 'server_error', status: 503 })

    worker = await start(createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url }))
    const failed = await waitFor('the outbox row to be failed', async () => {
      const row = await outbox(outboxId)
      return row.status === 'failed' ? row : null
    })
    expect(failed.last_error).toMatch(/^Gave up after retries: Resend 503/)
    expect(failed.attempts).toBe(1)
    expect(resend.accepted).toHaveLength(0)
    expect(logged.some((entry) => entry.level === 'error' && entry.message.startsWith('email dead-lettered'))).toBe(true)
  })
})

describe('registration timers', () => {
  it('the cron sweep fans out per tenant and the tenant job escalates a breached SLA once', async () => {
    const { createVendor, createPartnerOrganisation, createPartnerUser } = await import('@accord/core/testing/factories')
    const { submitRegistration } = await import('@accord/core')
    const { registrationTimersSweep } = await import('@accord/jobs')
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Sweep Partner' })
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const receipt = await submitRegistration(rep.context, {
      fields: { companyName: 'Overdue Co', website: 'overdue-co.com', contactName: 'Olga', contactEmail: 'olga@overdue-co.com', problem: 'Needs it', consent: true },
    })
    await deps.ownerDb.updateTable('registrations').set({ sla_due_at: new Date(Date.now() - 60_000) }).where('id', '=', receipt.registrationId).execute()

    worker = await start(null)
    const schedules = await sql<{ name: string; cron: string }>`select name, cron from pgboss.schedule where name = ${registrationTimersSweep.name}`.execute(deps.ownerDb)
    expect(schedules.rows).toEqual([{ name: registrationTimersSweep.name, cron: '*/10 * * * *' }])

    await deps.jobs.send(deps.db, registrationTimersSweep, {})
    const escalated = await waitFor('the SLA escalation', async () => {
      const row = await deps.ownerDb.selectFrom('registrations').select('sla_escalated_at').where('id', '=', receipt.registrationId).executeTakeFirstOrThrow()
      return row.sla_escalated_at
    })
    expect(escalated).toBeInstanceOf(Date)
    const events = await deps.ownerDb.selectFrom('registration_events').select('type').where('registration_id', '=', receipt.registrationId).execute()
    expect(events.filter((event) => event.type === 'sla_breached')).toHaveLength(1)
  })
})

describe('announcement fan-out dead letters', () => {
  it('marks the delivery failed when the fan-out is dead-lettered; a retry then delivers it', async () => {
    const { createVendor, createPartnerOrganisation, createPartnerUser } = await import('@accord/core/testing/factories')
    const { publishAnnouncement, retryAnnouncementFanout, saveAnnouncementDraft } = await import('@accord/core')
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Fan-out Partner' })
    await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const { announcementId } = await saveAnnouncementDraft(vendor.owner, { title: 'Doomed delivery', channels: ['portal', 'email'] })
    // Published with no retries left, so the first failure dead-letters the job.
    await publishAnnouncement({ ...vendor.owner, jobs: quickRetrySender(0) }, { announcementId })
    const progress = () =>
      deps.ownerDb.selectFrom('announcements as a').innerJoin('job_progress as j', (join) => join.onRef('j.tenant_id', '=', 'a.tenant_id').onRef('j.id', '=', 'a.progress_id')).select(['j.status', 'j.message']).where('a.id', '=', announcementId).executeTakeFirstOrThrow()

    // Queuing the e-mails fails inside the fan-out's batch.
    const failingQueue: JobSender = {
      send: (trx, job, payload, options) => (job.name === sendEmailBatch.name ? Promise.reject(new Error('queue unavailable')) : deps.jobs.send(trx, job, payload, options)),
      sendMany: deps.jobs.sendMany,
    }
    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: null, log, concurrency: 4, pollingIntervalSeconds: 0.5, schedules: false, deps: { jobs: failingQueue } })
    const failed = await waitFor('the fan-out to be marked failed', async () => {
      const row = await progress()
      return row.status === 'failed' ? row : null
    })
    expect(failed.message).toContain('queue unavailable')
    expect(logged.some((entry) => entry.level === 'error' && entry.message.startsWith('announcement fan-out dead-lettered'))).toBe(true)
    await worker.stop()
    worker = undefined

    await retryAnnouncementFanout(vendor.owner, { announcementId })
    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: null, log, concurrency: 4, pollingIntervalSeconds: 0.5, schedules: false })
    await waitFor('the retried fan-out to succeed', async () => (await progress()).status === 'succeeded')
    const receipts = await deps.ownerDb.selectFrom('announcement_receipts').select('user_id').where('announcement_id', '=', announcementId).execute()
    expect(receipts).toHaveLength(2)
  })
})

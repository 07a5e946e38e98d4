import { randomUUID } from 'node:crypto'
import { acceptInboundEmail } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser, createVendor } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { sql } from '@accord/db'
import { inboundEmail } from '@accord/jobs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { LogFields, WorkerLog } from './log.js'
import { type RunningWorker, startWorker } from './worker.js'

/** A stored inbound e-mail is read by the real worker's `inbound.email` handler, once, however often its job runs. */
let deps: TestDeps
let worker: RunningWorker | undefined
const logged: Array<{ message: string; fields?: LogFields }> = []
const log: WorkerLog = {
  info: (message, fields) => logged.push({ message, fields }),
  warn: (message, fields) => logged.push({ message, fields }),
  error: (message, fields) => logged.push({ message, fields }),
}

beforeAll(async () => {
  deps = await createTestDeps()
})
afterAll(async () => {
  await worker?.stop()
  await deps?.close()
})

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('inbound.email', () => {
  it('registers a stored message once, even with a duplicate job queued beside it and another after it', async () => {
    const vendor = await createVendor(deps, { companyName: 'Worker Inbound Vendor' })
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Worker Inbound Partners' })
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, email: 'rita@worker-inbound.example' })
    const raw = [
      'Authentication-Results: mx.worker.test; dmarc=pass header.from=worker-inbound.example',
      `From: Rita <${rep.email}>`,
      `To: registrations+${vendor.slug}@inbound.accord.localhost`,
      'Subject: New lead',
      `Message-ID: <${randomUUID()}@worker-inbound.example>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Company: Worker Queue GmbH',
      'Website: worker-queue.de',
      'Contact: Wanda Worker',
      'E-mail: wanda@worker-queue.de',
      'Need: partner portal for 30 resellers',
      'Consent: yes',
    ].join('\r\n')
    const accepted = await acceptInboundEmail(deps, { source: 'rfc822', bytes: Buffer.from(raw) })
    if (accepted.outcome !== 'queued') throw new Error('not queued')
    // A second job for the same message, as a redelivered or re-sent job would be.
    await deps.boss.send(inboundEmail.name, { tenantId: vendor.tenantId, messageId: accepted.messageId })

    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: null, log, concurrency: 2, pollingIntervalSeconds: 0.5, schedules: false, inbound: { trustedAuthservIds: ['mx.worker.test'] } })
    const jobsDone = async () => {
      const { rows } = await sql<{ state: string }>`select state from pgboss.job where name = ${inboundEmail.name} and data->>'messageId' = ${accepted.messageId}`.execute(deps.ownerDb)
      return rows.length > 0 && rows.every((row) => row.state === 'completed') ? rows : null
    }
    await until('both jobs to complete', jobsDone)
    await deps.boss.send(inboundEmail.name, { tenantId: vendor.tenantId, messageId: accepted.messageId })
    await until('the late duplicate to complete', async () => ((await jobsDone())?.length ?? 0) === 3)
    await worker.stop()
    worker = undefined

    const registrations = await deps.ownerDb.selectFrom('registrations').select(['company_name', 'source']).where('tenant_id', '=', vendor.tenantId).execute()
    expect(registrations).toEqual([{ company_name: 'Worker Queue GmbH', source: 'email' }])
    const stored = await deps.ownerDb.selectFrom('inbound_messages').select(['status', 'outcome', 'raw']).where('id', '=', accepted.messageId).executeTakeFirstOrThrow()
    expect(stored).toEqual({ status: 'processed', outcome: 'registered', raw: null })
    const outcomes = logged.filter((entry) => entry.message === 'inbound.email done' && entry.fields?.messageId === accepted.messageId).map((entry) => entry.fields?.outcome)
    // Jobs that ran beside the first find the row claimed (duplicate), later ones find it read (already processed).
    expect(outcomes).toHaveLength(3)
    expect(outcomes.filter((outcome) => outcome === 'registered')).toHaveLength(1)
    expect(outcomes.filter((outcome) => outcome !== 'registered').every((outcome) => outcome === 'already_processed' || outcome === 'duplicate_delivery')).toBe(true)
  })
})

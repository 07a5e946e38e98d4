import { randomUUID } from 'node:crypto'
import { enqueueEmail } from '@accord/core'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { sql, withTenant } from '@accord/db'
import { createResendTransport, type EmailTemplate } from '@accord/email'
import { type FakeResendServer, startFakeResendServer } from '@accord/email/testing/fake-resend-server'
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
  // Resend's default limit, enforced: the worker must stay under it on its own.
  resend = await startFakeResendServer({ requestsPerSecond: 2 })
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

const brand = { name: 'Acme', logoUrl: null, primaryColor: '#2563eb', supportEmail: null }

async function createTenant(label: string): Promise<string> {
  const tenantId = randomUUID()
  await deps.ownerDb.insertInto('tenants').values({ id: tenantId, slug: `${label}-${tenantId.slice(0, 8)}`, name: label }).execute()
  return tenantId
}

const notification = (index: number): EmailTemplate => ({
  name: 'registration-update',
  props: { brand, recipientName: `Person ${index}`, caseReference: `R-${index}`, companyName: 'Globex', headline: `Update ${index}`, paragraphs: ['Something changed.'], facts: [], action: { url: 'https://portal.test/t/acme/registrations/1', label: 'Open' }, reason: 'Because.' },
})

async function queueNotifications(tenantId: string, count: number, prefix: string): Promise<void> {
  await withTenant(deps.db, { tenantId }, async (trx) => {
    for (let index = 0; index < count; index += 1) await enqueueEmail(trx, deps, { tenantId, to: `${prefix}${index}@example.com`, template: notification(index) })
  })
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('mail queues through Resend (fake server at 2 requests per second, real SDK)', () => {
  it('a sign-in link and another workspace’s notification overtake a 400-mail backlog; nothing goes over the rate limit', async () => {
    const busy = await createTenant('busy')
    const quiet = await createTenant('quiet')
    const waiting = await createTenant('waiting')
    await queueNotifications(busy, 400, 'busy-')

    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url, requestsPerSecond: 2 }), log, concurrency: 4, pollingIntervalSeconds: 0.5, schedules: false })
    await waitFor('the busy workspace’s first batch', () => resend.accepted.some((email) => email.to[0]?.startsWith('busy-')))

    const queuedAt = Date.now()
    await queueNotifications(quiet, 1, 'quiet-')
    await withTenant(deps.db, { tenantId: waiting }, (trx) =>
      enqueueEmail(trx, deps, { tenantId: waiting, to: 'ada@example.com', template: { name: 'magic-link', props: { brand, recipientName: 'Ada', signInUrl: 'https://portal.test/t/acme/magic/tok-123456', expiresInMinutes: 15 } } }),
    )
    await waitFor('the sign-in link', () => resend.accepted.some((email) => email.to[0] === 'ada@example.com'))
    const signInSeconds = (Date.now() - queuedAt) / 1000
    await waitFor('the quiet workspace’s notification', () => resend.accepted.some((email) => email.to[0] === 'quiet-0@example.com'))
    const quietSeconds = (Date.now() - queuedAt) / 1000
    await waitFor('the whole backlog', () => resend.accepted.filter((email) => email.to[0]?.startsWith('busy-')).length === 400, 30_000)

    // Seconds, not the minutes the backlog takes (bounds kept loose for a busy test machine).
    expect(signInSeconds).toBeLessThan(5)
    expect(quietSeconds).toBeLessThan(6)
    // Taken in turns: the quiet workspace did not wait for the busy one to finish.
    const order = resend.accepted.map((email) => email.to[0] ?? '')
    const lastBusy = order.reduce((last, address, index) => (address.startsWith('busy-') ? index : last), -1)
    expect(order.indexOf('quiet-0@example.com')).toBeLessThan(lastBusy)
    // Four batches of 100, one single send for the sign-in link and one batch of 1: within the limit, never refused.
    expect(resend.rateLimited).toBe(0)
    expect(resend.requests.filter((request) => request.path === '/emails/batch')).toHaveLength(5)
    expect(resend.requests.filter((request) => request.path === '/emails')).toHaveLength(1)
    // Recorded as sent once each batch's transaction commits (a moment after Resend answered).
    await waitFor('every row recorded as sent', async () => {
      const rows = await deps.ownerDb.selectFrom('email_outbox').select(['status']).where('tenant_id', 'in', [busy, quiet, waiting]).execute()
      return rows.length === 402 && rows.every((mail) => mail.status === 'sent')
    })
  })

  it('a batch Resend cannot take waits and is sent later with the same key, to nobody twice', async () => {
    const tenantId = await createTenant('outage')
    await queueNotifications(tenantId, 3, 'outage-')
    resend.failNext(1, { kind: 'server_error', status: 503 })
    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url, requestsPerSecond: 2 }), log, concurrency: 2, pollingIntervalSeconds: 0.5, schedules: false })
    // The deferred job comes back after the batch's backoff (5 s).
    await waitFor('the batch after the outage', () => resend.accepted.length === 3, 20_000)
    const batchRequests = resend.requests.filter((request) => request.path === '/emails/batch')
    expect(batchRequests.map((request) => request.status)).toEqual([503, 200])
    expect(new Set(batchRequests.map((request) => request.headers['idempotency-key'])).size).toBe(1)
  }, 30_000)
})

describe('mail queues in local mode', () => {
  it('the dev mailbox takes bulk mail without pacing', async () => {
    const tenantId = await createTenant('local')
    await queueNotifications(tenantId, 120, 'local-')
    const started = Date.now()
    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: null, log, concurrency: 2, pollingIntervalSeconds: 0.5, schedules: false })
    await waitFor('every copy in the dev mailbox', async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from dev_mailbox_messages where to_email like 'local-%'`.execute(deps.ownerDb)
      return rows[0]?.n === 120
    })
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('re-encrypts secrets at start-up', async () => {
    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: null, log, concurrency: 1, pollingIntervalSeconds: 0.5, schedules: false })
    await waitFor('the re-encryption job', () => logged.some((entry) => entry.message.startsWith('secrets.reencrypt done')))
  })
})

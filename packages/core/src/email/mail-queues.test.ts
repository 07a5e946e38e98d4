import { randomUUID } from 'node:crypto'
import { sql, withTenant } from '@accord/db'
import { createResendTransport, type EmailTemplate, type EmailTransport, SENT_LINK_PLACEHOLDER } from '@accord/email'
import { type FakeResendServer, startFakeResendServer } from '@accord/email/testing/fake-resend-server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { deliverEmailBatch, MAX_BATCH_ATTEMPTS } from './deliver-email-batch.js'
import { deliverOutboxEmail, markOutboxEmailDeadLettered } from './deliver-outbox-email.js'
import { enqueueEmail } from './enqueue-email.js'
import { runEmailHousekeeping } from './housekeeping.js'
import { reserveSendSlot } from './pacer.js'

let deps: TestDeps
let resend: FakeResendServer

beforeAll(async () => {
  deps = await createTestDeps()
  resend = await startFakeResendServer()
})
afterAll(async () => {
  await resend?.close()
  await deps?.close()
})
beforeEach(() => resend.reset())

const brand = { name: 'Acme Partners', logoUrl: null, primaryColor: '#0f766e', supportEmail: 'partners@acme.test' }

async function createTenant(): Promise<string> {
  const tenantId = randomUUID()
  await deps.ownerDb.insertInto('tenants').values({ id: tenantId, slug: `q-${tenantId.slice(0, 8)}`, name: 'Acme' }).execute()
  return tenantId
}

const signIn = (token = randomUUID()): EmailTemplate => ({ name: 'magic-link', props: { brand, recipientName: 'Ada', signInUrl: `https://portal.test/t/acme/magic/${token}`, expiresInMinutes: 15 } })
const notification = (index: number): EmailTemplate => ({
  name: 'registration-update',
  props: { brand, recipientName: `Person ${index}`, caseReference: `R-${index}`, companyName: 'Globex', headline: `Update ${index}`, paragraphs: ['Something changed.'], facts: [], action: { url: 'https://portal.test/t/acme/registrations/1', label: 'Open' }, reason: 'Because.' },
})

async function enqueue(tenantId: string, template: EmailTemplate, to = `p-${randomUUID().slice(0, 8)}@example.com`): Promise<string> {
  const { outboxId } = await withTenant(deps.db, { tenantId }, (trx) => enqueueEmail(trx, deps, { tenantId, to, template }))
  return outboxId
}

async function enqueueMany(tenantId: string, count: number): Promise<string[]> {
  return withTenant(deps.db, { tenantId }, async (trx) => {
    const ids: string[] = []
    for (let index = 0; index < count; index += 1) ids.push((await enqueueEmail(trx, deps, { tenantId, to: `n${index}-${tenantId.slice(0, 6)}@example.com`, template: notification(index) })).outboxId)
    return ids
  })
}

const row = (outboxId: string) => deps.ownerDb.selectFrom('email_outbox').selectAll().where('id', '=', outboxId).executeTakeFirstOrThrow()
const jobs = async (name: string, field: string, value: string) => {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = ${name} and data->>${field} = ${value} and state = 'created'`.execute(deps.ownerDb)
  return rows[0]?.n ?? 0
}
const viaResend = (transport: EmailTransport = createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url, requestsPerSecond: 1000 })) => ({ ...deps, transport })

describe('two streams', () => {
  it('queues transactional mail one job per message and bulk mail as one batch job per workspace', async () => {
    const tenantId = await createTenant()
    const transactional = await enqueue(tenantId, signIn())
    const bulk = await enqueueMany(tenantId, 3)
    expect(await row(transactional)).toMatchObject({ stream: 'transactional', status: 'queued' })
    expect((await row(bulk[0] as string)).stream).toBe('bulk')
    expect(await jobs('email.send', 'outboxId', transactional)).toBe(1)
    for (const outboxId of bulk) expect(await jobs('email.send', 'outboxId', outboxId)).toBe(0)
    expect(await jobs('email.batch', 'tenantId', tenantId)).toBe(1)
  })
})

describe('stored mail keeps no live one-time secret', () => {
  it('replaces the sign-in link once Resend has it, but sends it whole', async () => {
    const tenantId = await createTenant()
    const token = randomUUID()
    const outboxId = await enqueue(tenantId, signIn(token))
    const before = await row(outboxId)
    expect(before.secrets).toEqual([`https://portal.test/t/acme/magic/${token}`])
    expect(before.html).toContain(token)

    expect(await deliverOutboxEmail(viaResend(), { tenantId, outboxId })).toMatchObject({ outcome: 'sent' })
    expect(resend.accepted[0]?.html).toContain(`https://portal.test/t/acme/magic/${token}`)
    expect(resend.accepted[0]?.text).toContain(`https://portal.test/t/acme/magic/${token}`)
    const after = await row(outboxId)
    expect(after).toMatchObject({ status: 'sent', secrets: null })
    expect(after.html).not.toContain(token)
    expect(after.text).not.toContain(token)
    expect(after.text).toContain(SENT_LINK_PLACEHOLDER)
    expect(after.html).toContain(SENT_LINK_PLACEHOLDER)
  })

  it('in local mode the dev mailbox copy keeps the link for a while, the outbox copy not at all', async () => {
    const tenantId = await createTenant()
    const token = randomUUID()
    const outboxId = await enqueue(tenantId, signIn(token))
    await deliverOutboxEmail({ ...deps, transport: null }, { tenantId, outboxId })
    expect((await row(outboxId)).text).not.toContain(token)
    const copy = () => deps.ownerDb.selectFrom('dev_mailbox_messages').selectAll().where('outbox_id', '=', outboxId).executeTakeFirstOrThrow()
    expect((await copy()).text).toContain(`https://portal.test/t/acme/magic/${token}`)

    // Within DEV_MAILBOX_LINK_MINUTES the link stays; after it, housekeeping replaces it.
    await runEmailHousekeeping(deps, { retentionDays: 30, devMailboxLinkMinutes: 60 })
    expect((await copy()).text).toContain(token)
    await runEmailHousekeeping({ ...deps, now: () => new Date(Date.now() + 61 * 60_000) }, { retentionDays: 30, devMailboxLinkMinutes: 60 })
    const expired = await copy()
    expect(expired.text).not.toContain(token)
    expect(expired.html).not.toContain(token)
    expect(expired.text).toContain(SENT_LINK_PLACEHOLDER)
    expect(expired.secrets).toBeNull()
  })

  it('drops the link from mail refused for good and from mail that ran out of retries', async () => {
    const tenantId = await createTenant()
    const refusedToken = randomUUID()
    const { outboxId: refused } = await withTenant(deps.db, { tenantId }, (trx) => enqueueEmail(trx, { ...deps, emailFrom: 'not a sender' }, { tenantId, to: 'ada@example.com', template: signIn(refusedToken) }))
    expect(await deliverOutboxEmail(viaResend(), { tenantId, outboxId: refused })).toEqual({ outcome: 'failed' })
    expect((await row(refused)).text).not.toContain(refusedToken)

    const deadToken = randomUUID()
    const dead = await enqueue(tenantId, signIn(deadToken))
    await markOutboxEmailDeadLettered(deps, { tenantId, outboxId: dead, error: 'Resend 500' })
    const deadRow = await row(dead)
    expect(deadRow).toMatchObject({ status: 'failed', secrets: null })
    expect(deadRow.text).not.toContain(deadToken)
  })
})

describe('bulk mail in batches through Resend', () => {
  it('sends 100 per request with the batch id as idempotency key, oldest first, then the rest', async () => {
    const tenantId = await createTenant()
    const earlier = await enqueueMany(tenantId, 30)
    await enqueueMany(tenantId, 100)
    const first = await deliverEmailBatch(viaResend(), { tenantId })
    expect(first).toMatchObject({ sent: 100, failed: 0, deferred: false, more: true, retryAt: null })
    expect(resend.requests).toHaveLength(1)
    expect(resend.requests[0]?.path).toBe('/emails/batch')
    expect(resend.requests[0]?.headers['idempotency-key']).toMatch(/^accord-batch\/[0-9a-f-]{36}$/)
    const second = await deliverEmailBatch(viaResend(), { tenantId })
    expect(second).toMatchObject({ sent: 30, more: false })
    expect(await deliverEmailBatch(viaResend(), { tenantId })).toMatchObject({ sent: 0, more: false, retryAt: null })
    expect(resend.accepted).toHaveLength(130)
    const rows = await deps.ownerDb.selectFrom('email_outbox').select(['id', 'status', 'provider_message_id', 'batch_id', 'transport', 'attempts']).where('tenant_id', '=', tenantId).execute()
    expect(rows.every((mail) => mail.status === 'sent' && mail.transport === 'resend' && mail.attempts === 1)).toBe(true)
    expect(new Set(rows.map((mail) => mail.provider_message_id)).size).toBe(130)
    expect(new Set(rows.map((mail) => mail.batch_id)).size).toBe(2)
    // The first batch holds the mail queued first.
    const firstBatch = rows.find((mail) => mail.id === earlier[0])?.batch_id
    expect(rows.filter((mail) => mail.batch_id === firstBatch)).toHaveLength(100)
    expect(earlier.every((id) => rows.find((mail) => mail.id === id)?.batch_id === firstBatch)).toBe(true)
  })

  it('a batch repeated after a crash (provider accepted, nothing recorded) sends nobody twice', async () => {
    const tenantId = await createTenant()
    await enqueueMany(tenantId, 5)
    const real = createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url, requestsPerSecond: 1000 })
    // The provider takes the batch, then the worker dies before it can record anything.
    const crashing: EmailTransport = {
      ...real,
      sendBatch: async (messages, options) => {
        await real.sendBatch?.(messages, options)
        throw new Error('worker killed')
      },
    }
    expect(await deliverEmailBatch(viaResend(crashing), { tenantId })).toMatchObject({ sent: 0, deferred: true, more: false })
    expect(resend.accepted).toHaveLength(5)
    const open = await deps.ownerDb.selectFrom('email_batches').selectAll().where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()
    expect(open).toMatchObject({ status: 'sending', attempts: 1 })
    // Not before its backoff …
    expect(await deliverEmailBatch(viaResend(), { tenantId })).toMatchObject({ sent: 0, retryAt: open.next_attempt_at })
    // … then the identical request again: Resend answers with the first ids.
    const later = { ...viaResend(), now: () => new Date(Date.now() + 60_000) }
    expect(await deliverEmailBatch(later, { tenantId })).toMatchObject({ sent: 5, more: false })
    expect(resend.accepted).toHaveLength(5)
    expect(resend.requests.map((request) => request.headers['idempotency-key'])).toEqual([`accord-batch/${open.id}`, `accord-batch/${open.id}`])
    const rows = await deps.ownerDb.selectFrom('email_outbox').select(['status', 'provider_message_id']).where('tenant_id', '=', tenantId).execute()
    expect(rows.map((mail) => mail.provider_message_id).sort()).toEqual(resend.accepted.map((email) => email.id).sort())
  })

  it('fails only the message with a bad address; gives a batch up after its last try', async () => {
    const tenantId = await createTenant()
    const ids = await enqueueMany(tenantId, 3)
    await deps.ownerDb.updateTable('email_outbox').set({ to_email: 'broken@@example' }).where('id', '=', ids[1] as string).execute()
    expect(await deliverEmailBatch(viaResend(), { tenantId })).toMatchObject({ sent: 2, failed: 1 })
    expect(await row(ids[1] as string)).toMatchObject({ status: 'failed', last_error: expect.stringContaining('Invalid `to` field') })
    expect(await row(ids[0] as string)).toMatchObject({ status: 'sent' })

    const other = await createTenant()
    const doomed = await enqueueMany(other, 2)
    resend.failNext(1, { kind: 'server_error' })
    expect(await deliverEmailBatch(viaResend(), { tenantId: other })).toMatchObject({ deferred: true })
    await deps.ownerDb.updateTable('email_batches').set({ attempts: MAX_BATCH_ATTEMPTS - 1, next_attempt_at: new Date(Date.now() - 1000) }).where('tenant_id', '=', other).execute()
    resend.failNext(1, { kind: 'server_error' })
    expect(await deliverEmailBatch(viaResend(), { tenantId: other })).toMatchObject({ failed: 2, more: false, retryAt: null })
    expect(await row(doomed[0] as string)).toMatchObject({ status: 'failed', last_error: expect.stringContaining(`Gave up after ${MAX_BATCH_ATTEMPTS} tries`) })
  })

  it('a batch another run is sending is neither sent twice nor reported as waiting (no busy loop)', async () => {
    const tenantId = await createTenant()
    const [id] = await enqueueMany(tenantId, 1)
    resend.failNext(1, { kind: 'server_error' })
    expect(await deliverEmailBatch(viaResend(), { tenantId })).toMatchObject({ deferred: true })
    await deps.ownerDb.updateTable('email_batches').set({ next_attempt_at: new Date(Date.now() - 1000) }).where('tenant_id', '=', tenantId).execute()
    // The single-message job of a row that a batch holds leaves it to the batch.
    expect(await deliverOutboxEmail(viaResend(), { tenantId, outboxId: id as string })).toEqual({ outcome: 'in-batch' })
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let locked: () => void = () => undefined
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve
    })
    // Another run holds the due batch (as while it waits for its slot and sends).
    const holder = withTenant(deps.db, { tenantId }, async (trx) => {
      await trx.selectFrom('email_batches').select('id').where('tenant_id', '=', tenantId).forUpdate().execute()
      locked()
      await held
    })
    await isLocked
    expect(await deliverEmailBatch(viaResend(), { tenantId })).toEqual({ sent: 0, failed: 0, deferred: false, more: false, retryAt: null })
    release()
    await holder
    expect(resend.accepted).toHaveLength(0)
    expect(await deliverEmailBatch(viaResend(), { tenantId })).toMatchObject({ sent: 1, more: false })
  })

  it('in local mode writes a larger batch to the dev mailbox without pacing', async () => {
    const tenantId = await createTenant()
    const ids = await enqueueMany(tenantId, 3)
    expect(await deliverEmailBatch({ ...deps, transport: null }, { tenantId })).toMatchObject({ sent: 3, more: false })
    const copies = await deps.ownerDb.selectFrom('dev_mailbox_messages').select('outbox_id').where('outbox_id', 'in', ids).execute()
    expect(copies).toHaveLength(3)
    expect(await row(ids[2] as string)).toMatchObject({ status: 'sent', transport: 'local' })
  })

  it('cannot send another workspace’s mail', async () => {
    const tenantId = await createTenant()
    const other = await createTenant()
    const [id] = await enqueueMany(tenantId, 1)
    expect(await deliverEmailBatch(viaResend(), { tenantId: other })).toMatchObject({ sent: 0 })
    expect(await row(id as string)).toMatchObject({ status: 'queued' })
  })
})

describe('the pacer', () => {
  it('spaces requests with one key across callers to the rate limit; another key is not held up', async () => {
    const pacing = { key: `test:${randomUUID()}`, requestsPerSecond: 4 }
    const started = Date.now()
    const done: number[] = []
    await Promise.all(Array.from({ length: 5 }, () => reserveSendSlot(deps, pacing).then(() => done.push(Date.now() - started))))
    // Slots 0, 255, 510, 765, 1020 ms: the last one about a second in.
    expect(Math.max(...done)).toBeGreaterThanOrEqual(950)
    const otherStarted = Date.now()
    await reserveSendSlot(deps, { key: `test:${randomUUID()}`, requestsPerSecond: 4 })
    expect(Date.now() - otherStarted).toBeLessThan(200)
  })
})

describe('housekeeping', () => {
  it('deletes sent and failed mail after the retention period, keeps queued and recent mail, and remembers announcement deliveries', async () => {
    const tenantId = await createTenant()
    const [oldSent, oldFailed, recentSent, stillQueued] = await enqueueMany(tenantId, 4)
    const old = new Date(Date.now() - 31 * 86_400_000)
    await deps.ownerDb.updateTable('email_outbox').set({ status: 'sent', sent_at: old, updated_at: old }).where('id', '=', oldSent as string).execute()
    await deps.ownerDb.updateTable('email_outbox').set({ status: 'failed', updated_at: old }).where('id', '=', oldFailed as string).execute()
    await deps.ownerDb.updateTable('email_outbox').set({ status: 'sent', sent_at: new Date(), updated_at: new Date() }).where('id', '=', recentSent as string).execute()
    await deps.ownerDb.updateTable('email_outbox').set({ created_at: old, updated_at: old }).where('id', '=', stillQueued as string).execute()

    const result = await runEmailHousekeeping(deps, { retentionDays: 30, devMailboxLinkMinutes: 60 })
    expect(result.outboxDeleted).toBeGreaterThanOrEqual(2)
    const left = await deps.ownerDb.selectFrom('email_outbox').select('id').where('tenant_id', '=', tenantId).execute()
    expect(left.map((mail) => mail.id).sort()).toEqual([recentSent, stillQueued].sort())
    // Mail left waiting that long gets a new batch job.
    expect(await jobs('email.batch', 'tenantId', tenantId)).toBe(1)
  })
})

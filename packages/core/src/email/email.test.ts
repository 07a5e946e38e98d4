import { randomUUID } from 'node:crypto'
import { sql, withTenant } from '@accord/db'
import { createResendTransport, EmailSendError, type EmailTemplate } from '@accord/email'
import { type FakeResendServer, startFakeResendServer } from '@accord/email/testing/fake-resend-server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { deliverOutboxEmail, markOutboxEmailDeadLettered } from './deliver-outbox-email.js'
import { getDevMailboxMessage, listDevMailbox } from './dev-mailbox.js'
import { enqueueEmail } from './enqueue-email.js'

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

async function createTenant(): Promise<{ tenantId: string; slug: string }> {
  const tenantId = randomUUID()
  const slug = `t-${tenantId.slice(0, 8)}`
  await deps.ownerDb.insertInto('tenants').values({ id: tenantId, slug, name: 'Acme' }).execute()
  return { tenantId, slug }
}

function magicLink(): EmailTemplate {
  return {
    name: 'magic-link',
    props: {
      brand: { name: 'Acme Partners', logoUrl: null, primaryColor: '#0f766e', supportEmail: 'partners@acme.test' },
      recipientName: 'Ada',
      signInUrl: 'https://portal.test/t/acme/magic/abc',
      expiresInMinutes: 15,
    },
  }
}

async function enqueue(tenantId: string, to = `ada-${randomUUID().slice(0, 8)}@example.com`): Promise<string> {
  const { outboxId } = await withTenant(deps.db, { tenantId }, (trx) => enqueueEmail(trx, deps, { tenantId, to, template: magicLink() }))
  return outboxId
}

async function outboxRow(outboxId: string) {
  return deps.ownerDb.selectFrom('email_outbox').selectAll().where('id', '=', outboxId).executeTakeFirst()
}

async function jobsFor(outboxId: string): Promise<number> {
  const { rows } = await sql<{ count: number }>`select count(*)::int as count from pgboss.job where name = 'email.send' and data->>'outboxId' = ${outboxId}`.execute(deps.ownerDb)
  return rows[0]?.count ?? 0
}

describe('enqueueEmail', () => {
  it('writes the rendered e-mail and its job in the caller’s transaction', async () => {
    const { tenantId } = await createTenant()
    const outboxId = await enqueue(tenantId, 'Ada@Example.com')
    const row = await outboxRow(outboxId)
    expect(row).toMatchObject({ tenant_id: tenantId, status: 'queued', template: 'magic-link', to_email: 'ada@example.com', from_email: deps.emailFrom, reply_to: 'partners@acme.test', attempts: 0 })
    expect(row?.subject).toBe('Your sign-in link for Acme Partners')
    expect(row?.text).toContain('https://portal.test/t/acme/magic/abc')
    expect(await jobsFor(outboxId)).toBe(1)
  })

  it('leaves neither an outbox row nor a job when the transaction rolls back', async () => {
    const { tenantId } = await createTenant()
    let outboxId: string | undefined
    await expect(
      withTenant(deps.db, { tenantId }, async (trx) => {
        outboxId = (await enqueueEmail(trx, deps, { tenantId, to: 'ada@example.com', template: magicLink() })).outboxId
        throw new Error('business change failed')
      }),
    ).rejects.toThrow('business change failed')
    expect(outboxId).toBeDefined()
    expect(await outboxRow(outboxId as string)).toBeUndefined()
    expect(await jobsFor(outboxId as string)).toBe(0)
  })

  it('ignores a malformed brand support address as reply-to, but honours an explicit one', async () => {
    const { tenantId } = await createTenant()
    const template = magicLink()
    template.props.brand.supportEmail = 'call us'
    const { outboxId } = await withTenant(deps.db, { tenantId }, (trx) => enqueueEmail(trx, deps, { tenantId, to: 'ada@example.com', template }))
    expect(await outboxRow(outboxId)).toMatchObject({ reply_to: null })
    const explicit = await withTenant(deps.db, { tenantId }, (trx) => enqueueEmail(trx, deps, { tenantId, to: 'ada@example.com', template, replyTo: 'Help@Acme.test' }))
    expect(await outboxRow(explicit.outboxId)).toMatchObject({ reply_to: 'help@acme.test' })
  })

  it('rejects an invalid recipient', async () => {
    const { tenantId } = await createTenant()
    await expect(withTenant(deps.db, { tenantId }, (trx) => enqueueEmail(trx, deps, { tenantId, to: 'not-an-address', template: magicLink() }))).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})

describe('deliverOutboxEmail in local mode', () => {
  it('writes one dev mailbox message however often the job runs', async () => {
    const { tenantId, slug } = await createTenant()
    const outboxId = await enqueue(tenantId, 'grace@example.com')
    const local = { ...deps, transport: null }
    const results = await Promise.all([deliverOutboxEmail(local, { tenantId, outboxId }), deliverOutboxEmail(local, { tenantId, outboxId })])
    expect(results.map((result) => result.outcome).sort()).toEqual(['already-sent', 'sent'])
    expect(await deliverOutboxEmail(local, { tenantId, outboxId })).toMatchObject({ outcome: 'already-sent' })

    const messages = await deps.ownerDb.selectFrom('dev_mailbox_messages').selectAll().where('outbox_id', '=', outboxId).execute()
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatchObject({ workspace_slug: slug, to_email: 'grace@example.com', subject: 'Your sign-in link for Acme Partners' })
    expect(await outboxRow(outboxId)).toMatchObject({ status: 'sent', transport: 'local', attempts: 1, last_error: null })
  })

  it('does not see another tenant’s outbox row', async () => {
    const { tenantId } = await createTenant()
    const other = await createTenant()
    const outboxId = await enqueue(tenantId)
    expect(await deliverOutboxEmail({ ...deps, transport: null }, { tenantId: other.tenantId, outboxId })).toEqual({ outcome: 'missing' })
    expect(await outboxRow(outboxId)).toMatchObject({ status: 'queued' })
  })
})

describe('deliverOutboxEmail through Resend (fake server, real SDK)', () => {
  it('posts exactly once even when delivery runs twice, concurrently or not', async () => {
    const { tenantId } = await createTenant()
    const outboxId = await enqueue(tenantId, 'linus@example.com')
    const viaResend = { ...deps, transport: createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url }) }
    const results = await Promise.all([deliverOutboxEmail(viaResend, { tenantId, outboxId }), deliverOutboxEmail(viaResend, { tenantId, outboxId })])
    await deliverOutboxEmail(viaResend, { tenantId, outboxId })
    expect(results.map((result) => result.outcome).sort()).toEqual(['already-sent', 'sent'])
    expect(resend.requests).toHaveLength(1)
    expect(resend.accepted).toHaveLength(1)
    expect(resend.accepted[0]).toMatchObject({ to: ['linus@example.com'], idempotencyKey: outboxId, replyTo: ['partners@acme.test'] })
    expect(await outboxRow(outboxId)).toMatchObject({ status: 'sent', transport: 'resend', provider_message_id: resend.accepted[0]?.id, attempts: 1 })
  })

  it('records a retryable failure and rethrows it, then succeeds on the next run', async () => {
    const { tenantId } = await createTenant()
    const outboxId = await enqueue(tenantId)
    const viaResend = { ...deps, transport: createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url }) }
    resend.failNext(1, { kind: 'server_error', status: 503 })
    const error = await deliverOutboxEmail(viaResend, { tenantId, outboxId }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(EmailSendError)
    expect(error).toMatchObject({ retryable: true, statusCode: 503 })
    const afterFailure = await outboxRow(outboxId)
    expect(afterFailure).toMatchObject({ status: 'queued', attempts: 1 })
    expect(afterFailure?.last_error).toContain('internal_server_error')
    // Still queued for a retry: the link is kept until the mail is handed over.
    expect(afterFailure?.text).toContain('https://portal.test/t/acme/magic/abc')

    expect(await deliverOutboxEmail(viaResend, { tenantId, outboxId })).toMatchObject({ outcome: 'sent' })
    expect(await outboxRow(outboxId)).toMatchObject({ status: 'sent', attempts: 2, last_error: null })
    expect(resend.accepted).toHaveLength(1)
  })

  it('waits out a 429’s retry-after and sends in the same run, holding back the key’s other requests', async () => {
    const { tenantId } = await createTenant()
    const outboxId = await enqueue(tenantId)
    const viaResend = { ...deps, transport: createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url }) }
    resend.failNext(1, { kind: 'rate_limit', retryAfterSeconds: 1 })
    const started = Date.now()
    expect(await deliverOutboxEmail(viaResend, { tenantId, outboxId })).toMatchObject({ outcome: 'sent' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(resend.requests.map((request) => request.status)).toEqual([429, 200])
    expect(await outboxRow(outboxId)).toMatchObject({ status: 'sent', attempts: 1 })
  })

  it('marks a permanent refusal failed without throwing, and never retries it', async () => {
    const { tenantId } = await createTenant()
    const { outboxId } = await withTenant(deps.db, { tenantId }, (trx) => enqueueEmail(trx, { ...deps, emailFrom: 'not a sender' }, { tenantId, to: 'ada@example.com', template: magicLink() }))
    const viaResend = { ...deps, transport: createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url }) }
    expect(await deliverOutboxEmail(viaResend, { tenantId, outboxId })).toEqual({ outcome: 'failed' })
    const row = await outboxRow(outboxId)
    expect(row).toMatchObject({ status: 'failed', attempts: 1 })
    expect(row?.last_error).toContain('invalid_from_address')
    expect(await deliverOutboxEmail(viaResend, { tenantId, outboxId })).toEqual({ outcome: 'already-failed' })
    expect(resend.requests).toHaveLength(1)
  })
})

describe('markOutboxEmailDeadLettered', () => {
  it('fails a queued row but leaves a sent one alone', async () => {
    const { tenantId } = await createTenant()
    const queued = await enqueue(tenantId)
    const sent = await enqueue(tenantId)
    await deliverOutboxEmail({ ...deps, transport: null }, { tenantId, outboxId: sent })
    expect(await markOutboxEmailDeadLettered(deps, { tenantId, outboxId: queued, error: 'Resend 500' })).toEqual({ marked: true })
    expect(await markOutboxEmailDeadLettered(deps, { tenantId, outboxId: sent, error: 'Resend 500' })).toEqual({ marked: false })
    expect(await outboxRow(queued)).toMatchObject({ status: 'failed', last_error: 'Gave up after retries: Resend 500' })
    expect(await outboxRow(sent)).toMatchObject({ status: 'sent' })
  })
})

describe('dev mailbox', () => {
  it('lists newest first, filters by recipient and opens one message', async () => {
    const { tenantId, slug } = await createTenant()
    const to = `mailbox-${randomUUID().slice(0, 8)}@example.com`
    const first = await enqueue(tenantId, to)
    const second = await enqueue(tenantId, to)
    for (const outboxId of [first, second]) await deliverOutboxEmail({ ...deps, transport: null }, { tenantId, outboxId })

    const listed = await listDevMailbox(deps, { to: to.toUpperCase() })
    expect(listed.map((message) => message.outboxId)).toEqual([second, first])
    expect(listed[0]).toMatchObject({ workspaceSlug: slug, to, subject: 'Your sign-in link for Acme Partners' })
    expect(await listDevMailbox(deps, { to, limit: 1 })).toHaveLength(1)

    const opened = await getDevMailboxMessage(deps, { id: listed[0]?.id as string })
    expect(opened.html).toContain('<html')
    await expect(getDevMailboxMessage(deps, { id: randomUUID() })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(getDevMailboxMessage(deps, { id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})

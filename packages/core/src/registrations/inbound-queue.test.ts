import { randomUUID } from 'node:crypto'
import { sql } from '@accord/db'
import { type FakeResendServer, startFakeResendServer } from '@accord/email/testing/fake-resend-server'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { deliverOutboxEmail } from '../email/deliver-outbox-email.js'
import { confirmHeldRegistration, describeHeldRegistration, inboundEmailRateLimits } from './email-in.js'
import { acceptInboundEmail, processInboundEmail, readEnvelope } from './inbound-queue.js'
import { getMyRegistration } from './partner.js'

/**
 * Inbound e-mail through the queue on real Postgres: the endpoint's store-and-
 * queue step, the worker's job (run here directly, twice where it matters),
 * sender authentication with holds and the one-click confirmation, rate
 * limits, silence towards strangers, and charsets.
 */
let deps: TestDeps
let resend: FakeResendServer
let vendor: VendorFixture
let partnerId: string
const REP = 'rita@queue-partner.example'
const TRUSTED = ['mx.inbound.test']
const options = () => ({ trustedAuthservIds: TRUSTED, resend: { apiKey: resend.apiKey, baseUrl: resend.url } })

beforeAll(async () => {
  deps = await createTestDeps()
  resend = await startFakeResendServer()
  vendor = await createVendor(deps, { companyName: 'Queue Vendor' })
  const partner = await createPartnerOrganisation(vendor.owner, { name: 'Queue Partner', emailDomains: ['queue-partner.example'] })
  partnerId = partner.id
  await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, email: REP, name: 'Rita Rep' })
})
afterAll(async () => {
  await resend?.close()
  await deps?.close()
})

const to = () => `registrations+${vendor.slug}@inbound.accord.localhost`

function raw(input: { from?: string; fromName?: string; to?: string; subject?: string; messageId?: string | null; authenticated?: boolean; headers?: string[]; body: string | Buffer; charset?: string }): Buffer {
  const from = input.from ?? REP
  const head = [
    ...(input.authenticated ? [`Authentication-Results: mx.inbound.test; dkim=pass header.d=${from.split('@')[1]}; dmarc=pass header.from=${from.split('@')[1]}`] : []),
    ...(input.headers ?? []),
    `From: ${input.fromName ? `"${input.fromName}" ` : ''}<${from}>`,
    `To: ${input.to ?? to()}`,
    `Subject: ${input.subject ?? 'New lead'}`,
    ...(input.messageId === null ? [] : [`Message-ID: <${input.messageId ?? randomUUID()}@partner.example>`]),
    'MIME-Version: 1.0',
    `Content-Type: text/plain; charset=${input.charset ?? 'utf-8'}`,
    'Content-Transfer-Encoding: 8bit',
    '',
    '',
  ].join('\r\n')
  return Buffer.concat([Buffer.from(head, 'latin1'), typeof input.body === 'string' ? Buffer.from(input.body.replace(/\n/g, '\r\n'), 'utf8') : input.body])
}

const domainOf = (company: string) => `${company.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.de`
const lead = (company: string) => [`Company: ${company}`, `Website: ${domainOf(company)}`, 'Contact: Dana Buyer', `E-mail: dana@${domainOf(company)}`, 'Need: 40 seats, wants a demo', 'Consent: yes'].join('\n')

async function deliver(bytes: Buffer, source: 'rfc822' | 'resend' = 'rfc822') {
  const accepted = await acceptInboundEmail(deps, { source, bytes })
  if (accepted.outcome !== 'queued') throw new Error(`not queued: ${JSON.stringify(accepted)}`)
  return { messageId: accepted.messageId, result: await processInboundEmail(deps, { tenantId: vendor.tenantId, messageId: accepted.messageId }, options()) }
}

const outboxTo = async (address: string) =>
  (await deps.ownerDb.selectFrom('email_outbox').select(['subject', 'text', 'html', 'to_email']).where('to_email', '=', address).orderBy('created_at').execute()).map((row) => ({ ...row, text: row.text.replace(/\s+/g, ' ') }))

describe('the endpoint’s step: store and queue', () => {
  it('stores the message in its workspace with a job in the same transaction, and a redelivery is a no-op', async () => {
    const bytes = raw({ body: lead('Stored Co'), messageId: 'stored-1' })
    const accepted = await acceptInboundEmail(deps, { source: 'rfc822', bytes })
    expect(accepted.outcome).toBe('queued')
    if (accepted.outcome !== 'queued') return
    const row = await deps.ownerDb.selectFrom('inbound_messages').selectAll().where('id', '=', accepted.messageId).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ tenant_id: vendor.tenantId, source: 'rfc822', status: 'queued', dedupe_key: 'id:<stored-1@partner.example>' })
    expect(Buffer.from(row.raw ?? []).equals(bytes)).toBe(true)
    const jobs = await sql<{ name: string }>`select name from pgboss.job where data->>'messageId' = ${accepted.messageId}`.execute(deps.ownerDb)
    expect(jobs.rows).toEqual([{ name: 'inbound.email' }])
    // Nothing was parsed yet.
    expect(await deps.ownerDb.selectFrom('inbound_emails').select('id').where('message_key', '=', 'id:<stored-1@partner.example>').execute()).toEqual([])
    expect(await acceptInboundEmail(deps, { source: 'rfc822', bytes })).toEqual({ outcome: 'duplicate_delivery' })
    // Without a Message-ID, the same bytes are the same delivery.
    const anonymous = raw({ body: lead('Anonymous Co'), messageId: null })
    expect((await acceptInboundEmail(deps, { source: 'rfc822', bytes: anonymous })).outcome).toBe('queued')
    expect(await acceptInboundEmail(deps, { source: 'rfc822', bytes: anonymous })).toEqual({ outcome: 'duplicate_delivery' })
  })

  it('drops mail for no workspace and refuses what is not a message', async () => {
    expect(await acceptInboundEmail(deps, { source: 'rfc822', bytes: raw({ to: 'registrations+no-such-workspace@inbound.accord.localhost', body: 'x' }) })).toMatchObject({ outcome: 'no_workspace' })
    await expect(acceptInboundEmail(deps, { source: 'resend', bytes: Buffer.from('{not json') })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(acceptInboundEmail(deps, { source: 'rfc822', bytes: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61) })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
  })

  it('reads the envelope from the header block only, in one pass', () => {
    const envelope = readEnvelope(Buffer.from(`To: "Doe, Jane" <Registrations+Acme@x.test>,\r\n reply+abc@x.test\r\nMessage-ID: <m@x>\r\n\r\nTo: body@x.test\r\n`))
    expect(envelope).toEqual({ to: ['registrations+acme@x.test', 'reply+abc@x.test'], messageId: '<m@x>' })
  })
})

describe('the worker’s job', () => {
  it('registers an authenticated sender’s mail once, even when the job runs twice or twice at once', async () => {
    const { messageId, result } = await deliver(raw({ authenticated: true, body: lead('Once Only GmbH') }))
    expect(result).toMatchObject({ outcome: 'registered', caseReference: expect.stringMatching(/^R-\d+$/) })
    expect(await processInboundEmail(deps, { tenantId: vendor.tenantId, messageId }, options())).toEqual({ outcome: 'already_processed' })
    const row = await deps.ownerDb.selectFrom('inbound_messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'processed', raw: null, outcome: 'registered' })

    const accepted = await acceptInboundEmail(deps, { source: 'rfc822', bytes: raw({ authenticated: true, body: lead('Twice At Once GmbH') }) })
    if (accepted.outcome !== 'queued') throw new Error('not queued')
    const both = await Promise.all([1, 2].map(() => processInboundEmail(deps, { tenantId: vendor.tenantId, messageId: accepted.messageId }, options())))
    expect(both.map((entry) => entry.outcome).sort()).toEqual(expect.arrayContaining(['registered']))
    expect(both.filter((entry) => entry.outcome === 'registered')).toHaveLength(1)
    const registrations = await deps.ownerDb.selectFrom('registrations').select('id').where('tenant_id', '=', vendor.tenantId).where('company_name', '=', 'Twice At Once GmbH').execute()
    expect(registrations).toHaveLength(1)
  })

  it('holds an unauthenticated mail and mails the account holder — by their account name — a link that registers only on confirmation', async () => {
    const { result } = await deliver(raw({ fromName: 'Forged Display <Name>', body: lead('Held Back AG') }))
    expect(result).toMatchObject({ outcome: 'held_for_confirmation' })
    expect(await deps.ownerDb.selectFrom('registrations').select('id').where('company_name', '=', 'Held Back AG').execute()).toEqual([])
    const [mail] = (await outboxTo(REP)).filter((row) => row.subject === 'Please confirm a registration sent from your address')
    expect(mail?.text).toContain('Hi Rita Rep')
    expect(mail?.text).toContain('Held Back AG')
    expect(`${mail?.text}${mail?.html}`).not.toContain('Forged')
    const token = /registrations\/confirm\/([^\s"<)]+)/.exec(mail?.html ?? '')?.[1] ?? ''
    expect(token).toMatch(new RegExp(`^${vendor.tenantId}\\.`))
    // A link the person is waiting for: the fast queue, and the stored copy drops it once sent.
    const stored = await deps.ownerDb.selectFrom('email_outbox').select(['id', 'stream', 'secrets']).where('tenant_id', '=', vendor.tenantId).where('to_email', '=', REP).where('subject', '=', 'Please confirm a registration sent from your address').executeTakeFirstOrThrow()
    expect(stored.stream).toBe('transactional')
    expect(stored.secrets?.[0]).toContain(token)
    await deliverOutboxEmail({ ...deps, transport: null }, { tenantId: vendor.tenantId, outboxId: stored.id })
    const sent = await deps.ownerDb.selectFrom('email_outbox').select(['html', 'text']).where('id', '=', stored.id).executeTakeFirstOrThrow()
    expect(`${sent.html}${sent.text}`).not.toContain(token)

    // Opening the link shows it and registers nothing.
    expect(await describeHeldRegistration(deps, { token })).toMatchObject({ state: 'pending', companyName: 'Held Back AG', fields: expect.arrayContaining([{ label: 'Company', value: 'Held Back AG' }]) })
    expect(await deps.ownerDb.selectFrom('registrations').select('id').where('company_name', '=', 'Held Back AG').execute()).toEqual([])
    const confirmed = await confirmHeldRegistration(deps, { token })
    expect(confirmed).toMatchObject({ state: 'registered', already: false, caseReference: expect.stringMatching(/^R-/) })
    expect(await confirmHeldRegistration(deps, { token })).toMatchObject({ state: 'registered', already: true })
    expect(await deps.ownerDb.selectFrom('registrations').select('id').where('company_name', '=', 'Held Back AG').execute()).toHaveLength(1)
    expect(await describeHeldRegistration(deps, { token })).toMatchObject({ state: 'confirmed' })
    // Forged and altered links.
    expect(await confirmHeldRegistration(deps, { token: `${token.slice(0, -2)}xx` })).toBeNull()
    expect(await confirmHeldRegistration(deps, { token: 'garbage' })).toBeNull()
    if (confirmed?.state === 'registered') {
      const rep = await deps.ownerDb.selectFrom('users').select(['id']).where('email', '=', REP).executeTakeFirstOrThrow()
      const mine = await getMyRegistration({ ...deps, actor: { kind: 'partner', tenantId: vendor.tenantId, userId: rep.id, partnerId, role: 'sales' } }, { registrationId: confirmed.registrationId })
      expect(mine.registration).toMatchObject({ companyName: 'Held Back AG' })
    }
  })

  it('an expired hold registers nothing', async () => {
    await deliver(raw({ body: lead('Too Late Ltd') }))
    const [mail] = (await outboxTo(REP)).filter((row) => row.text.includes('Too Late Ltd'))
    const token = /registrations\/confirm\/([^\s"<)]+)/.exec(mail?.html ?? '')?.[1] ?? ''
    await deps.ownerDb.updateTable('email_registration_holds').set({ expires_at: new Date(Date.now() - 1000) }).where('company_name', '=', 'Too Late Ltd').execute()
    expect(await confirmHeldRegistration(deps, { token })).toEqual({ state: 'expired', companyName: 'Too Late Ltd' })
    expect(await deps.ownerDb.selectFrom('registrations').select('id').where('company_name', '=', 'Too Late Ltd').execute()).toEqual([])
  })

  it('never answers a stranger, whatever the refusal; a known sender gets at most three explanations a day', async () => {
    const stranger = `stranger-${randomUUID().slice(0, 8)}@elsewhere.example`
    expect((await deliver(raw({ from: stranger, authenticated: true, body: lead('Stranger Co') }))).result).toMatchObject({ outcome: 'unknown_sender' })
    expect((await deliver(raw({ from: stranger, body: 'Company: Half' }))).result).toMatchObject({ outcome: 'unknown_sender' })
    expect(await outboxTo(stranger)).toEqual([])

    const known = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, name: 'Kim Known' })).email
    for (let attempt = 0; attempt < 5; attempt++) expect((await deliver(raw({ from: known, fromName: 'Typed By Sender', authenticated: true, body: `Company: Half ${attempt}` }))).result).toMatchObject({ outcome: 'missing_fields' })
    const explanations = await outboxTo(known)
    expect(explanations).toHaveLength(3)
    // Greeted by the account's name; nothing the sender typed into the headers is echoed.
    expect(explanations[0]?.text).toContain('Hi Kim Known')
    expect(explanations.map((row) => `${row.subject}${row.text}${row.html}`).join('')).not.toContain('Typed By Sender')
  })

  it('rate-limits per sender (20 an hour) and per workspace (200 an hour, not counting authenticated partners): silently for strangers, politely for known users', async () => {
    const busy = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, name: 'Busy Bea' })).email
    const key = `inbound-registration:${vendor.tenantId}:${busy}`
    await deps.ownerDb.insertInto('rate_limit_buckets').values({ key, hits: inboundEmailRateLimits.perSender.limit, window_started_at: new Date() }).execute()
    expect((await deliver(raw({ from: busy, authenticated: true, body: lead('Twenty First Co') }))).result).toMatchObject({ outcome: 'rate_limited' })
    const [note] = await outboxTo(busy)
    expect(note?.subject).toBe('We could not register this: too many e-mails')

    await deps.ownerDb
      .insertInto('rate_limit_buckets')
      .values({ key: `inbound-registration:${vendor.tenantId}`, hits: inboundEmailRateLimits.perWorkspace.limit, window_started_at: new Date() })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ hits: inboundEmailRateLimits.perWorkspace.limit, window_started_at: new Date() }))
      .execute()
    const stranger = `flood-${randomUUID().slice(0, 8)}@elsewhere.example`
    expect((await deliver(raw({ from: stranger, authenticated: true, body: lead('Flood Co') }))).result).toMatchObject({ outcome: 'rate_limited' })
    expect(await outboxTo(stranger)).toEqual([])
    // Mail we cannot vouch for is what fills the workspace's budget; a partner whose domain authenticated them still gets through.
    expect((await deliver(raw({ from: REP, body: lead('Unverified During Flood') }))).result).toMatchObject({ outcome: 'rate_limited' })
    expect((await deliver(raw({ from: REP, authenticated: true, body: lead('Verified During Flood') }))).result).toMatchObject({ outcome: 'registered' })
    await deps.ownerDb.deleteFrom('rate_limit_buckets').where('key', '=', `inbound-registration:${vendor.tenantId}`).execute()
  })

  it('U+0000 in the subject and body is stripped, not a 500; an unreadable charset gets an explanation, not U+FFFD', async () => {
    const subject = `=?utf-8?B?${Buffer.from('Lead\u0000 for Nul Co').toString('base64')}?=`
    const { result } = await deliver(raw({ authenticated: true, subject, body: `${lead('Nul Co')}\n\u0000` }))
    expect(result).toMatchObject({ outcome: 'registered' })
    const logged = await deps.ownerDb.selectFrom('inbound_emails').select('subject').where('registration_id', '=', (result as { registrationId: string }).registrationId).executeTakeFirstOrThrow()
    expect(logged.subject).toBe('Lead for Nul Co')

    const reader = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, name: 'Una Unreadable' })).email
    const unreadable = await deliver(raw({ from: reader, authenticated: true, charset: 'x-mystery', body: Buffer.from([0x43, 0x6f, 0x3a, 0x20, 0x81, 0x8d, 0x81, 0x8d, 0x0d, 0x0a]) }))
    expect(unreadable.result).toMatchObject({ outcome: 'unreadable' })
    const [explanation] = await outboxTo(reader)
    expect(explanation?.text).toContain('We could not read the character set of your e-mail (x-mystery)')
  })

  it('reads a Shift-JIS registration mail', async () => {
    const body = iconv.encode(['Company: 株式会社キュー製作所', 'Website: kyu-seisakusho.jp', 'Contact: 山田太郎', 'E-mail: taro@kyu-seisakusho.jp', 'Need: 営業管理の改善', 'Consent: yes', ''].join('\r\n'), 'Shift_JIS')
    const { result } = await deliver(raw({ authenticated: true, charset: 'Shift_JIS', body }))
    expect(result).toMatchObject({ outcome: 'registered' })
    const row = await deps.ownerDb.selectFrom('registrations').select(['company_name', 'contact_name']).where('id', '=', (result as { registrationId: string }).registrationId).executeTakeFirstOrThrow()
    expect(row).toEqual({ company_name: '株式会社キュー製作所', contact_name: '山田太郎' })
  })

  it('a Resend webhook is stored as metadata; the worker fetches the body through the real SDK and trusts only our host’s verdict', async () => {
    const emailId = resend.addReceivedEmail({
      from: `Rita <${REP}>`,
      to: [to()],
      subject: 'Lead: Resend Routed GmbH',
      text: lead('Resend Routed GmbH'),
      headers: { 'authentication-results': 'mx.inbound.test; dmarc=pass header.from=queue-partner.example' },
    })
    const webhook = { type: 'email.received', created_at: new Date().toISOString(), data: { email_id: emailId, from: `Rita <${REP}>`, to: [to()], subject: 'Lead: Resend Routed GmbH', message_id: `<${emailId}@resend.test>` } }
    const { result } = await deliver(Buffer.from(JSON.stringify(webhook)), 'resend')
    expect(result).toMatchObject({ outcome: 'registered' })
    expect(resend.requests.some((request) => request.path === `/emails/receiving/${emailId}`)).toBe(true)
  })
})

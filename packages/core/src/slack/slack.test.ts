import { createHmac } from 'node:crypto'
import { sql, withTenant } from '@accord/db'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../errors.js'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { approveRegistration, rejectRegistration } from '../registrations/review.js'
import { submitRegistration } from '../registrations/submit.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { handleSlackRegisterCommand, parseRegisterCommand } from './command.js'
import { connectSlack, disconnectSlack, getSlackSettings, removePartnerSlackChannel, setPartnerSlackChannel, testSlackConnection } from './connection.js'
import { deliverSlackMessage, enqueueSlackMessage, notifySlackOfRegistrationStatus, SLACK_TRANSIENT_ATTEMPTS } from './outbox.js'
import { type FakeSlack, startFakeSlack } from './testing/fake-slack.js'

let deps: TestDeps
let slack: FakeSlack

beforeAll(async () => {
  deps = await createTestDeps()
  slack = await startFakeSlack()
})
afterAll(async () => {
  await slack?.close()
  await deps?.close()
})
beforeEach(() => slack.faults.clear())

const SIGNING_SECRET = 'abcdef0123456789abcdef0123456789'

async function jobsFor(messageId: string) {
  const { rows } = await sql<{ state: string; start_after: Date }>`select state, start_after from pgboss.job where name = 'slack.post' and data->>'messageId' = ${messageId} order by created_on`.execute(deps.ownerDb)
  return rows
}

async function messageRow(vendor: VendorFixture, id: string) {
  return deps.ownerDb.selectFrom('slack_messages').selectAll().where('tenant_id', '=', vendor.tenantId).where('id', '=', id).executeTakeFirstOrThrow()
}

async function enqueue(vendor: VendorFixture, dedupeKey: string, target: 'tenant' | { partnerId: string } = 'tenant') {
  return withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => enqueueSlackMessage(trx, deps, { tenantId: vendor.tenantId, target, kind: 'test', dedupeKey, text: `Hello ${dedupeKey}` }))
}

describe('connecting Slack', () => {
  it('tries a webhook by posting, stores it encrypted, tests and disconnects', async () => {
    const vendor = await createVendor(deps)
    const hook = slack.createWebhook('connect')
    const connected = await connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: hook, channelLabel: '#partners', signingSecret: SIGNING_SECRET })
    expect(connected).toMatchObject({ mode: 'webhook', channel: '#partners', slashCommand: true })
    expect(slack.messages.filter((message) => message.target === new URL(hook).pathname).map((message) => message.text)).toEqual([expect.stringContaining('Accord is connected')])

    const row = await deps.ownerDb.selectFrom('slack_connections').selectAll().where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()
    expect(row.credentials_ciphertext).not.toContain('/services/')
    expect(row.signing_secret_ciphertext).not.toContain(SIGNING_SECRET)

    const settings = await getSlackSettings(vendor.owner)
    expect(settings.connection).toMatchObject({ mode: 'webhook', status: 'connected', slashCommandEnabled: true, channel: '#partners' })
    expect(settings.slashCommandUrl).toBe(`http://admin.test/api/slack/commands/${vendor.slug}`)
    expect(JSON.stringify(settings)).not.toContain(hook)
    expect(JSON.stringify(settings)).not.toContain(SIGNING_SECRET)

    expect(await testSlackConnection(vendor.owner)).toEqual({ ok: true, message: 'Slack accepted the test message.' })
    slack.revokeWebhook(hook)
    const failed = await testSlackConnection(vendor.owner)
    expect(failed.ok).toBe(false)
    expect((await getSlackSettings(vendor.owner)).connection?.status).toBe('error')

    await disconnectSlack(vendor.owner)
    expect((await getSlackSettings(vendor.owner)).connection).toBeNull()
    expect(await enqueue(vendor, 'after-disconnect')).toEqual({ queued: false, reason: 'not_connected' })
  })

  it('refuses a webhook Slack does not know and a bad bot token, storing nothing', async () => {
    const vendor = await createVendor(deps)
    await expect(connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: `${slack.url}/services/T0/B0/unknown` })).rejects.toSatisfy(
      (error: unknown) => error instanceof AppError && error.code === 'VALIDATION' && /no_service/.test(error.fieldErrors?.webhookUrl?.[0] ?? ''),
    )
    await expect(connectSlack(vendor.owner, { mode: 'bot', botToken: 'xoxb-wrong-token-123', channel: '#partners', apiUrl: slack.apiUrl })).rejects.toSatisfy(
      (error: unknown) => error instanceof AppError && error.code === 'VALIDATION' && /invalid_auth/.test(error.fieldErrors?.botToken?.[0] ?? ''),
    )
    await expect(connectSlack(vendor.owner, { mode: 'bot', botToken: 'not-a-token', channel: '' } as never)).rejects.toSatisfy((error: unknown) => error instanceof AppError && Boolean(error.fieldErrors?.botToken && error.fieldErrors.channel))
    expect(await deps.ownerDb.selectFrom('slack_connections').select('tenant_id').where('tenant_id', '=', vendor.tenantId).execute()).toEqual([])
  })

  it('connects a bot token with auth.test and posts with chat.postMessage', async () => {
    const vendor = await createVendor(deps)
    const connected = await connectSlack(vendor.owner, { mode: 'bot', botToken: slack.botToken, channel: '#partners', apiUrl: slack.apiUrl })
    expect(connected).toMatchObject({ mode: 'bot', team: 'Fake Workspace', channel: '#partners', slashCommand: false })
    const queued = await enqueue(vendor, 'bot-hello')
    if (!queued.queued) throw new Error('not queued')
    expect(await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: queued.messageId })).toEqual({ outcome: 'sent' })
    expect(slack.messages.filter((message) => message.via === 'bot' && message.text === 'Hello bot-hello')).toHaveLength(1)

    // chat.postMessage: a 429 carries Retry-After, a 500 is retried by pg-boss, a missing channel fails for good.
    const limited = await enqueue(vendor, 'bot-limited')
    if (!limited.queued) throw new Error('not queued')
    slack.faults.rateLimit(1, { retryAfterSeconds: 3, path: /chat\.postMessage/ })
    const outcome = await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: limited.messageId })
    expect(outcome.outcome).toBe('rate_limited')
    expect(outcome.retryAt!.getTime()).toBeGreaterThan(Date.now() + 1500)
    await deps.ownerDb.updateTable('slack_messages').set({ next_attempt_at: null }).where('id', '=', limited.messageId).execute()
    slack.faults.serverErrors(1, { path: /chat\.postMessage/ })
    await expect(deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: limited.messageId })).rejects.toThrow(/internal_error|HTTP 500/)
    expect(await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: limited.messageId })).toEqual({ outcome: 'sent' })
    expect(await messageRow(vendor, limited.messageId)).toMatchObject({ status: 'sent', attempts: 3 })
  })

  it('is for owners and admins only', async () => {
    const vendor = await createVendor(deps)
    const manager = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'partner_manager' })
    await expect(getSlackSettings(manager.context)).rejects.toSatisfy((error: unknown) => error instanceof AppError && error.code === 'FORBIDDEN')
  })
})

describe('the Slack outbox', () => {
  let vendor: VendorFixture
  beforeAll(async () => {
    vendor = await createVendor(deps)
    await connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: slack.createWebhook('outbox') })
  })

  it('posts one message per dedupe key, and once however often the job runs', async () => {
    const first = await enqueue(vendor, 'announcement:1')
    const again = await enqueue(vendor, 'announcement:1')
    expect(again).toEqual({ queued: false, reason: 'duplicate' })
    if (!first.queued) throw new Error('not queued')
    expect(await jobsFor(first.messageId)).toHaveLength(1)

    const runs = await Promise.all([deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: first.messageId }), deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: first.messageId })])
    expect(runs.map((run) => run.outcome).sort()).toEqual(['already-sent', 'sent'])
    expect(await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: first.messageId })).toEqual({ outcome: 'already-sent' })
    expect(slack.messages.filter((message) => message.text === 'Hello announcement:1')).toHaveLength(1)
    expect(await messageRow(vendor, first.messageId)).toMatchObject({ status: 'sent', attempts: 1 })
  })

  it('waits for Slack’s Retry-After on a 429: a new job starts after it', async () => {
    const queued = await enqueue(vendor, 'rate-limited')
    if (!queued.queued) throw new Error('not queued')
    slack.faults.rateLimit(1, { retryAfterSeconds: 42 })
    // As in the worker: the job is active while it is handled.
    const fetched = await deps.boss.fetch('slack.post', { batchSize: 50 })
    expect(fetched.some((job) => (job.data as { messageId: string }).messageId === queued.messageId)).toBe(true)
    const before = Date.now()
    const limited = await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: queued.messageId })
    expect(limited.outcome).toBe('rate_limited')
    expect(limited.retryAt!.getTime() - before).toBeGreaterThanOrEqual(41_000)
    const jobs = await jobsFor(queued.messageId)
    expect(jobs).toHaveLength(2)
    expect(new Date(jobs[1]!.start_after).getTime()).toBeGreaterThanOrEqual(before + 41_000)
    expect(await messageRow(vendor, queued.messageId)).toMatchObject({ status: 'queued', attempts: 1, last_error: expect.stringContaining('rate limit') })
    // A run before the wait is over does not post.
    expect((await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: queued.messageId })).outcome).toBe('rate_limited')
    expect(slack.messages.filter((message) => message.text === 'Hello rate-limited')).toHaveLength(0)

    await deps.ownerDb.updateTable('slack_messages').set({ next_attempt_at: null }).where('id', '=', queued.messageId).execute()
    expect(await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: queued.messageId })).toEqual({ outcome: 'sent' })
    expect(slack.messages.filter((message) => message.text === 'Hello rate-limited')).toHaveLength(1)
  })

  it('retries a 500 through pg-boss (throws after recording the attempt) and gives up after the limit', async () => {
    const queued = await enqueue(vendor, 'server-error')
    if (!queued.queued) throw new Error('not queued')
    slack.faults.serverErrors(1)
    await expect(deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: queued.messageId })).rejects.toThrow(/HTTP 500/)
    expect(await messageRow(vendor, queued.messageId)).toMatchObject({ status: 'queued', attempts: 1 })
    expect(await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: queued.messageId })).toEqual({ outcome: 'sent' })
    expect(slack.messages.filter((message) => message.text === 'Hello server-error')).toHaveLength(1)

    const doomed = await enqueue(vendor, 'always-500')
    if (!doomed.queued) throw new Error('not queued')
    slack.faults.serverErrors(SLACK_TRANSIENT_ATTEMPTS)
    for (let attempt = 1; attempt < SLACK_TRANSIENT_ATTEMPTS; attempt++) await expect(deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: doomed.messageId })).rejects.toThrow()
    expect(await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: doomed.messageId })).toEqual({ outcome: 'failed' })
    expect(await messageRow(vendor, doomed.messageId)).toMatchObject({ status: 'failed', attempts: SLACK_TRANSIENT_ATTEMPTS })
  })

  it('posts to a partner’s shared channel, partner-safe, and not without one', async () => {
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Shared Channel Partner' })
    expect(await enqueue(vendor, 'no-channel', { partnerId: partner.id })).toEqual({ queued: false, reason: 'no_partner_channel' })
    const hook = slack.createWebhook('partner')
    await setPartnerSlackChannel(vendor.owner, { partnerId: partner.id, webhookUrl: hook, label: '#acme-shared' })
    const settings = await getSlackSettings(vendor.owner)
    expect(settings.partners.find((entry) => entry.partnerId === partner.id)).toMatchObject({ hasChannel: true, label: '#acme-shared' })

    const notice = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) =>
      notifySlackOfRegistrationStatus(trx, deps, { tenantId: vendor.tenantId, registrationId: '00000000-0000-4000-8000-000000000001', caseReference: 'R-77', companyName: 'Acme <Inc>', partnerId: partner.id, partnerName: 'Shared Channel Partner', status: 'approved' }),
    )
    if (!notice.tenant.queued || !notice.partner.queued) throw new Error('not queued')
    await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: notice.tenant.messageId })
    await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: notice.partner.messageId })
    const partnerPosts = slack.messages.filter((message) => message.target === new URL(hook).pathname && message.text.includes('R-77'))
    expect(partnerPosts).toHaveLength(1)
    expect(partnerPosts[0]!.text).toContain('http://portal.test/t/')
    expect(partnerPosts[0]!.text).toContain('Acme &lt;Inc&gt;: approved')
    expect(partnerPosts[0]!.text).not.toContain('Shared Channel Partner')
    // The same status again is the same notification: nothing new.
    const repeated = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) =>
      notifySlackOfRegistrationStatus(trx, deps, { tenantId: vendor.tenantId, registrationId: '00000000-0000-4000-8000-000000000001', caseReference: 'R-77', companyName: 'Acme', partnerId: partner.id, partnerName: 'x', status: 'approved' }),
    )
    expect(repeated).toEqual({ tenant: { queued: false, reason: 'duplicate' }, partner: { queued: false, reason: 'duplicate' } })

    await removePartnerSlackChannel(vendor.owner, { partnerId: partner.id })
    expect((await getSlackSettings(vendor.owner)).partners.find((entry) => entry.partnerId === partner.id)).toMatchObject({ hasChannel: false })
  })

  it('partner users cannot read any Slack table', async () => {
    const partner = await createPartnerOrganisation(vendor.owner)
    const counts = await withTenant(deps.db, { tenantId: vendor.tenantId, partnerId: partner.id }, async (trx) => ({
      connections: (await trx.selectFrom('slack_connections').select('tenant_id').execute()).length,
      messages: (await trx.selectFrom('slack_messages').select('id').execute()).length,
    }))
    expect(counts).toEqual({ connections: 0, messages: 0 })
  })
})

describe('/register from Slack', () => {
  let vendor: VendorFixture
  let partnerId: string
  const repEmail = `slack-rep-${Date.now()}@reseller.example`

  beforeAll(async () => {
    vendor = await createVendor(deps, { companyName: 'Slack Vendor' })
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Slack Reseller' })
    partnerId = partner.id
    await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, email: repEmail, name: 'Rita Rep' })
    await connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: slack.createWebhook('command'), signingSecret: SIGNING_SECRET })
  })

  function signed(text: string, options: { secret?: string; timestamp?: number; userId?: string } = {}) {
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
    const rawBody = new URLSearchParams({ token: 'legacy', team_id: 'T0FAKE', team_domain: 'fake', channel_id: 'C1', user_id: options.userId ?? 'U0REP', user_name: 'rita', command: '/register', text, response_url: 'https://hooks.slack.test/commands/1', trigger_id: '1.2.3' }).toString()
    const signature = `v0=${createHmac('sha256', options.secret ?? SIGNING_SECRET).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`
    return { rawBody, timestamp, signature, tenantSlug: vendor.slug }
  }

  const stored = async () => ({
    receipts: Number((await deps.ownerDb.selectFrom('slack_command_receipts').select((eb) => eb.fn.countAll<string>().as('n')).where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()).n),
    registrations: Number((await deps.ownerDb.selectFrom('registrations').select((eb) => eb.fn.countAll<string>().as('n')).where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()).n),
  })

  it('registers through the one registration path and answers with the case number and a link; a replay is refused', async () => {
    const request = signed(`Acme Slack Inc, acme-slack.com, Jane Buyer, jane@acme-slack.com, needs onboarding, SSO, consent, from: ${repEmail}`)
    const result = await handleSlackRegisterCommand(deps, request)
    expect(result).toMatchObject({ status: 200, outcome: 'registered', caseReference: expect.stringMatching(/^R-\d+$/) })
    const text = (result.body as { text: string }).text
    expect((result.body as { response_type: string }).response_type).toBe('ephemeral')
    expect(text).toContain(result.caseReference)
    expect(text).toContain(`http://portal.test/t/${vendor.slug}/registrations/${result.registrationId}`)
    const registration = await deps.ownerDb.selectFrom('registrations').selectAll().where('id', '=', result.registrationId!).executeTakeFirstOrThrow()
    expect(registration).toMatchObject({ source: 'slack', partner_id: partnerId, company_name: 'Acme Slack Inc', contact_email: 'jane@acme-slack.com', status: 'submitted' })
    expect(registration.problem).toBe('needs onboarding, SSO')

    const before = await stored()
    const replay = await handleSlackRegisterCommand(deps, request)
    expect(replay).toMatchObject({ status: 409, outcome: 'refused_replay', body: { error: expect.stringContaining('already processed') } })
    expect(await stored()).toEqual(before)
  })

  it('refuses a wrong signature and a stale timestamp, storing nothing', async () => {
    const before = await stored()
    const forged = signed(`Forged Co, forged.com, Fay, fay@forged.com, x, consent, from: ${repEmail}`, { secret: 'another-secret-0000000000000000' })
    expect(await handleSlackRegisterCommand(deps, forged)).toMatchObject({ status: 401, outcome: 'refused_signature' })
    const tampered = signed(`Tampered Co, tampered.com, Tom, tom@tampered.com, x, consent, from: ${repEmail}`)
    expect(await handleSlackRegisterCommand(deps, { ...tampered, rawBody: tampered.rawBody.replace('Tampered', 'Tempered') })).toMatchObject({ status: 401, outcome: 'refused_signature' })
    expect(await handleSlackRegisterCommand(deps, { ...tampered, signature: null })).toMatchObject({ status: 401, outcome: 'refused_signature' })
    const stale = signed(`Stale Co, stale.com, Sam, sam@stale.com, x, consent, from: ${repEmail}`, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })
    expect(await handleSlackRegisterCommand(deps, stale)).toMatchObject({ status: 401, outcome: 'refused_stale' })
    expect(await handleSlackRegisterCommand(deps, { ...signed('help'), tenantSlug: 'no-such-workspace-here' })).toMatchObject({ status: 404 })
    expect(await stored()).toEqual(before)
  })

  it('answers an unknown Slack user politely and lists what is missing', async () => {
    const unknown = await handleSlackRegisterCommand(deps, signed('Acme, acme.com, Jane, jane@acme.com, needs it, consent, from: stranger@nowhere.example'))
    expect(unknown).toMatchObject({ status: 200, outcome: 'unknown_user' })
    expect((unknown.body as { text: string }).text).toMatch(/could not match stranger@nowhere\.example to a partner of Slack Vendor/)

    const anonymous = await handleSlackRegisterCommand(deps, signed('Acme, acme.com, Jane, jane@acme.com, needs it, consent'))
    expect(anonymous).toMatchObject({ outcome: 'unknown_user' })
    expect((anonymous.body as { text: string }).text).toContain('from: you@yourcompany.com')

    const incomplete = await handleSlackRegisterCommand(deps, signed(`company: Half Done Ltd; from: ${repEmail}`))
    expect(incomplete).toMatchObject({ status: 200, outcome: 'missing_fields' })
    const text = (incomplete.body as { text: string }).text
    expect(text).toContain('the contact’s name')
    expect(text).toContain('the contact’s e-mail')
    expect(text).toContain('what the customer needs')
    expect(text).toContain('consent')
    expect(text).not.toContain('the company*')
    expect(text).toContain('/register Company, website')

    const invalid = await handleSlackRegisterCommand(deps, signed(`Bad Mail Co, badmail.com, Bo, bo@badmail.com, x, consent, type: deal, from: ${repEmail}`))
    expect(invalid).toMatchObject({ outcome: 'invalid_fields' })
    expect((invalid.body as { text: string }).text).toContain('A deal needs an amount.')
  })

  it('finds the Slack user by e-mail through users.info when a bot token is connected', async () => {
    const botVendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(botVendor.owner)
    const email = `bot-rep-${Date.now()}@partner.example`
    await createPartnerUser(deps, { tenantId: botVendor.tenantId, partnerId: partner.id, email })
    slack.addUser({ id: 'U0BOTREP', email })
    await connectSlack(botVendor.owner, { mode: 'bot', botToken: slack.botToken, channel: '#partners', apiUrl: slack.apiUrl, signingSecret: SIGNING_SECRET })
    const request = { ...signed('company: Bot Lead GmbH; website: botlead.de; contact: Bea Bot; email: bea@botlead.de; problem: wants a demo; consent: yes', { userId: 'U0BOTREP' }), tenantSlug: botVendor.slug }
    const result = await handleSlackRegisterCommand(deps, request)
    expect(result).toMatchObject({ status: 200, outcome: 'registered' })
    const registration = await deps.ownerDb.selectFrom('registrations').select(['source', 'partner_id', 'company_name']).where('id', '=', result.registrationId!).executeTakeFirstOrThrow()
    expect(registration).toEqual({ source: 'slack', partner_id: partner.id, company_name: 'Bot Lead GmbH' })
    // A replay is refused before Slack is asked who sent it.
    const lookupsBefore = slack.requests.filter((call) => call.path.includes('users.info')).length
    expect(await handleSlackRegisterCommand(deps, request)).toMatchObject({ status: 409, outcome: 'refused_replay' })
    expect(slack.requests.filter((call) => call.path.includes('users.info')).length).toBe(lookupsBefore)

    // With a bot token `from:` is not trusted: an unknown Slack user cannot claim a partner's address.
    const impostor = await handleSlackRegisterCommand(deps, { ...signed(`Imp Co, imp.com, Ida, ida@imp.com, x, consent, from: ${email}`, { userId: 'U0STRANGER' }), tenantSlug: botVendor.slug })
    expect(impostor).toMatchObject({ status: 200, outcome: 'unknown_user' })
    expect((impostor.body as { text: string }).text).toContain('users:read.email')
  })
})

describe('parseRegisterCommand', () => {
  it('reads positional, labelled and Slack-escaped text', () => {
    expect(parseRegisterCommand('Acme Inc, acme.com, Jane Buyer, jane@acme.com, needs onboarding, consent')).toMatchObject({
      fields: { companyName: 'Acme Inc', website: 'acme.com', contactName: 'Jane Buyer', contactEmail: 'jane@acme.com', problem: 'needs onboarding', consent: 'yes' },
      missing: [],
    })
    expect(parseRegisterCommand('Acme Inc, Jane Buyer, <mailto:jane@acme.com|jane@acme.com>, needs onboarding').missing).toEqual(['consent'])
    expect(parseRegisterCommand('company: Smith &amp; Sons\nemail: s@smith.com\nproblem: a, b\nc\nconsent: no')).toMatchObject({ fields: { companyName: 'Smith & Sons', contactEmail: 's@smith.com', problem: 'a, b, c', consent: 'no' }, missing: ['contactName', 'consent'] })
    expect(parseRegisterCommand('  ').empty).toBe(true)
    expect(parseRegisterCommand('help').empty).toBe(true)
  })
})

describe('registration status changes reach Slack', () => {
  it('approving and rejecting post to the vendor channel and the partner’s shared channel, with the partner’s words only', async () => {
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Slack Status Partner' })
    const rep = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })).context
    await connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: slack.createWebhook('status-vendor') })
    await setPartnerSlackChannel(vendor.owner, { partnerId: partner.id, webhookUrl: slack.createWebhook('status-partner') })
    const lead = (name: string, domain: string) => ({ companyName: name, website: domain, contactName: 'Pat Buyer', contactEmail: `pat@${domain}`, problem: 'Needs a partner for the rollout.', consent: true })
    const first = await submitRegistration(rep, { fields: lead('Status Customer One', 'status-customer-one.com') })
    const second = await submitRegistration(rep, { fields: lead('Status Customer Two', 'status-customer-two.com') })
    await approveRegistration(vendor.owner, { registrationId: first.registrationId })
    await rejectRegistration(vendor.owner, { registrationId: second.registrationId, reason: 'Already a direct customer' })
    const posts = await deps.ownerDb.selectFrom('slack_messages').select(['partner_id', 'text']).where('tenant_id', '=', vendor.tenantId).where('kind', '=', 'registration.status').execute()
    const vendorPosts = posts.filter((post) => post.partner_id === null).map((post) => post.text)
    const partnerPosts = posts.filter((post) => post.partner_id === partner.id).map((post) => post.text)
    // Received ×2, approved, rejected — in both channels.
    expect(vendorPosts).toHaveLength(4)
    expect(partnerPosts).toHaveLength(4)
    expect(vendorPosts.some((text) => /Status Customer One.*approved/.test(text))).toBe(true)
    expect(partnerPosts.some((text) => /not approved[\s\S]*Already a direct customer/.test(text))).toBe(true)
  })
})

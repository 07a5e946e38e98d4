import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { withTenant } from '@accord/db'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { AppError } from '../errors.js'
import { createPartnerOrganisation, createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { connectSlack, setPartnerSlackChannel, testSlackConnection } from './connection.js'
import { deliverSlackMessage, enqueueSlackMessage } from './outbox.js'
import { type FakeSlack, startFakeSlack } from './testing/fake-slack.js'

/**
 * Slack webhook and API URLs are the tenant's: they go through the outbound
 * guard, and what the settings page and the outbox say about a failure is a
 * Slack error code, an HTTP status or the guard's words, nothing else.
 */
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
afterEach(() => {
  vi.unstubAllEnvs()
})

function strict() {
  vi.stubEnv('OUTBOUND_ALLOW_CUSTOM_HOSTS', 'false')
  vi.stubEnv('OUTBOUND_ALLOW_PRIVATE_NETWORKS', 'false')
}

async function validation(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  if (!(error instanceof AppError) || error.code !== 'VALIDATION') throw new Error(`expected a validation error, got ${String(error)}`)
  return error
}

async function startServer(handler: http.RequestListener) {
  const sockets = new Set<Socket>()
  const server = http.createServer(handler)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

const stored = (vendor: VendorFixture) => deps.ownerDb.selectFrom('slack_connections').selectAll().where('tenant_id', '=', vendor.tenantId).execute()

describe('Slack in strict mode (the default outside tests)', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'the metadata address'],
    ['https://hooks.slack.com.evil.example/services/T0/B0/x', 'a look-alike host'],
    ['http://hooks.slack.com/services/T0/B0/x', 'plain http'],
    ['https://10.0.0.5/services/T0/B0/x', 'a private address'],
  ])('refuses the webhook %s (%s) on its field, storing nothing', async (webhookUrl) => {
    strict()
    const vendor = await createVendor(deps)
    const error = await validation(connectSlack(vendor.owner, { mode: 'webhook', webhookUrl }))
    expect(error.fieldErrors).toEqual({ webhookUrl: ['Could not reach Slack (the address is not allowed).'] })
    expect(await stored(vendor)).toEqual([])
  })

  it('refuses a custom API URL on its own field, and a partner channel webhook too', async () => {
    strict()
    const vendor = await createVendor(deps)
    const error = await validation(connectSlack(vendor.owner, { mode: 'bot', botToken: slack.botToken, channel: '#partners', apiUrl: 'http://10.0.0.5:8080/api/' }))
    expect(error.fieldErrors).toEqual({ apiUrl: ['Could not reach Slack (the address is not allowed).'] })
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Guarded Partner', type: 'reseller', emailDomains: ['guarded-partner.example'] })
    const channelError = await validation(setPartnerSlackChannel(vendor.owner, { partnerId: partner.id, webhookUrl: 'http://[::ffff:127.0.0.1]:8080/services/x' }))
    expect(channelError.fieldErrors).toEqual({ webhookUrl: ['Could not reach Slack (the address is not allowed).'] })
  })

  it('a stored webhook the operator no longer allows fails its message for good, with the guard’s words, and posts nothing', async () => {
    const vendor = await createVendor(deps)
    await connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: slack.createWebhook('guarded') })
    const postedBefore = slack.messages.length
    const queued = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => enqueueSlackMessage(trx, deps, { tenantId: vendor.tenantId, target: 'tenant', kind: 'test', dedupeKey: 'guarded-1', text: 'Hello' }))
    if (!queued.queued) throw new Error('not queued')
    strict()
    expect(await deliverSlackMessage(deps, { tenantId: vendor.tenantId, messageId: queued.messageId })).toEqual({ outcome: 'failed' })
    const row = await deps.ownerDb.selectFrom('slack_messages').select(['status', 'last_error']).where('id', '=', queued.messageId).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'failed', last_error: 'Could not reach Slack (the address is not allowed).' })
    expect((await stored(vendor))[0]).toMatchObject({ status: 'error', last_error: 'Could not reach Slack (the address is not allowed).' })
    expect(await testSlackConnection(vendor.owner)).toEqual({ ok: false, message: 'Could not reach Slack (the address is not allowed).' })
    expect(slack.messages.length).toBe(postedBefore)
  })
})

describe('what Slack failures say', () => {
  it('a webhook answer that is not a Slack error code is reduced to its status', async () => {
    const leaky = await startServer((_request, response) => response.writeHead(400, { 'content-type': 'text/plain' }).end('SECRET admin panel: elasticsearch 10.0.0.9:9200 green'))
    try {
      const vendor = await createVendor(deps)
      const error = await validation(connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: `${leaky.url}/services/T0/B0/x` }))
      expect(error.fieldErrors).toEqual({ webhookUrl: ['Slack did not accept this webhook URL: Slack refused the message (HTTP 400).'] })
    } finally {
      leaky.close()
    }
  })

  it('an API answer that is not Slack’s JSON says so without repeating it', async () => {
    const leaky = await startServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>SECRET internal dashboard</h1>'))
    try {
      const vendor = await createVendor(deps)
      const error = await validation(connectSlack(vendor.owner, { mode: 'bot', botToken: slack.botToken, channel: '#partners', apiUrl: `${leaky.url}/api/` }))
      expect(error.fieldErrors).toEqual({ botToken: ['Slack did not accept this bot token: Slack refused the message.'] })
    } finally {
      leaky.close()
    }
  })

  it('an unreachable webhook is "no connection", not the socket error', async () => {
    const vendor = await createVendor(deps)
    const error = await validation(connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: 'http://127.0.0.1:9/services/T0/B0/x' }))
    expect(error.fieldErrors).toEqual({ webhookUrl: ['Could not reach Slack (no connection).'] })
  })

  it('Slack’s own codes still come through', async () => {
    const vendor = await createVendor(deps)
    const error = await validation(connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: `${slack.url}/services/T0/B0/unknown` }))
    expect(error.fieldErrors?.webhookUrl?.[0]).toContain('no_service')
  })
})

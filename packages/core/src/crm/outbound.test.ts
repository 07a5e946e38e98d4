import diagnostics from 'node:diagnostics_channel'
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type FakeHubspot, startFakeHubspot } from '@accord/crm/testing/fake-hubspot'
import { withTenant } from '@accord/db'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { AppError } from '../errors.js'
import { createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { connectCrm, testCrmConnection } from './connection.js'
import { runCrmSync } from './sync.js'

/**
 * The CRM settings page and the sync log behind the outbound guard. The
 * suite runs with the operator settings on (fakes live on 127.0.0.1); the
 * strict cases switch them off the way `npm start` leaves them.
 */
const TOKEN = 'pat-eu1-outbound-guard-01'
let deps: TestDeps
let hubspot: FakeHubspot

beforeAll(async () => {
  deps = await createTestDeps()
  hubspot = await startFakeHubspot({ accessToken: TOKEN })
})
afterAll(async () => {
  await hubspot?.close()
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

/**
 * Every TCP connection attempt made while `run` runs, except to the test
 * database (Node publishes each new socket on this channel; the socket then
 * reports each address it tries).
 */
async function connectionAttemptsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const databasePort = Number(new URL(inject('appDatabaseUrl')).port || 5432)
  const attempts: string[] = []
  const watch = (message: unknown) => {
    const { socket } = message as { socket: Socket }
    socket.on('connectionAttempt', (ip: string, port: number) => {
      if (port !== databasePort) attempts.push(`${ip}:${port}`)
    })
  }
  diagnostics.subscribe('net.client.socket', watch)
  try {
    await run()
  } finally {
    diagnostics.unsubscribe('net.client.socket', watch)
  }
  return attempts
}

async function storedConnections(vendor: VendorFixture) {
  return withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.selectFrom('crm_connections').selectAll().execute())
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

describe('connecting a CRM in strict mode (the default outside tests)', () => {
  it('refuses a HubSpot base URL on a private address with a field error, without any network attempt', async () => {
    strict()
    const vendor = await createVendor(deps)
    let error: AppError | undefined
    const attempts = await connectionAttemptsDuring(async () => {
      error = await validation(connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: 'http://10.0.0.5:5432' } }))
    })
    expect(error?.fieldErrors).toEqual({ 'credentials.baseUrl': ['Could not reach HubSpot (the address is not allowed).'] })
    expect(attempts).toEqual([])
    expect(await storedConnections(vendor)).toEqual([])
  })

  it('refuses the fake HubSpot itself (loopback, http) and a Salesforce look-alike host', async () => {
    strict()
    const vendor = await createVendor(deps)
    const requestsBefore = hubspot.requests
    const hubspotError = await validation(connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: hubspot.url } }))
    expect(hubspotError.fieldErrors).toEqual({ 'credentials.baseUrl': ['Could not reach HubSpot (the address is not allowed).'] })
    expect(hubspot.requests).toBe(requestsBefore)
    const salesforceError = await validation(
      connectCrm(vendor.owner, { credentials: { provider: 'salesforce', method: 'password', username: 'api@acme.example', password: 'pw', loginUrl: 'https://login.salesforce.com.evil.example' } }),
    )
    expect(salesforceError.fieldErrors).toEqual({ 'credentials.loginUrl': ['Could not reach Salesforce (the address is not allowed).'] })
  })
})

describe('what the settings page repeats of a failure', () => {
  it('the HTTP status, never the body an address answered with', async () => {
    const leaky = await startServer((_request, response) => response.writeHead(401, { 'content-type': 'text/plain' }).end('SECRET: redis://10.0.0.7:6379 is up'))
    try {
      const vendor = await createVendor(deps)
      const error = await validation(connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: leaky.url } }))
      expect(error.fieldErrors).toEqual({ 'credentials.accessToken': ['HubSpot did not accept these credentials (HTTP 401).'] })
      expect(JSON.stringify(error)).not.toContain('SECRET')
    } finally {
      leaky.close()
    }
  })

  it('a kind of failure, never the socket error or the address', async () => {
    const vendor = await createVendor(deps)
    let error: AppError | undefined
    // The watcher does see a real attempt (the strict case above saw none).
    const attempts = await connectionAttemptsDuring(async () => {
      error = await validation(connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: 'http://127.0.0.1:9' } }))
    })
    expect(attempts).toEqual(['127.0.0.1:9'])
    if (!error) throw new Error('no error')
    expect(error.fieldErrors).toEqual({ 'credentials.baseUrl': ['Could not reach HubSpot (no connection).'] })
    expect(JSON.stringify(error)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:9\b/)
  })

  it('the connection test says the same, and a stored address the operator no longer allows stops the sync with that message', async () => {
    const vendor = await createVendor(deps)
    const connected = await connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: hubspot.url } })
    expect(connected.account).toMatch(/^HubSpot portal \d+$/)

    strict()
    expect(await testCrmConnection(vendor.owner)).toEqual({ ok: false, message: 'Could not reach HubSpot (the address is not allowed).' })
    const requestsBefore = hubspot.requests
    const result = await runCrmSync(deps, { tenantId: vendor.tenantId, trigger: 'initial', runId: connected.runId }, { requestTimeoutMs: 2_000 })
    expect(result.status).toBe('failed')
    expect(hubspot.requests).toBe(requestsBefore)
    const message = "Could not reach HubSpot (the address is not allowed). Reconnect with HubSpot's own address."
    const [connection] = await storedConnections(vendor)
    expect(connection).toMatchObject({ status: 'error', last_error: message })
    const run = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.selectFrom('crm_sync_runs').select(['status', 'error']).where('id', '=', connected.runId).executeTakeFirstOrThrow())
    expect(run).toEqual({ status: 'failed', error: message })
  })
})

import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type OutboundResolver, type OutboundSettings, parseCidr, STRICT_SETTINGS } from '@accord/outbound'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CrmConnector } from './connector.js'
import { salesforceCredentials } from './credentials.js'
import { CrmError } from './errors.js'
import { createHubspotConnector } from './hubspot/connector.js'
import { createSalesforceConnector } from './salesforce/connector.js'
import { type FakeHubspot, startFakeHubspot } from './testing/fake-hubspot.js'

/**
 * Both connectors send every request through the outbound guard, including
 * the ones the SDKs make on their own (node-fetch inside @hubspot/api-client,
 * jsforce's login and the instance URL the login hands back).
 */

const LOCAL_ONLY: OutboundSettings = { allowCustomHosts: true, privateNetworks: [parseCidr('127.0.0.1/32')!] }
const NO_PRIVATE: OutboundSettings = { allowCustomHosts: true, privateNetworks: 'none' }
const toLoopback: OutboundResolver = async () => [{ address: '127.0.0.1', family: 4 }]

async function crmError(promise: Promise<unknown>): Promise<CrmError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof CrmError) return error
    throw error
  }
  throw new Error('expected a CrmError')
}

/** A server that answers every request with one handler; remembers the paths it saw. */
async function startServer(handler: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
  const paths: string[] = []
  const sockets = new Set<Socket>()
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? '')
    handler(request, response)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    paths,
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

describe('HubSpot through the guard', () => {
  let fake: FakeHubspot
  beforeEach(async () => {
    fake = await startFakeHubspot()
  })
  afterEach(async () => {
    await fake.close()
  })

  const everyCall = (connector: CrmConnector): Array<[string, () => Promise<unknown>]> => [
    ['testConnection', () => connector.testConnection()],
    ['ensureSchema', () => connector.ensureSchema({ attributionMode: 'deal_property', dealProperties: ['dealname'], companyProperties: ['name'], contactProperties: ['email'] })],
    ['pullChangedDeals', () => connector.pullChangedDeals({ cursor: null, limit: 10 })],
    ['listStages', () => connector.listStages()],
    ['addDealNote', () => connector.addDealNote({ dealId: '1', body: 'hello', timestamp: new Date().toISOString(), dedupeKey: 'note-1' })],
    ['writeBack', () => connector.writeBack([{ object: 'company', key: 'acme.com', properties: { accord_partner_tier: 'gold' } }])],
  ]

  it('strict mode refuses the fake’s address before any request, for every call', async () => {
    const connector = createHubspotConnector({ provider: 'hubspot', accessToken: fake.accessToken, baseUrl: fake.url }, { outbound: { settings: STRICT_SETTINGS } })
    for (const [name, run] of everyCall(connector)) {
      const error = await crmError(run())
      expect([name, error.kind, error.details.outbound]).toEqual([name, 'auth', 'not_allowed'])
      expect(error.message).toMatch(/Could not reach HubSpot \(the address is not allowed\)\.$/)
    }
    expect(fake.requests).toBe(0)
  })

  it('every SDK request connects through the guarded lookup (a name resolving to loopback is refused at connect)', async () => {
    // The URL check passes (custom hosts allowed, a public-looking name); only the connect-time lookup can refuse.
    const baseUrl = `http://hubspot.example.com:${new URL(fake.url).port}`
    const connector = createHubspotConnector({ provider: 'hubspot', accessToken: fake.accessToken, baseUrl }, { outbound: { settings: NO_PRIVATE, resolve: toLoopback } })
    for (const [name, run] of everyCall(connector)) {
      const error = await crmError(run())
      expect([name, error.details.outbound]).toEqual([name, 'not_allowed'])
    }
    expect(fake.requests).toBe(0)
  })

  it('works through a name when the pinned address is allowed', async () => {
    const baseUrl = `http://hubspot.example.com:${new URL(fake.url).port}`
    const connector = createHubspotConnector({ provider: 'hubspot', accessToken: fake.accessToken, baseUrl }, { outbound: { settings: LOCAL_ONLY, resolve: toLoopback } })
    expect((await connector.testConnection()).account).toMatch(/^HubSpot portal \d+$/)
    expect(await connector.listStages()).not.toEqual([])
  })

  it('refuses a redirect to a private address, even one the SDK follows on its own', async () => {
    const redirecting = await startServer((_request, response) => response.writeHead(302, { location: 'http://10.0.0.5:5432/crm/v3/pipelines/deals' }).end())
    try {
      const connector = createHubspotConnector({ provider: 'hubspot', accessToken: 'pat-na1-00000000', baseUrl: redirecting.url }, { outbound: { settings: LOCAL_ONLY } })
      const error = await crmError(connector.listStages())
      expect(error.details.outbound).toBe('not_allowed')
      expect(redirecting.paths).toHaveLength(1)
    } finally {
      redirecting.close()
    }
  })

  it('caps the answer the SDK reads', async () => {
    const flooding = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(64 * 1024, 32)
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) {
          /* keep writing */
        }
        if (!response.destroyed) response.once('drain', pump)
      }
      pump()
    })
    try {
      const connector = createHubspotConnector({ provider: 'hubspot', accessToken: 'pat-na1-00000000', baseUrl: flooding.url }, { timeoutMs: 5_000, outbound: { settings: LOCAL_ONLY, maxResponseBytes: 512 * 1024 } })
      const started = Date.now()
      const error = await crmError(connector.listStages())
      expect(error.details.outbound).toBe('too_large')
      expect(error.kind).toBe('transient')
      expect(Date.now() - started).toBeLessThan(4_000)
    } finally {
      flooding.close()
    }
  })

  it('tells the status, never a body that is not HubSpot’s JSON error, nor a socket error', async () => {
    const leaky = await startServer((_request, response) => response.writeHead(401, { 'content-type': 'text/plain' }).end('SECRET internal page: postgres://admin:pw@10.0.0.5:5432'))
    try {
      const connector = createHubspotConnector({ provider: 'hubspot', accessToken: 'pat-na1-00000000', baseUrl: leaky.url }, { outbound: { settings: LOCAL_ONLY } })
      const refused = await crmError(connector.testConnection())
      expect(refused.kind).toBe('auth')
      expect(refused.message).toBe('HubSpot account details: HubSpot answered HTTP 401')
    } finally {
      leaky.close()
    }
    const closed = createHubspotConnector({ provider: 'hubspot', accessToken: 'pat-na1-00000000', baseUrl: leaky.url }, { outbound: { settings: LOCAL_ONLY } })
    const unreachable = await crmError(closed.listStages())
    expect(unreachable.message).toBe('HubSpot read deal pipelines: Could not reach HubSpot (no connection).')
  })
})

describe('Salesforce through the guard', () => {
  const credentials = (loginUrl: string) =>
    salesforceCredentials.parse({ provider: 'salesforce', method: 'password', username: 'integration@acme.example', password: 'pw', securityToken: 'token', loginUrl })

  it('strict mode refuses a private login URL before any request', async () => {
    const error = await crmError(createSalesforceConnector(credentials('http://10.0.0.5:5432'), { outbound: { settings: STRICT_SETTINGS } }).testConnection())
    expect([error.kind, error.details.outbound]).toEqual(['auth', 'not_allowed'])
    expect(error.message).toMatch(/Could not reach Salesforce \(the address is not allowed\)\.$/)
  })

  it('checks the instance URL the login answers with, not just the login URL', async () => {
    const login = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/xml' })
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>' +
          '<passwordExpired>false</passwordExpired><serverUrl>http://169.254.169.254/services/Soap/u/62.0/00D000000000001</serverUrl><sessionId>00D000000000001!AQfake</sessionId><userId>005000000000001</userId>' +
          '<userInfo><organizationId>00D000000000001</organizationId><userId>005000000000001</userId><userName>integration@acme.example</userName></userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>',
      )
    })
    try {
      const error = await crmError(createSalesforceConnector(credentials(login.url), { outbound: { settings: LOCAL_ONLY } }).testConnection())
      expect(error.details.outbound).toBe('not_allowed')
      expect(login.paths).toHaveLength(1) // the login, and nothing sent to the metadata address
    } finally {
      login.close()
    }
  })

  it('tells the status, never a body that is not one of Salesforce’s error formats', async () => {
    const leaky = await startServer((_request, response) => response.writeHead(500, { 'content-type': 'text/html' }).end('<h1>SECRET admin console</h1>'))
    try {
      const error = await crmError(createSalesforceConnector(credentials(leaky.url), { outbound: { settings: LOCAL_ONLY } }).testConnection())
      expect(error.message).not.toContain('SECRET')
      expect(error.message).toContain('Salesforce answered HTTP 500')
    } finally {
      leaky.close()
    }
  })
})

/**
 * Foundation benchmark (issue 2): the authenticated portal home page and one
 * tRPC query, next to a bare Node `http` handler doing one indexed pg query,
 * all in the same run on loopback with autocannon.
 *
 * Targets: at 50 connections ≥ 50 % of the bare handler's req/s; at 10
 * connections p95 < 50 ms. Run by hand: `pnpm bench` (see docs/benchmarks.md).
 */
import { randomBytes } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import autocannon from 'autocannon'
import pg from 'pg'
import { createSessionManager } from '@accord/auth'
import { createLocalDiskStorage } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser, createVendor } from '@accord/core/testing/factories'
import { createDb } from '@accord/db'
import { startEmbeddedPostgres } from '@accord/db/embedded'
import { repoRoot } from '@accord/db/repo'
import { withDatabase } from '@accord/db/testing'
import { startStack } from '@accord/devstack/stack'
import { createJobSender, startSenderBoss } from '@accord/jobs'
import { benchEnv } from './env.js'

const env = benchEnv()
const DURATION_SECONDS = env.BENCH_SECONDS
const ADMIN_PORT = 4200
const PORTAL_PORT = 4201
const root = repoRoot()

let serverUrl = env.BENCH_DATABASE_URL
let stopServer: (() => Promise<void>) | undefined
if (!serverUrl) {
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, '.data', 'bench-postgres'), port: 54359, databaseName: 'postgres' })
  serverUrl = embedded.url
  stopServer = embedded.stop
}
const databaseName = `accord_bench_${randomBytes(3).toString('hex')}`
{
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  await client.query(`create database "${databaseName}"`)
  await client.end()
}
const stack = await startStack({
  databaseUrl: withDatabase(serverUrl, databaseName),
  appDatabasePassword: 'accord-app-local-only',
  embeddedPort: 0,
  embeddedDataDir: '',
  adminPort: ADMIN_PORT,
  portalPort: PORTAL_PORT,
  adminUrl: `http://localhost:${ADMIN_PORT}`,
  portalUrl: `http://localhost:${PORTAL_PORT}`,
  dev: false,
  seedDemo: false,
  // One app process per core, as a deployment on this machine would run (README: WEB_CONCURRENCY).
  extraEnv: { PORTAL_BASE_DOMAIN: '', DATABASE_POOL_SIZE: '10', WEB_CONCURRENCY: String(env.BENCH_WEB_CONCURRENCY) },
  log: () => undefined,
})

// A vendor with a partner user and a live portal session; plus some bulk so the index matters.
const db = createDb(stack.appUrl, 4)
const boss = await startSenderBoss(stack.appUrl)
const deps = {
  db,
  jobs: createJobSender(boss),
  storage: createLocalDiskStorage(path.join(root, '.data', 'storage')),
  now: () => new Date(),
  adminUrl: `http://localhost:${ADMIN_PORT}`,
  portal: { portalUrl: `http://localhost:${PORTAL_PORT}` },
  emailFrom: 'bench@accord.localhost',
}
const vendor = await createVendor(deps, { companyName: 'Bench Vendor' })
for (let index = 0; index < 200; index++) await createPartnerOrganisation(vendor.owner, { name: `Bench Partner ${index}` })
const partner = await createPartnerOrganisation(vendor.owner, { name: 'Bench Reseller' })
const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
const sessions = createSessionManager({ db, cookieName: 'accord_portal_session', secureCookies: false })
const { cookie } = await sessions.create({ tenantId: vendor.tenantId, userId: rep.userId, cookiePath: `/t/${vendor.slug}` })
const cookieHeader = cookie.split(';')[0] ?? ''

// The bare handler: one indexed query (primary key lookup under the same runtime role and RLS scope).
const barePool = new pg.Pool({ connectionString: stack.appUrl, max: 20 })
barePool.on('error', () => undefined)
const bare = http.createServer(async (_request, response) => {
  const client = await barePool.connect()
  try {
    const result = await client.query(
      `select set_config('app.tenant_id', $1::text, false), (select name from partner_organisations where tenant_id = $1::uuid and id = $2::uuid) as name`,
      [vendor.tenantId, partner.id],
    )
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ name: result.rows[0]?.name }))
  } finally {
    client.release()
  }
})
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve))
const barePort = (bare.address() as AddressInfo).port

interface Figures {
  name: string
  connections: number
  requestsPerSecond: number
  p50: number
  p95: number
  errors: number
}

async function measure(name: string, url: string, connections: number, headers: Record<string, string> = {}): Promise<Figures> {
  const latencies: number[] = []
  let errors = 0
  // The tracker is an EventEmitter that is also thenable (its typings only say Promise).
  const instance = autocannon({ url, connections, duration: DURATION_SECONDS, headers }) as unknown as EventEmitter & PromiseLike<autocannon.Result>
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode !== 200) errors++
    latencies.push(responseTime)
  })
  const result = await instance
  latencies.sort((left, right) => left - right)
  const at = (fraction: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? Number.NaN
  return { name, connections, requestsPerSecond: result.requests.average, p50: at(0.5), p95: at(0.95), errors: errors + result.errors + result.non2xx }
}

const portalHome = `http://127.0.0.1:${PORTAL_PORT}/t/${vendor.slug}`
const trpcQuery = `http://127.0.0.1:${PORTAL_PORT}/t/${vendor.slug}/api/trpc/portal.home`
// Context rows (not targets): what the stack costs before our code does anything.
// Express alone (no Remix, no database), and the signed-out login page: Remix SSR with one indexed query (the tenant's brand).
const expressOnly = `http://127.0.0.1:${PORTAL_PORT}/healthz`
const loginPage = `http://127.0.0.1:${PORTAL_PORT}/t/${vendor.slug}/login`
const bareUrl = `http://127.0.0.1:${barePort}/`
const auth = { cookie: cookieHeader }

try {
  // Sanity: the authenticated requests really are authenticated.
  for (const url of [portalHome, trpcQuery]) {
    const response = await fetch(url, { headers: auth, redirect: 'manual' })
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}; expected 200 for a signed-in partner`)
  }

  await measure('warm-up', portalHome, 10, auth)
  const results: Figures[] = []
  for (const connections of [50, 10]) {
    results.push(await measure('bare http + pg', bareUrl, connections))
    results.push(await measure('portal home (SSR)', portalHome, connections, auth))
    results.push(await measure('tRPC portal.home', trpcQuery, connections, auth))
    if (connections === 50) {
      results.push(await measure('context: Express only (/healthz)', expressOnly, connections))
      results.push(await measure('context: login page (SSR, 1 query)', loginPage, connections))
    }
  }

  const rows = results.map((figures) => {
    const baseline = results.find((candidate) => candidate.name === 'bare http + pg' && candidate.connections === figures.connections)
    const ratio = baseline ? figures.requestsPerSecond / baseline.requestsPerSecond : 1
    return `| ${figures.name} | ${figures.connections} | ${figures.requestsPerSecond.toFixed(0)} | ${figures.p50.toFixed(1)} | ${figures.p95.toFixed(1)} | ${(ratio * 100).toFixed(0)} % | ${figures.errors} |`
  })
  console.log(`\nFoundation benchmark — ${DURATION_SECONDS}s per run, loopback, ${env.BENCH_WEB_CONCURRENCY} app process(es), ${new Date().toISOString()}`)
  console.log('| target | connections | req/s | p50 ms | p95 ms | vs bare | errors |')
  console.log('|---|---|---|---|---|---|---|')
  for (const row of rows) console.log(row)
  const at50 = (name: string) => results.find((figures) => figures.name === name && figures.connections === 50)
  const at10 = (name: string) => results.find((figures) => figures.name === name && figures.connections === 10)
  const bare50 = at50('bare http + pg')?.requestsPerSecond ?? 1
  for (const name of ['portal home (SSR)', 'tRPC portal.home']) {
    const ratio = (at50(name)?.requestsPerSecond ?? 0) / bare50
    const p95 = at10(name)?.p95 ?? Number.POSITIVE_INFINITY
    console.log(`${name}: ${(ratio * 100).toFixed(0)} % of bare at 50 connections (target ≥ 50 %) ${ratio >= 0.5 ? 'MET' : 'NOT MET'}; p95 at 10 connections ${p95.toFixed(1)} ms (target < 50 ms) ${p95 < 50 ? 'MET' : 'NOT MET'}`)
  }
} finally {
  bare.close()
  await barePool.end()
  await boss.stop({ graceful: false, wait: true })
  await db.destroy()
  await stack.stop()
  {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    await client.query(`drop database if exists "${databaseName}" with (force)`)
    await client.end()
  }
  await stopServer?.()
}

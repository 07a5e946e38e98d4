/**
 * The stack for the Playwright suite: a fresh database on the test server
 * (TEST_DATABASE_URL, or an embedded Postgres of its own), both apps and the
 * worker on their own ports. Writes the connection details for the fixtures.
 */
import { randomBytes } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import pg from 'pg'
import { startEmbeddedPostgres } from '@accord/db/embedded'
import { repoRoot } from '@accord/db/repo'
import { withDatabase } from '@accord/db/testing'
import { devstackEnv } from './env.js'
import { startStack } from './stack.js'

export const E2E_ADMIN_PORT = 4100
export const E2E_PORTAL_PORT = 4101
/** Answers only once both apps, the worker and .stack.json are ready: what Playwright waits for. */
export const E2E_READY_PORT = 4199

const env = devstackEnv()
const root = repoRoot()
// A file left by an earlier run must never be read as this run's.
rmSync(path.join(root, 'e2e', '.stack.json'), { force: true })
let serverUrl = env.TEST_DATABASE_URL
let stopServer: (() => Promise<void>) | undefined
if (!serverUrl) {
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, '.data', 'e2e-postgres'), port: 54349, databaseName: 'postgres' })
  serverUrl = embedded.url
  stopServer = embedded.stop
}
const databaseName = `accord_e2e_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
await admin.query(`create database "${databaseName}"`)
await admin.end()

const adminUrl = `http://localhost:${E2E_ADMIN_PORT}`
const portalUrl = `http://localhost:${E2E_PORTAL_PORT}`
const stack = await startStack({
  databaseUrl: withDatabase(serverUrl, databaseName),
  appDatabasePassword: env.APP_DATABASE_PASSWORD,
  embeddedPort: 0,
  embeddedDataDir: '',
  adminPort: E2E_ADMIN_PORT,
  portalPort: E2E_PORTAL_PORT,
  adminUrl,
  portalUrl,
  dev: false,
  seedDemo: false,
  // The suite's fake HubSpot and Slack listen on 127.0.0.1, so this stack (unlike `npm start`) lets the outbound guard reach them.
  extraEnv: { PORTAL_BASE_DOMAIN: '', OUTBOUND_ALLOW_CUSTOM_HOSTS: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' },
  log: (line) => console.log(line),
})
writeFileSync(path.join(root, 'e2e', '.stack.json'), JSON.stringify({ ownerUrl: stack.ownerUrl, appUrl: stack.appUrl, adminUrl, portalUrl }, null, 2))
const ready = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('ready'))
await new Promise<void>((resolve) => ready.listen(E2E_READY_PORT, '127.0.0.1', resolve))
console.log('[e2e-stack] ready')

let stopping = false
const shutdown = async () => {
  if (stopping) return
  stopping = true
  ready.close()
  await stack.stop()
  const cleanup = new pg.Client({ connectionString: serverUrl })
  await cleanup.connect()
  await cleanup.query(`drop database if exists "${databaseName}" with (force)`)
  await cleanup.end()
  await stopServer?.()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown())
process.on('SIGTERM', () => void shutdown())

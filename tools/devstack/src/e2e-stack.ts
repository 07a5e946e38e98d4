/**
 * The stack for the Playwright suite: a fresh database on the test server
 * (TEST_DATABASE_URL, or an embedded Postgres of its own), both apps and the
 * worker on their own ports. Writes the connection details for the fixtures.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { startEmbeddedPostgres } from '@accord/db/embedded'
import { repoRoot } from '@accord/db/repo'
import { withDatabase } from '@accord/db/testing'
import { devstackEnv } from './env.js'
import { startStack } from './stack.js'

export const E2E_ADMIN_PORT = 4100
export const E2E_PORTAL_PORT = 4101

const env = devstackEnv()
const root = repoRoot()
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
  extraEnv: { PORTAL_BASE_DOMAIN: '' },
  log: (line) => console.log(line),
})
writeFileSync(path.join(root, 'e2e', '.stack.json'), JSON.stringify({ ownerUrl: stack.ownerUrl, appUrl: stack.appUrl, adminUrl, portalUrl }, null, 2))
console.log('[e2e-stack] ready')

let stopping = false
const shutdown = async () => {
  if (stopping) return
  stopping = true
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

import { randomBytes } from 'node:crypto'
import path from 'node:path'
import pg from 'pg'
import { startEmbeddedPostgres } from './embedded.js'
import { dbEnv, deriveAppUrl } from './env.js'
import { migrateToLatest } from './migrate.js'
import { repoRoot } from './repo.js'

export interface TestDatabase {
  ownerUrl: string
  appUrl: string
  teardown: () => Promise<void>
}

const TEST_APP_PASSWORD = 'accord-app-test-password'

/**
 * A fresh, migrated database for one test run: on TEST_DATABASE_URL's server
 * when given (the test command passes the one it started), else on an
 * embedded Postgres of its own. Dropped again afterwards.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const env = dbEnv()
  let serverUrl = env.TEST_DATABASE_URL
  let stopServer: (() => Promise<void>) | undefined
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(repoRoot(), '.data', `test-postgres-${label}`),
      port: 54340 + Math.floor(Math.random() * 500),
      databaseName: 'postgres',
    })
    serverUrl = embedded.url
    stopServer = embedded.stop
  }
  const databaseName = `accord_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`create database "${databaseName}"`)
  await admin.end()

  const ownerUrl = withDatabase(serverUrl, databaseName)
  await migrateToLatest(ownerUrl, { appRolePassword: TEST_APP_PASSWORD })
  return {
    ownerUrl,
    appUrl: deriveAppUrl(ownerUrl, TEST_APP_PASSWORD),
    teardown: async () => {
      const cleanup = new pg.Client({ connectionString: serverUrl })
      await cleanup.connect()
      await cleanup.query(`drop database if exists "${databaseName}" with (force)`)
      await cleanup.end()
      await stopServer?.()
    },
  }
}

export function withDatabase(url: string, databaseName: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${databaseName}`
  return parsed.toString()
}

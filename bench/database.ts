import { randomBytes } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { type CoreDeps, createLocalDiskStorage } from '@accord/core'
import { createDb } from '@accord/db'
import { startEmbeddedPostgres } from '@accord/db/embedded'
import { repoRoot } from '@accord/db/repo'
import { withDatabase } from '@accord/db/testing'
import { prepareDatabase } from '@accord/devstack/prepare'
import { createJobSender, startSenderBoss } from '@accord/jobs'
import { benchEnv } from './env.js'

const APP_PASSWORD = 'accord-bench-app'

/**
 * A fresh, migrated benchmark database on BENCH_DATABASE_URL's server (or an
 * embedded Postgres), with an owner client for set-based seeding and the
 * runtime role's URL for the code under test. `close` drops it again unless
 * BENCH_KEEP_DATABASE=1.
 */
export async function openBenchDatabase(label: string) {
  const env = benchEnv()
  let serverUrl = env.BENCH_DATABASE_URL
  let stopServer: (() => Promise<void>) | undefined
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(repoRoot(), '.data', 'bench-postgres'), port: 54359, databaseName: 'postgres' })
    serverUrl = embedded.url
    stopServer = embedded.stop
  }
  const server = serverUrl
  const databaseName = `accord_bench_${label}_${randomBytes(3).toString('hex')}`
  const admin = new pg.Client({ connectionString: server })
  await admin.connect()
  await admin.query(`create database "${databaseName}"`)
  await admin.end()
  const ownerUrl = withDatabase(server, databaseName)
  await prepareDatabase(ownerUrl, APP_PASSWORD, () => undefined)
  const app = new URL(ownerUrl)
  app.username = 'accord_app'
  app.password = APP_PASSWORD
  const owner = new pg.Client({ connectionString: ownerUrl })
  owner.on('error', () => undefined)
  await owner.connect()
  return {
    ownerUrl,
    appUrl: app.toString(),
    owner,
    close: async () => {
      await owner.end()
      if (env.BENCH_KEEP_DATABASE !== '1') {
        const cleanup = new pg.Client({ connectionString: server })
        await cleanup.connect()
        await cleanup.query(`drop database if exists "${databaseName}" with (force)`)
        await cleanup.end()
      }
      await stopServer?.()
    },
  }
}

/** CoreDeps on the runtime role for code under test, with its pg-boss sender; `close` stops both. */
export async function benchDeps(appUrl: string, poolSize: number) {
  const db = createDb(appUrl, poolSize)
  const boss = await startSenderBoss(appUrl)
  const deps: CoreDeps = {
    db,
    jobs: createJobSender(boss),
    storage: createLocalDiskStorage(path.join(os.tmpdir(), 'accord-bench-storage')),
    now: () => new Date(),
    adminUrl: 'http://localhost:3000',
    portal: { portalUrl: 'http://localhost:3001' },
    emailFrom: 'Accord <no-reply@accord.localhost>',
  }
  return {
    deps,
    close: async () => {
      await boss.stop({ graceful: false, wait: true })
      await db.destroy()
    },
  }
}

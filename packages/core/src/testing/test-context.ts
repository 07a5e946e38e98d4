import { randomUUID } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { createDb, type Database } from '@accord/db'
import { createJobSender, startSenderBoss } from '@accord/jobs'
import type PgBoss from 'pg-boss'
import { inject } from 'vitest'
import type { Actor, CoreContext, CoreDeps } from '../context.js'
import { createLocalDiskStorage } from '../storage/storage.js'

export interface TestDeps extends CoreDeps {
  boss: PgBoss
  ownerDb: Database
  close: () => Promise<void>
}

/**
 * Real infrastructure for a test file: the runtime-role pool (RLS applies),
 * an owner pool for assertions that must look across tenants, and pg-boss.
 */
export async function createTestDeps(): Promise<TestDeps> {
  const db = createDb(inject('appDatabaseUrl'), 5)
  const ownerDb = createDb(inject('ownerDatabaseUrl'), 2)
  const boss = await startSenderBoss(inject('appDatabaseUrl'))
  return {
    db,
    ownerDb,
    boss,
    jobs: createJobSender(boss),
    storage: createLocalDiskStorage(path.join(os.tmpdir(), `accord-test-storage-${randomUUID()}`)),
    now: () => new Date(),
    adminUrl: 'http://admin.test',
    portal: { portalUrl: 'http://portal.test' },
    emailFrom: 'Accord Test <no-reply@accord.test>',
    close: async () => {
      await boss.stop({ graceful: false, wait: true })
      await Promise.all([db.destroy(), ownerDb.destroy()])
    },
  }
}

export function asActor(deps: CoreDeps, actor: Actor): CoreContext {
  return { ...deps, actor }
}

declare module 'vitest' {
  export interface ProvidedContext {
    ownerDatabaseUrl: string
    appDatabaseUrl: string
  }
}

import path from 'node:path'
import { createDb } from '@accord/db'
import { appDatabaseUrl, dbEnv } from '@accord/db/env'
import { repoRoot } from '@accord/db/repo'
import { emailEnv } from '@accord/email/env'
import { createJobSender, startSenderBoss } from '@accord/jobs'
import type PgBoss from 'pg-boss'
import type { CoreDeps } from './context.js'
import { coreEnv } from './env.js'
import { createStorageFromEnv } from './storage/from-env.js'

export interface RuntimeDeps extends CoreDeps {
  boss: PgBoss
  close: () => Promise<void>
}

/**
 * Production wiring of CoreDeps for a long-running process (apps, worker):
 * the runtime-role pool, a send-only pg-boss, file storage (STORAGE_DRIVER) and URLs,
 * all from validated env.
 */
export async function createRuntimeDeps(options: { poolSize?: number } = {}): Promise<RuntimeDeps> {
  const env = coreEnv()
  const url = appDatabaseUrl()
  const db = createDb(url, options.poolSize ?? dbEnv().DATABASE_POOL_SIZE)
  const boss = await startSenderBoss(url)
  return {
    db,
    boss,
    jobs: createJobSender(boss),
    storage: createStorageFromEnv(env, path.join(repoRoot(), '.data', 'storage')),
    now: () => new Date(),
    adminUrl: env.ADMIN_URL.replace(/\/$/, ''),
    portal: { portalUrl: env.PORTAL_URL.replace(/\/$/, ''), baseDomain: env.PORTAL_BASE_DOMAIN },
    emailFrom: emailEnv().EMAIL_FROM,
    close: async () => {
      await boss.stop({ graceful: true, wait: true, timeout: 5000 })
      await db.destroy()
    },
  }
}

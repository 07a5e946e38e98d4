import path from 'node:path'
import { type CoreDeps, createStorageFromEnv } from '@accord/core'
import { coreEnv } from '@accord/core/env'
import { createDb } from '@accord/db'
import { repoRoot } from '@accord/db/repo'
import { emailEnv } from '@accord/email/env'
import { createJobSender } from '@accord/jobs'
import type PgBoss from 'pg-boss'

/**
 * CoreDeps for job handlers: the runtime-role pool (RLS applies), the worker's
 * own pg-boss for follow-up jobs, and the same storage and URLs as the apps.
 */
export function createWorkerDeps(options: { appDatabaseUrl: string; boss: PgBoss; poolSize: number }): CoreDeps {
  const env = coreEnv()
  return {
    db: createDb(options.appDatabaseUrl, options.poolSize),
    jobs: createJobSender(options.boss),
    storage: createStorageFromEnv(env, path.join(repoRoot(), '.data', 'storage')),
    now: () => new Date(),
    adminUrl: env.ADMIN_URL.replace(/\/$/, ''),
    portal: { portalUrl: env.PORTAL_URL.replace(/\/$/, ''), baseDomain: env.PORTAL_BASE_DOMAIN },
    emailFrom: emailEnv().EMAIL_FROM,
  }
}

/**
 * Migrate DATABASE_URL (as owner), install pg-boss queues, give the runtime
 * role its password. Usage: DATABASE_URL=… tsx src/prepare.ts
 */
import { dbEnv } from '@accord/db/env'
import { migrateToLatest } from '@accord/db/migrate'
import { installJobQueues } from '@accord/jobs'

export async function prepareDatabase(ownerUrl: string, appRolePassword: string, log: (line: string) => void = console.log): Promise<void> {
  await migrateToLatest(ownerUrl, { appRolePassword, log })
  await installJobQueues(ownerUrl)
  log('[prepare] migrations applied, job queues installed')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = dbEnv()
  if (!env.DATABASE_URL) throw new Error('Set DATABASE_URL to the owner connection.')
  await prepareDatabase(env.DATABASE_URL, env.APP_DATABASE_PASSWORD)
}

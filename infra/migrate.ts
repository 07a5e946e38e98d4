/**
 * Production database preparation (infra/Dockerfile.migrate), run once per
 * release before the apps and the worker start:
 *   1. migrations, as the owner (DATABASE_URL);
 *   2. `alter role accord_app … password` = APP_DATABASE_PASSWORD, and connect rights;
 *   3. pg-boss schema + one queue per job + the dead-letter queue, granted to accord_app.
 * The same steps as tools/devstack/src/prepare.ts. Safe to run again.
 *
 * In the image this file sits in the root of a `pnpm deploy` of
 * @accord/devstack, which is where the bare imports below resolve.
 */
import { dbEnv } from '@accord/db/env'
import { migrateToLatest } from '@accord/db/migrate'
import { installJobQueues } from '@accord/jobs'

const log = (line: string) => console.log(line)

try {
  const env = dbEnv()
  if (!env.DATABASE_URL) throw new Error('Set DATABASE_URL to the owner connection (a superuser, or the role owning the database and its public schema).')
  // dbEnv() falls back to a development password; never let that reach a real database.
  if (!process.env.APP_DATABASE_PASSWORD?.trim()) throw new Error('Set APP_DATABASE_PASSWORD: the password the accord_app role will log in with.')
  const started = Date.now()
  await migrateToLatest(env.DATABASE_URL, { appRolePassword: env.APP_DATABASE_PASSWORD, log })
  await installJobQueues(env.DATABASE_URL)
  log(`[migrate] done in ${Date.now() - started} ms: migrations applied, accord_app password set, job queues installed`)
  process.exit(0)
} catch (error) {
  console.error(`[migrate] failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}

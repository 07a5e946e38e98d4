import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import { migrations } from '../migrations/index.js'
import { createPool } from './client.js'

export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations')

/**
 * Apply all migrations as the owner, then give the runtime role its password
 * (so a derived APP_DATABASE_URL works) and connect rights on this database.
 */
export async function migrateToLatest(ownerUrl: string, options: { appRolePassword?: string; log?: (line: string) => void } = {}): Promise<void> {
  // Roles are cluster-wide: parallel migrations of different databases on one
  // server (test runs) can collide on them ("tuple concurrently updated",
  // duplicate role). Each step is idempotent, so a collision is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(ownerUrl, options)
    } catch (error) {
      const pgError = error as { code?: string; message?: string }
      const collided = pgError.code === 'XX000' || pgError.code === '23505' || pgError.code === '40001' || /concurrently/.test(pgError.message ?? '')
      if (!collided || attempt >= 5) throw error
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400 * attempt))
    }
  }
}

async function migrateOnce(ownerUrl: string, options: { appRolePassword?: string; log?: (line: string) => void }): Promise<void> {
  const log = options.log ?? (() => undefined)
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: createPool(ownerUrl, 2) }) })
  try {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    const { error, results } = await migrator.migrateToLatest()
    for (const result of results ?? []) log(`[migrate] ${result.status}: ${result.migrationName}`)
    if (error) throw error instanceof Error ? error : new Error(String(error))
    if (options.appRolePassword) {
      await sql`alter role accord_app with login password ${sql.lit(options.appRolePassword)}`.execute(db)
    }
    await sql`grant connect on database ${sql.id(new URL(ownerUrl).pathname.slice(1) || 'postgres')} to accord_app`.execute(db)
  } finally {
    await db.destroy()
  }
}

import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { migrations } from '../migrations/index.js'
import { migrationsFolder } from './migrate.js'

describe('migration registry', () => {
  it('lists exactly the migration files, each named <ISO timestamp>_<name>', () => {
    const files = readdirSync(migrationsFolder)
      .filter((file) => file !== 'index.ts' && file.endsWith('.ts'))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort()
    expect(Object.keys(migrations).sort()).toEqual(files)
    for (const name of files) expect(name).toMatch(/^\d{8}T\d{6}_[a-z0-9_]+$/)
  })
})

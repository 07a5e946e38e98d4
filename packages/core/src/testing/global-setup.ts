import { createTestDatabase } from '@accord/db/testing'
import { installJobQueues } from '@accord/jobs'
import type { TestProject } from 'vitest/node'
import type {} from './test-context.js'

/**
 * Vitest global setup shared by every package: one fresh, migrated database
 * (with pg-boss installed) per package run, handed to tests via inject().
 */
export default async function setup(project: TestProject) {
  const label = project.config.name || project.config.root.split('/').pop() || 'tests'
  const database = await createTestDatabase(label)
  await installJobQueues(database.ownerUrl)
  project.provide('ownerDatabaseUrl', database.ownerUrl)
  project.provide('appDatabaseUrl', database.appUrl)
  return async () => {
    await database.teardown()
  }
}

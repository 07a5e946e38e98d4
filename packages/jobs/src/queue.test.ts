import { createDb, sql } from '@accord/db'
import { createTestDatabase, type TestDatabase } from '@accord/db/testing'
import type PgBoss from 'pg-boss'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendOutboxEmail } from './definitions.js'
import { createJobSender, installJobQueues, startSenderBoss } from './queue.js'

let database: TestDatabase
let boss: PgBoss
let db: ReturnType<typeof createDb>
beforeAll(async () => {
  database = await createTestDatabase('jobs')
  await installJobQueues(database.ownerUrl)
  boss = await startSenderBoss(database.appUrl)
  db = createDb(database.appUrl, 2)
}, 60_000)
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true })
  await db?.destroy()
  await database?.teardown()
})

const jobsFor = async (outboxId: string) => {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where data->>'outboxId' = ${outboxId}`.execute(db)
  return rows[0]?.n
}

describe('typed send inside the caller’s transaction', () => {
  const tenantId = '0b7f6a1e-3c2d-4e5f-8a9b-1c2d3e4f5a6b'

  it('the job exists only if the transaction commits', async () => {
    const jobs = createJobSender(boss)
    const committed = '11111111-1111-4111-8111-111111111111'
    const rolledBack = '22222222-2222-4222-8222-222222222222'
    await db.transaction().execute((trx) => jobs.send(trx, sendOutboxEmail, { tenantId, outboxId: committed }))
    await expect(
      db.transaction().execute(async (trx) => {
        await jobs.send(trx, sendOutboxEmail, { tenantId, outboxId: rolledBack })
        throw new Error('business change failed')
      }),
    ).rejects.toThrow('business change failed')
    expect(await jobsFor(committed)).toBe(1)
    expect(await jobsFor(rolledBack)).toBe(0)
  })

  it('rejects a payload that does not match the definition', async () => {
    const jobs = createJobSender(boss)
    await expect(db.transaction().execute((trx) => jobs.send(trx, sendOutboxEmail, { tenantId: 'nope', outboxId: 'x' }))).rejects.toThrow()
  })

  it('the singleton key keeps one pending job per outbox row', async () => {
    const jobs = createJobSender(boss)
    const outboxId = '33333333-3333-4333-8333-333333333333'
    await db.transaction().execute((trx) => jobs.send(trx, sendOutboxEmail, { tenantId, outboxId }))
    await db.transaction().execute((trx) => jobs.send(trx, sendOutboxEmail, { tenantId, outboxId }))
    expect(await jobsFor(outboxId)).toBe(1)
  })
})

import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import PgBoss from 'pg-boss'
import { DEAD_LETTER_QUEUE, type JobDefinition, jobDefinitions } from './definitions.js'

export interface JobSender {
  /** Enqueue inside the caller's transaction: the job exists iff the transaction commits. */
  send<Payload extends object>(trx: Transaction<any> | Kysely<any>, job: JobDefinition<Payload>, payload: Payload, options?: { startAfter?: Date }): Promise<string | null>
  /** Many jobs of one kind in one statement, inside the caller's transaction (fan-outs). */
  sendMany<Payload extends object>(trx: Transaction<any> | Kysely<any>, job: JobDefinition<Payload>, payloads: Payload[]): Promise<void>
}

/** pg-boss runs its SQL on our Kysely transaction through this adapter. */
export function kyselyDb(trx: Transaction<any> | Kysely<any>): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => {
      const result = await trx.executeQuery(CompiledQuery.raw(text, values as unknown[]))
      return { rows: result.rows as any[] }
    },
  }
}

export function createJobSender(boss: PgBoss): JobSender {
  return {
    async send(trx, job, payload, options = {}) {
      const parsed = job.payload.parse(payload)
      const { policy: _policy, ...queueOptions } = job.queue
      return boss.send(job.name, parsed as object, {
        ...queueOptions,
        deadLetter: DEAD_LETTER_QUEUE,
        singletonKey: job.singletonKey?.(parsed),
        startAfter: options.startAfter,
        db: kyselyDb(trx),
      })
    },
    async sendMany(trx, job, payloads) {
      if (payloads.length === 0) return
      const { policy: _policy, ...queueOptions } = job.queue
      await boss.insert(
        payloads.map((payload) => {
          const parsed = job.payload.parse(payload)
          return { name: job.name, data: parsed as object, ...queueOptions, deadLetter: DEAD_LETTER_QUEUE, singletonKey: job.singletonKey?.(parsed) }
        }),
        { db: kyselyDb(trx) },
      )
    },
  }
}

/** A pg-boss instance for a process that only sends (apps): no maintenance, no schema changes. */
export async function startSenderBoss(appDatabaseUrl: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: appDatabaseUrl, max: 2, supervise: false, schedule: false, migrate: false })
  boss.on('error', (error) => console.error('[jobs] pg-boss error:', error.message))
  await boss.start()
  return boss
}

/**
 * Owner-side install, run with the migrations: pg-boss's schema, one queue per
 * job definition plus the dead-letter queue, and rights for the runtime role
 * (which may not create tables: queues are partitions of the job table).
 */
export async function installJobQueues(ownerUrl: string, definitions: readonly JobDefinition<any>[] = jobDefinitions): Promise<void> {
  const boss = new PgBoss({ connectionString: ownerUrl, max: 2, supervise: false, schedule: false })
  boss.on('error', (error) => console.error('[jobs] pg-boss error:', error.message))
  await boss.start()
  try {
    await boss.createQueue(DEAD_LETTER_QUEUE, { name: DEAD_LETTER_QUEUE, retentionMinutes: 60 * 24 * 14 } as PgBoss.Queue)
    for (const definition of definitions) {
      await boss.createQueue(definition.name, { name: definition.name, ...definition.queue, deadLetter: DEAD_LETTER_QUEUE } as PgBoss.Queue)
    }
    await grantRuntimeRole(boss)
  } finally {
    await boss.stop({ graceful: false, wait: true })
  }
}

async function grantRuntimeRole(boss: PgBoss): Promise<void> {
  await boss.getDb().executeSql(
    `grant usage on schema pgboss to accord_app;
     grant select, insert, update, delete on all tables in schema pgboss to accord_app;
     grant execute on all functions in schema pgboss to accord_app;
     grant usage, select on all sequences in schema pgboss to accord_app`,
    [],
  )
}

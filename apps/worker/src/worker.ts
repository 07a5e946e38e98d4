import {
  type CoreDeps,
  type CrmSyncOptions,
  deliverEmailBatch,
  deliverOutboxEmail,
  deliverSlackMessage,
  type EmailHousekeepingOptions,
  listActiveTenantIds,
  listCrmConnectedTenantIds,
  markAnnouncementFanoutDeadLettered,
  markOutboxEmailDeadLettered,
  processInboundEmail,
  type ProcessInboundOptions,
  publishDueAnnouncements,
  reencryptSecrets,
  remindUnacknowledged,
  runAnnouncementFanout,
  runCrmSync,
  runEmailHousekeeping,
  runRegistrationImport,
  runRegistrationStaffNotice,
  runRegistrationTimers,
  runResourceTextExtraction,
  writeCrmNote,
} from '@accord/core'
import type { EmailTransport } from '@accord/email'
import {
  announcementFanout,
  announcementTimers,
  announcementTimersSweep,
  crmNote,
  crmSync,
  crmSyncSweep,
  DEAD_LETTER_QUEUE,
  emailHousekeeping,
  inboundEmail,
  jobDefinitions,
  reencryptSecrets as reencryptSecretsJob,
  registrationImport,
  registrationStaffNotice,
  registrationTimers,
  registrationTimersSweep,
  resourceTextExtraction,
  sendEmailBatch,
  sendOutboxEmail,
  slackPost,
} from '@accord/jobs'
import PgBoss from 'pg-boss'
import { createWorkerDeps } from './deps.js'
import { errorFields, type WorkerLog } from './log.js'

export interface StartWorkerOptions {
  appDatabaseUrl: string
  /** null = local mode: e-mails land in the dev mailbox. */
  transport: EmailTransport | null
  log: WorkerLog
  /** Jobs worked at once per queue; default 4. */
  concurrency?: number
  /** How often an idle queue is polled; default 2 s (tests use the 0.5 s minimum). */
  pollingIntervalSeconds?: number
  /** How often the transactional mail queue is polled; default 0.5 s (people are waiting for that mail). */
  transactionalPollingIntervalSeconds?: number
  /** Retention of sent mail and the dev mailbox's link lifetime; defaults 30 days and 60 minutes. */
  email?: EmailHousekeepingOptions
  /** Replace parts of the built CoreDeps (tests). */
  deps?: Partial<CoreDeps>
  /** Register cron schedules (default true; tests that drive jobs by hand turn it off). */
  schedules?: boolean
  /** CRM sync pacing and hooks (tests, benchmark). */
  crmSync?: CrmSyncOptions
  /** Resend API and trusted authserv-ids for inbound e-mail (tests); default from the environment. */
  inbound?: ProcessInboundOptions
}

export interface RunningWorker {
  boss: PgBoss
  deps: CoreDeps
  /** Stop fetching, let running jobs finish (10 s at most), close pools. */
  stop(): Promise<void>
}

const GRACEFUL_STOP_MS = 10_000

/**
 * The background worker: pg-boss on the runtime role (the owner's install step
 * created its schema, so `migrate: false`), one handler per job definition,
 * and a dead-letter handler for jobs that ran out of retries.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { log, transport } = options
  const concurrency = options.concurrency ?? 4
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 2

  const transactionalPollingIntervalSeconds = options.transactionalPollingIntervalSeconds ?? 0.5
  const housekeeping: EmailHousekeepingOptions = options.email ?? { retentionDays: 30, devMailboxLinkMinutes: 60 }

  const schedules = options.schedules ?? true
  const boss = new PgBoss({ connectionString: options.appDatabaseUrl, migrate: false, schedule: schedules, supervise: true, max: 4 })
  boss.on('error', (error) => log.error('pg-boss error', errorFields(error)))
  await boss.start()

  const built = createWorkerDeps({ appDatabaseUrl: options.appDatabaseUrl, boss, poolSize: concurrency + 2 })
  const deps: CoreDeps = { ...built, ...options.deps }

  try {
    await ensureQueues(boss)

    // Transactional mail: its own queue and workers, polled often, never behind notifications.
    await boss.work<unknown>(sendOutboxEmail.name, { batchSize: concurrency, pollingIntervalSeconds: transactionalPollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = sendOutboxEmail.payload.safeParse(job.data)
        // A malformed payload is a bug that no retry fixes: report it and drop the job.
        if (!payload.success) return log.error('email.send: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await deliverOutboxEmail({ ...deps, transport }, payload.data)
        log.info('email.send done', { jobId: job.id, ...payload.data, outcome: result.outcome, providerMessageId: result.providerMessageId ?? undefined })
      }),
    )

    // Bulk mail: independent loops taking one workspace's batch each. A workspace with more waiting queues its
    // next batch behind everyone else's (and wakes its loop at once), so workspaces take turns; the provider's
    // rate limit is shared through the pacer, the dev mailbox is not paced.
    for (let loop = 0; loop < concurrency; loop += 1) {
      let workerId: string | undefined = undefined
      workerId = await boss.work<unknown>(sendEmailBatch.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
        workEach(boss, jobs, log, async (job) => {
          const payload = sendEmailBatch.payload.safeParse(job.data)
          if (!payload.success) return log.error('email.batch: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
          const { tenantId } = payload.data
          const result = await deliverEmailBatch({ ...deps, transport }, { tenantId })
          if (result.more) {
            await deps.jobs.send(deps.db, sendEmailBatch, { tenantId })
            if (workerId) boss.notifyWorker(workerId)
          } else if (result.retryAt) {
            await deps.jobs.send(deps.db, sendEmailBatch, { tenantId, deferred: true }, { startAfter: result.retryAt })
          }
          log.info('email.batch done', { jobId: job.id, tenantId, sent: result.sent, failed: result.failed, deferred: result.deferred, more: result.more })
        }),
      )
    }

    await boss.work<unknown>(emailHousekeeping.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const result = await runEmailHousekeeping(deps, housekeeping)
        log.info('email.housekeeping done', { jobId: job.id, ...result })
      }),
    )

    await boss.work<unknown>(reencryptSecretsJob.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const result = await reencryptSecrets(deps)
        if (result.unreadable > 0) log.warn('secrets.reencrypt done; some secrets open with no configured key (reconnect those CRMs or Slack)', { jobId: job.id, ...result })
        else log.info('secrets.reencrypt done; every secret is on the current key', { jobId: job.id, ...result })
      }),
    )

    // A partner's answer, appeal or extension request: the reviewers are found in the workspace's scope.
    await boss.work<unknown>(registrationStaffNotice.name, { batchSize: concurrency, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = registrationStaffNotice.payload.safeParse(job.data)
        if (!payload.success) return log.error('registrations.notify-staff: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await runRegistrationStaffNotice(deps, payload.data)
        log.info('registrations.notify-staff done', { jobId: job.id, tenantId: payload.data.tenantId, registrationId: payload.data.registrationId, kind: payload.data.notice.kind, ...result })
      }),
    )

    await boss.work<unknown>(registrationTimersSweep.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const tenantIds = await listActiveTenantIds(deps)
        // Outside any transaction: each per-tenant job is independent; singletonKey stops duplicates.
        for (const tenantId of tenantIds) await deps.jobs.send(deps.db, registrationTimers, { tenantId })
        log.info('registrations.timers-sweep done', { jobId: job.id, tenants: tenantIds.length })
      }),
    )

    await boss.work<unknown>(registrationTimers.name, { batchSize: concurrency, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = registrationTimers.payload.safeParse(job.data)
        if (!payload.success) return log.error('registrations.timers: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await runRegistrationTimers(deps, payload.data)
        log.info('registrations.timers done', { jobId: job.id, tenantId: payload.data.tenantId, ...result })
      }),
    )

    await boss.work<unknown>(registrationImport.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = registrationImport.payload.safeParse(job.data)
        if (!payload.success) return log.error('registrations.import: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await runRegistrationImport(deps, payload.data)
        log.info('registrations.import done', { jobId: job.id, ...payload.data, ...result })
      }),
    )

    await boss.work<unknown>(crmSyncSweep.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const tenantIds = await listCrmConnectedTenantIds(deps)
        for (const tenantId of tenantIds) await deps.jobs.send(deps.db, crmSync, { tenantId, trigger: 'scheduled' })
        log.info('crm.sync-sweep done', { jobId: job.id, tenants: tenantIds.length })
      }),
    )

    // One sync per job (they are long and paced by the CRM's rate limit); the advisory lock keeps one per tenant.
    await boss.work<unknown>(crmSync.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = crmSync.payload.safeParse(job.data)
        if (!payload.success) return log.error('crm.sync: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await runCrmSync(deps, payload.data, options.crmSync)
        // A used-up daily quota: come back when it resets instead of burning retries now.
        if (result.status === 'rate_limited' && result.retryAt) await deps.jobs.send(deps.db, crmSync, { tenantId: payload.data.tenantId, trigger: 'scheduled' }, { startAfter: result.retryAt })
        log.info('crm.sync done', { jobId: job.id, tenantId: payload.data.tenantId, trigger: payload.data.trigger, status: result.status, pushed: result.pushed, created: result.created, failed: result.failed, pulled: result.pulled, applied: result.applied, requests: result.requests, rateLimited: result.rateLimited })
      }),
    )

    // A partner's e-mail reply onto the CRM deal's timeline; idempotent (the note id is kept), waits for the deal via the sync.
    await boss.work<unknown>(crmNote.name, { batchSize: concurrency, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = crmNote.payload.safeParse(job.data)
        if (!payload.success) return log.error('crm.note: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await writeCrmNote(deps, payload.data, { requestTimeoutMs: options.crmSync?.requestTimeoutMs })
        log.info('crm.note done', { jobId: job.id, ...payload.data, ...result })
      }),
    )

    // Idempotent per outbox row; a Slack 429 re-queues the job itself (startAfter = Retry-After), a 5xx throws for pg-boss's backoff.
    await boss.work<unknown>(slackPost.name, { batchSize: concurrency, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = slackPost.payload.safeParse(job.data)
        if (!payload.success) return log.error('slack.post: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await deliverSlackMessage(deps, payload.data)
        log.info('slack.post done', { jobId: job.id, ...payload.data, outcome: result.outcome, retryAt: result.retryAt?.toISOString() })
      }),
    )

    await boss.work<unknown>(announcementFanout.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = announcementFanout.payload.safeParse(job.data)
        if (!payload.success) return log.error('announcements.fanout: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await runAnnouncementFanout(deps, payload.data)
        log.info('announcements.fanout done', { jobId: job.id, ...payload.data, ...result })
      }),
    )

    // One at a time: PDF parsing is CPU-bound and the worker shares its event loop with every other job.
    await boss.work<unknown>(resourceTextExtraction.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = resourceTextExtraction.payload.safeParse(job.data)
        if (!payload.success) return log.error('resources.extract-text: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await runResourceTextExtraction(deps, payload.data)
        log.info('resources.extract-text done', { jobId: job.id, ...payload.data, result })
      }),
    )

    // Inbound e-mail stored by the endpoint: parsed and acted on here, once (the row is claimed in the acting transaction).
    await boss.work<unknown>(inboundEmail.name, { batchSize: concurrency, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = inboundEmail.payload.safeParse(job.data)
        if (!payload.success) return log.error('inbound.email: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const result = await processInboundEmail(deps, payload.data, options.inbound)
        log.info('inbound.email done', { jobId: job.id, ...payload.data, outcome: result.outcome })
      }),
    )

    await boss.work<unknown>(announcementTimersSweep.name, { batchSize: 1, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const tenantIds = await listActiveTenantIds(deps)
        for (const tenantId of tenantIds) await deps.jobs.send(deps.db, announcementTimers, { tenantId })
        log.info('announcements.timers-sweep done', { jobId: job.id, tenants: tenantIds.length })
      }),
    )

    await boss.work<unknown>(announcementTimers.name, { batchSize: concurrency, pollingIntervalSeconds }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const payload = announcementTimers.payload.safeParse(job.data)
        if (!payload.success) return log.error('announcements.timers: invalid payload, job dropped', { jobId: job.id, issues: payload.error.issues })
        const published = await publishDueAnnouncements(deps, payload.data)
        const reminded = await remindUnacknowledged(deps, payload.data)
        log.info('announcements.timers done', { jobId: job.id, tenantId: payload.data.tenantId, ...published, ...reminded })
      }),
    )

    if (schedules) {
      for (const definition of jobDefinitions) {
        if ('cron' in definition && definition.cron) await boss.schedule(definition.name, definition.cron, {}, { tz: 'UTC', singletonKey: definition.name })
      }
    }

    await boss.work<unknown>(DEAD_LETTER_QUEUE, { batchSize: concurrency, pollingIntervalSeconds, includeMetadata: true }, (jobs) =>
      workEach(boss, jobs, log, async (job) => {
        const reason = outputMessage(job.output)
        // Dead-lettered jobs keep their payload but not their queue name; an e-mail job is recognised by its payload.
        const email = sendOutboxEmail.payload.safeParse(job.data)
        if (!email.success) {
          // An announcement fan-out: mark its progress failed, so the dashboard says so and staff can try again.
          const fanout = announcementFanout.payload.safeParse(job.data)
          if (!fanout.success) return log.error('job dead-lettered', { jobId: job.id, data: job.data, reason })
          const { marked } = await markAnnouncementFanoutDeadLettered(deps, { ...fanout.data, error: reason })
          return log.error('announcement fan-out dead-lettered: gave up after retries', { jobId: job.id, ...fanout.data, reason, markedFailed: marked })
        }
        const { marked } = await markOutboxEmailDeadLettered(deps, { ...email.data, error: reason })
        log.error('email dead-lettered: gave up after retries', { jobId: job.id, ...email.data, reason, markedFailed: marked })
      }),
    )
  } catch (error) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined)
    await deps.db.destroy().catch(() => undefined)
    throw error
  }

  // Secrets sealed with an old key move to the current one after every (re)start; a no-op when nothing is left.
  await deps.jobs.send(deps.db, reencryptSecretsJob, {}).catch((error: unknown) => log.warn('could not queue secrets.reencrypt', errorFields(error)))

  log.info('worker started', { mode: transport ? (transport.name ?? 'custom') : 'local', concurrency, queues: [...jobDefinitions.map((definition) => definition.name), DEAD_LETTER_QUEUE] })

  let stopping: Promise<void> | undefined
  return {
    boss,
    deps,
    stop() {
      stopping ??= (async () => {
        log.info('worker stopping')
        await boss.stop({ graceful: true, wait: true, timeout: GRACEFUL_STOP_MS })
        await deps.db.destroy()
        log.info('worker stopped')
      })()
      return stopping
    },
  }
}

/**
 * Queues are created by the owner's install step; creating them again is a
 * no-op (ON CONFLICT DO NOTHING). A missing queue would need CREATE TABLE,
 * which the runtime role lacks, so that fails loudly here at boot.
 */
async function ensureQueues(boss: PgBoss): Promise<void> {
  try {
    await boss.createQueue(DEAD_LETTER_QUEUE, { name: DEAD_LETTER_QUEUE, retentionMinutes: 60 * 24 * 14 } as PgBoss.Queue)
    for (const definition of jobDefinitions) {
      await boss.createQueue(definition.name, { name: definition.name, ...definition.queue, deadLetter: DEAD_LETTER_QUEUE } as PgBoss.Queue)
    }
  } catch (error) {
    throw new Error(`Job queues are missing and the worker may not create them; run the migrations (which install the queues) first. Cause: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * pg-boss hands a batch and, if the handler throws, fails the whole batch.
 * Work each job on its own instead: a failure fails (and later retries) only
 * that job; the rest are completed when the handler returns (completion only
 * touches jobs still active).
 */
async function workEach<Job extends PgBoss.Job<unknown>>(boss: PgBoss, jobs: Job[], log: WorkerLog, handle: (job: Job) => Promise<void>): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      try {
        await handle(job)
      } catch (error) {
        log.warn(`${job.name} failed; pg-boss will retry or dead-letter it`, { jobId: job.id, ...errorFields(error) })
        await boss.fail(job.name, job.id, toOutput(error)).catch((failError: unknown) => log.error('could not record job failure', { jobId: job.id, ...errorFields(failError) }))
      }
    }),
  )
}

function toOutput(error: unknown): object {
  if (!(error instanceof Error)) return { message: String(error) }
  const details = error as Error & { retryable?: boolean; statusCode?: number | null; code?: string }
  return { name: error.name, message: error.message, retryable: details.retryable, statusCode: details.statusCode, code: details.code }
}

/** The failure pg-boss stored on the job, as one line for the outbox row. */
function outputMessage(output: unknown): string {
  const value = output as { message?: unknown; value?: { message?: unknown } } | null | undefined
  const message = value?.message ?? value?.value?.message
  return typeof message === 'string' && message ? message : 'unknown error'
}

import { connectSlack, enqueueSlackMessage } from '@accord/core'
import { createVendor } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { type FakeSlack, startFakeSlack } from '@accord/core/slack/testing/fake-slack'
import { withTenant } from '@accord/db'
import { DEAD_LETTER_QUEUE, type JobSender, kyselyDb } from '@accord/jobs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { WorkerLog } from './log.js'
import { type RunningWorker, startWorker } from './worker.js'

let deps: TestDeps
let slack: FakeSlack
let worker: RunningWorker | undefined
const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined }

beforeAll(async () => {
  deps = await createTestDeps()
  slack = await startFakeSlack()
})
afterAll(async () => {
  await worker?.stop()
  await slack?.close()
  await deps?.close()
})

/** The real sender with a 1-second retry, so pg-boss's retry happens within the test. */
const quickRetry: JobSender = {
  send: (trx, job, payload, options = {}) =>
    deps.boss.send(job.name, job.payload.parse(payload) as object, { ...job.queue, retryDelay: 1, retryBackoff: false, deadLetter: DEAD_LETTER_QUEUE, singletonKey: job.singletonKey?.(payload as never), startAfter: options.startAfter, db: kyselyDb(trx) }),
} as JobSender

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('slack.post in the worker', () => {
  it('posts each outbox message once, retrying a Slack 500 through pg-boss', async () => {
    const vendor = await createVendor(deps)
    await connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: slack.createWebhook('worker') })
    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: null, log: quiet, concurrency: 2, pollingIntervalSeconds: 0.5, schedules: false })

    slack.faults.serverErrors(1, { path: /\/services\// })
    const enqueue = () =>
      withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => enqueueSlackMessage(trx, { jobs: quickRetry }, { tenantId: vendor.tenantId, target: 'tenant', kind: 'test', dedupeKey: 'worker:1', text: 'Hello from the worker' }))
    const first = await enqueue()
    expect(first.queued).toBe(true)
    expect(await enqueue()).toEqual({ queued: false, reason: 'duplicate' })

    await waitFor(() => slack.messages.some((message) => message.text === 'Hello from the worker'))
    const row = await deps.ownerDb.selectFrom('slack_messages').select(['status', 'attempts']).where('tenant_id', '=', vendor.tenantId).where('dedupe_key', '=', 'worker:1').executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'sent', attempts: 2 })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(slack.messages.filter((message) => message.text === 'Hello from the worker')).toHaveLength(1)
  })
})

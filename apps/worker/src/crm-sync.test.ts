import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectCrm } from '@accord/core'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { type FakeHubspot, startFakeHubspot } from '@accord/crm/testing/fake-hubspot'
import { crmSync } from '@accord/jobs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { WorkerLog } from './log.js'
import { type RunningWorker, startWorker } from './worker.js'

/**
 * A real worker process syncing to a fake HubSpot is killed with SIGKILL in
 * the middle of the initial sync. A new worker then finishes the job: every
 * registration ends up as exactly one deal, none twice.
 */
const here = path.dirname(fileURLToPath(import.meta.url))
const TOKEN = 'pat-eu1-worker-test-token'
let deps: TestDeps
let hubspot: FakeHubspot
let child: ChildProcess | undefined
let worker: RunningWorker | undefined
const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined }

beforeAll(async () => {
  deps = await createTestDeps()
  hubspot = await startFakeHubspot({ accessToken: TOKEN })
})
afterAll(async () => {
  child?.kill('SIGKILL')
  await worker?.stop()
  await hubspot?.close()
  await deps?.close()
})

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('CRM sync survives a killed worker', () => {
  it('SIGKILL mid-sync, then a new worker converges with no duplicates', async () => {
    const vendor = await createVendor(deps, { companyName: 'Killed Worker Vendor' })
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Resilient Partner' })
    const rep = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })).context
    const registrations = await createApprovedDealRegistrations(vendor.owner, rep, 30, { label: 'Survivor' })

    // The worker process, as `npm start` runs it: small batches and a slow request budget so the kill lands midway.
    // node itself with tsx as a loader (the tsx CLI would put a second process between us and the worker).
    child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: path.join(here, '..'),
      env: { ...process.env, APP_DATABASE_URL: inject('appDatabaseUrl'), WORKER_CONCURRENCY: '1', CRM_SYNC_BATCH_SIZE: '3', CRM_HUBSPOT_REQUESTS_PER_10S: '40' },
      stdio: 'ignore',
    })
    await connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: hubspot.url } })
    await until(() => hubspot.records('deals').length >= 3, 45_000, 'the first batch to reach HubSpot')
    child.kill('SIGKILL')
    await new Promise((resolve) => child?.once('exit', resolve))
    const createdBeforeKill = hubspot.records('deals').length
    expect(createdBeforeKill).toBeGreaterThanOrEqual(3)
    expect(createdBeforeKill).toBeLessThan(30)

    // The next sweep (here: sent by hand) is picked up by a fresh worker; the dead one's lock went with its connection.
    worker = await startWorker({ appDatabaseUrl: inject('appDatabaseUrl'), transport: null, log: quiet, concurrency: 1, pollingIntervalSeconds: 0.5, schedules: false })
    await deps.jobs.send(deps.db, crmSync, { tenantId: vendor.tenantId, trigger: 'scheduled' })
    await until(
      async () => {
        const run = await deps.ownerDb.selectFrom('crm_sync_runs').select('status').where('tenant_id', '=', vendor.tenantId).where('trigger', '=', 'scheduled').where('status', '=', 'succeeded').executeTakeFirst()
        return run !== undefined
      },
      60_000,
      'the resumed sync to finish',
    )
    expect(hubspot.records('deals')).toHaveLength(30)
    expect(hubspot.duplicates()).toEqual([])
    const ids = new Set(hubspot.records('deals').map((deal) => deal.properties.accord_registration_id))
    expect(registrations.every((registration) => ids.has(registration.registrationId))).toBe(true)
    const mapped = await deps.ownerDb.selectFrom('crm_records').select('external_id').where('tenant_id', '=', vendor.tenantId).where('object_type', '=', 'deal').execute()
    expect(mapped).toHaveLength(30)
  }, 150_000)
})

import { announcementFanout } from '@accord/jobs'
import { sql } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreDeps } from '../context.js'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { getAnnouncementForStaff, markAnnouncementFanoutDeadLettered, publishAnnouncement, retryAnnouncementFanout, runAnnouncementFanout, saveAnnouncementDraft } from './announcements.js'

let deps: TestDeps
let vendor: VendorFixture
const userIds: string[] = []

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Retrying Vendor' })
  const partner = await createPartnerOrganisation(vendor.owner, { name: 'Retry Reseller' })
  for (let i = 0; i < 3; i++) userIds.push((await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })).userId)
})
afterAll(async () => {
  await deps?.close()
})

async function publishedAnnouncement(title: string): Promise<string> {
  const { announcementId } = await saveAnnouncementDraft(vendor.owner, { title, bodyHtml: '<p>Body</p>', channels: ['portal', 'email'] })
  await publishAnnouncement(vendor.owner, { announcementId })
  return announcementId
}

const progressOf = (announcementId: string) =>
  deps.ownerDb.selectFrom('announcements as a').innerJoin('job_progress as j', (join) => join.onRef('j.tenant_id', '=', 'a.tenant_id').onRef('j.id', '=', 'a.progress_id')).select(['j.status', 'j.done', 'j.total', 'j.message']).where('a.id', '=', announcementId).executeTakeFirstOrThrow()

async function fanoutJobStates(announcementId: string): Promise<string[]> {
  const { rows } = await sql<{ state: string }>`select state from pgboss.job where name = ${announcementFanout.name} and data->>'announcementId' = ${announcementId} order by created_on`.execute(deps.ownerDb)
  return rows.map((row) => row.state)
}

/**
 * What a fan-out that keeps failing leaves behind: the job started (progress
 * running), threw, pg-boss gave up (job failed, copy in the dead-letter
 * queue) and the worker's dead-letter handler marked the progress failed.
 */
async function failFanout(announcementId: string): Promise<void> {
  const broken: CoreDeps = { ...deps, jobs: { ...deps.jobs, send: () => Promise.reject(new Error('connection terminated unexpectedly')) } }
  await expect(runAnnouncementFanout(broken, { tenantId: vendor.tenantId, announcementId })).rejects.toThrow('connection terminated')
  expect(await progressOf(announcementId)).toMatchObject({ status: 'running' })
  await sql`update pgboss.job set state = 'failed', completed_on = now() where name = ${announcementFanout.name} and data->>'announcementId' = ${announcementId}`.execute(deps.ownerDb)
  expect(await markAnnouncementFanoutDeadLettered(deps, { tenantId: vendor.tenantId, announcementId, error: 'connection terminated unexpectedly' })).toEqual({ marked: true })
}

describe('retrying a failed announcement fan-out', () => {
  it('the dead-letter outcome shows as failed; a retry queues the job again and the rerun completes with one receipt per user', async () => {
    const announcementId = await publishedAnnouncement('Delivery that failed')
    // One user already got it in a batch before the failure (kept, since batches commit on their own).
    const firstUser = userIds[0] as string
    await deps.ownerDb.insertInto('announcement_receipts').values({ tenant_id: vendor.tenantId, announcement_id: announcementId, user_id: firstUser, partner_id: (await deps.ownerDb.selectFrom('users').select('partner_id').where('id', '=', firstUser).executeTakeFirstOrThrow()).partner_id as string, delivered_portal_at: new Date(), link_token_hash: `pre-${announcementId}` }).execute()
    await failFanout(announcementId)

    const failed = await getAnnouncementForStaff(vendor.owner, { announcementId })
    expect(failed.announcement).toMatchObject({ progress_status: 'failed' })
    expect(failed.announcement.progress_message).toContain('connection terminated unexpectedly')
    // Marking twice (a duplicate dead letter) changes nothing.
    expect(await markAnnouncementFanoutDeadLettered(deps, { tenantId: vendor.tenantId, announcementId, error: 'again' })).toEqual({ marked: false })

    expect(await retryAnnouncementFanout(vendor.owner, { announcementId })).toEqual({ status: 'queued' })
    expect(await progressOf(announcementId)).toMatchObject({ status: 'queued', done: 0, message: 'Waiting for a worker…' })
    expect(await fanoutJobStates(announcementId)).toEqual(['failed', 'created'])
    const audit = await deps.ownerDb.selectFrom('audit_log').select(['action', 'actor_user_id']).where('tenant_id', '=', vendor.tenantId).where('target_id', '=', announcementId).where('action', '=', 'announcement.fanout_retried').execute()
    expect(audit).toEqual([{ action: 'announcement.fanout_retried', actor_user_id: vendor.ownerId }])
    // A second click while the retry is queued is refused.
    expect(await codeOf(retryAnnouncementFanout(vendor.owner, { announcementId }))).toBe('CONFLICT')

    // A late dead letter of the first run (or that run still going) cannot touch the retried one's progress.
    expect(await markAnnouncementFanoutDeadLettered(deps, { tenantId: vendor.tenantId, announcementId, error: 'late', run: 1 })).toEqual({ marked: false })
    const queuedJob = await deps.ownerDb
      .selectFrom(sql<{ data: { run?: number }; state: string }>`pgboss.job`.as('job'))
      .select('data')
      .where(sql<boolean>`name = 'announcements.fanout' and data->>'announcementId' = ${announcementId} and state = 'created'`)
      .executeTakeFirstOrThrow()
    expect(queuedJob.data.run).toBe(2)

    // The worker picks the new job up: only the two who were missing are added (and e-mailed).
    expect(await runAnnouncementFanout(deps, { tenantId: vendor.tenantId, announcementId, run: 2 })).toEqual({ recipients: 2, emails: 2 })
    const receipts = await deps.ownerDb.selectFrom('announcement_receipts').select('user_id').where('announcement_id', '=', announcementId).execute()
    expect(receipts.map((row) => row.user_id).sort()).toEqual([...userIds].sort())
    expect(await progressOf(announcementId)).toMatchObject({ status: 'succeeded', done: 3, total: 3 })
    const dashboard = await getAnnouncementForStaff(vendor.owner, { announcementId })
    expect(dashboard.announcement).toMatchObject({ progress_status: 'succeeded', recipients: 3 })
  })

  it('is refused for drafts, scheduled announcements, and deliveries that are queued, running or finished', async () => {
    const { announcementId: draft } = await saveAnnouncementDraft(vendor.owner, { title: 'Still a draft', channels: ['portal'] })
    expect(await codeOf(retryAnnouncementFanout(vendor.owner, { announcementId: draft }))).toBe('CONFLICT')
    const { announcementId: scheduled } = await saveAnnouncementDraft(vendor.owner, { title: 'Later', channels: ['portal'] })
    await publishAnnouncement(vendor.owner, { announcementId: scheduled, publishAt: new Date(Date.now() + 86_400_000) })
    expect(await codeOf(retryAnnouncementFanout(vendor.owner, { announcementId: scheduled }))).toBe('CONFLICT')

    const announcementId = await publishedAnnouncement('Delivering fine')
    expect(await progressOf(announcementId)).toMatchObject({ status: 'queued' })
    await expect(retryAnnouncementFanout(vendor.owner, { announcementId })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/still under way/) })
    await deps.ownerDb.updateTable('job_progress').set({ status: 'running' }).where('id', '=', (await deps.ownerDb.selectFrom('announcements').select('progress_id').where('id', '=', announcementId).executeTakeFirstOrThrow()).progress_id as string).execute()
    await expect(retryAnnouncementFanout(vendor.owner, { announcementId })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/still under way/) })
    await runAnnouncementFanout(deps, { tenantId: vendor.tenantId, announcementId })
    await expect(retryAnnouncementFanout(vendor.owner, { announcementId })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already finished/) })
    // A late dead letter does not turn a finished delivery into a failed one.
    expect(await markAnnouncementFanoutDeadLettered(deps, { tenantId: vendor.tenantId, announcementId, error: 'late' })).toEqual({ marked: false })
    expect(await progressOf(announcementId)).toMatchObject({ status: 'succeeded' })
    expect(await fanoutJobStates(announcementId)).toEqual(['created'])
  })

  it('is refused for viewers (FORBIDDEN) and for another tenant (NOT_FOUND); nothing changes', async () => {
    const announcementId = await publishedAnnouncement('Failed, not yours to retry')
    await failFanout(announcementId)
    const viewer = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })
    expect(await codeOf(retryAnnouncementFanout(viewer.context, { announcementId }))).toBe('FORBIDDEN')
    const other = await createVendor(deps)
    expect(await codeOf(retryAnnouncementFanout(other.owner, { announcementId }))).toBe('NOT_FOUND')
    expect(await codeOf(retryAnnouncementFanout(vendor.owner, { announcementId: 'not-a-uuid' }))).toBe('VALIDATION')
    expect(await progressOf(announcementId)).toMatchObject({ status: 'failed' })
    expect(await fanoutJobStates(announcementId)).toEqual(['failed'])
  })
})

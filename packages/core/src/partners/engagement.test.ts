import { withTenant } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acknowledgeMyAnnouncement, openMyAnnouncement, publishAnnouncement, runAnnouncementFanout, saveAnnouncementDraft } from '../announcements/announcements.js'
import type { CoreContext } from '../context.js'
import { requestMagicLink, signInPartner, signInStaff, signInWithMagicLink } from '../identity/sign-in.js'
import { acceptInvitation, invitePartnerUser } from '../invitations/invitations.js'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf, linkFromOutbox } from '../testing/helpers.js'
import { asActor, createTestDeps, type TestDeps } from '../testing/test-context.js'
import { getPartnerEngagement } from './engagement.js'

let deps: TestDeps
let vendor: VendorFixture
let otherVendor: VendorFixture
let partnerId: string
let quietPartnerId: string
let neighbourPartnerId: string
let rep: { userId: string; email: string; password: string | null; context: CoreContext }
let linkRep: { userId: string; email: string; context: CoreContext }
let idleRep: { userId: string; email: string }
let invitedUserId: string
let neighbour: CoreContext

const ip = () => `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Engaging Vendor' })
  otherVendor = await createVendor(deps, { companyName: 'Other Vendor' })
  partnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Contoso Engaged' })).id
  quietPartnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Quiet Partner' })).id
  neighbourPartnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Neighbour Partner' })).id
  rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, name: 'Alice Password' })
  linkRep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, name: 'Bob Link', password: null })
  idleRep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, name: 'Zed Idle' })
  const neighbourRep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: neighbourPartnerId })
  neighbour = neighbourRep.context

  // Real sign-ins through core: password twice, magic link once, an accepted invitation.
  await signInPartner(deps, { tenantId: vendor.tenantId, email: rep.email, password: rep.password ?? '', ip: ip() })
  await signInPartner(deps, { tenantId: vendor.tenantId, email: rep.email, password: rep.password ?? '', ip: ip() })
  await requestMagicLink(deps, { tenantId: vendor.tenantId, email: linkRep.email, ip: null })
  await signInWithMagicLink(deps, { tenantId: vendor.tenantId, token: await linkFromOutbox(deps.ownerDb, linkRep.email, '/magic') })
  await invitePartnerUser(vendor.owner, { partnerId, email: 'carol@contoso-engaged.example', role: 'sales' })
  const accepted = await acceptInvitation(deps, { token: await linkFromOutbox(deps.ownerDb, 'carol@contoso-engaged.example', '/invite'), name: 'Carol Invited', signInMethod: 'magic_link' })
  invitedUserId = accepted.userId
  // Someone of another partner, and staff, sign in too: neither counts for this partner.
  await signInPartner(deps, { tenantId: vendor.tenantId, email: neighbourRep.email, password: neighbourRep.password ?? '', ip: ip() })
  await signInStaff(deps, { workspace: vendor.slug, email: vendor.ownerEmail, password: vendor.ownerPassword, ip: ip() })
  // An old sign-in (before the period) of the idle rep: shows as last sign-in, not in the period's counts.
  await deps.ownerDb
    .insertInto('portal_sign_ins')
    .values({ tenant_id: vendor.tenantId, partner_id: partnerId, user_id: idleRep.userId, method: 'password', created_at: new Date(Date.now() - 200 * 86_400_000) })
    .execute()

  // Two announcements to this partner; one requires acknowledgement and is overdue for everyone who has not acknowledged.
  const notice = await saveAnnouncementDraft(vendor.owner, { title: 'Pricing update', channels: ['portal'], audience: { partnerIds: [partnerId] } })
  const policy = await saveAnnouncementDraft(vendor.owner, { title: 'New partner policy', channels: ['portal'], audience: { partnerIds: [partnerId] }, ackRequired: true, ackDueAt: new Date(Date.now() + 86_400_000) })
  for (const announcementId of [notice.announcementId, policy.announcementId]) {
    await publishAnnouncement(vendor.owner, { announcementId })
    await runAnnouncementFanout(deps, { tenantId: vendor.tenantId, announcementId })
  }
  await openMyAnnouncement(rep.context, { announcementId: notice.announcementId })
  await openMyAnnouncement(rep.context, { announcementId: policy.announcementId })
  await acknowledgeMyAnnouncement(rep.context, { announcementId: policy.announcementId })
  await openMyAnnouncement(linkRep.context, { announcementId: policy.announcementId })
  await deps.ownerDb.updateTable('announcements').set({ ack_due_at: new Date(Date.now() - 3_600_000) }).where('id', '=', policy.announcementId).execute()
})
afterAll(async () => {
  await deps?.close()
})

describe('recording portal sign-ins', () => {
  it('one row per partner sign-in with its method; staff sign-ins are not recorded', async () => {
    const rows = await deps.ownerDb.selectFrom('portal_sign_ins').select(['user_id', 'partner_id', 'method']).where('tenant_id', '=', vendor.tenantId).where('created_at', '>', new Date(Date.now() - 86_400_000)).execute()
    const methodsOf = (userId: string) => rows.filter((row) => row.user_id === userId).map((row) => row.method)
    expect(methodsOf(rep.userId)).toEqual(['password', 'password'])
    expect(methodsOf(linkRep.userId)).toEqual(['magic_link'])
    expect(methodsOf(invitedUserId)).toEqual(['invitation'])
    expect(methodsOf(vendor.ownerId)).toEqual([])
    expect(rows.filter((row) => row.partner_id === partnerId)).toHaveLength(4)
  })

  it('the runtime role cannot change or delete a sign-in, and a partner sees only its own', async () => {
    await expect(withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.deleteFrom('portal_sign_ins').execute())).rejects.toThrow(/permission denied/)
    await expect(withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.updateTable('portal_sign_ins').set({ method: 'password' }).execute())).rejects.toThrow(/permission denied/)
    const seen = await withTenant(deps.db, { tenantId: vendor.tenantId, partnerId: neighbourPartnerId }, (trx) => trx.selectFrom('portal_sign_ins').select('partner_id').execute())
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((row) => row.partner_id === neighbourPartnerId)).toBe(true)
  })
})

describe('getPartnerEngagement', () => {
  it('organisation totals for the last 90 days', async () => {
    const engagement = await getPartnerEngagement(vendor.owner, { partnerId })
    expect(engagement.days).toBe(90)
    expect(engagement.totals).toMatchObject({
      users: 4,
      signIns: 4,
      usersSignedIn: 3,
      // 4 users × 2 announcements; rep opened both, linkRep opened one; rep acknowledged the policy; 3 people are overdue on it.
      announcementsReceived: 8,
      announcementsOpened: 3,
      announcementsAcknowledged: 1,
      acknowledgementsOverdue: 3,
    })
    expect(engagement.totals.lastSignInAt).toBeInstanceOf(Date)
    expect(Date.now() - (engagement.totals.lastSignInAt?.getTime() ?? 0)).toBeLessThan(600_000)
  })

  it('one row per user, most recently active first; an old sign-in shows as last sign-in but not in the period', async () => {
    const { users } = await getPartnerEngagement(vendor.owner, { partnerId })
    expect(users.map((user) => user.name)).toEqual(['Carol Invited', 'Bob Link', 'Alice Password', 'Zed Idle'])
    const byId = new Map(users.map((user) => [user.userId, user]))
    expect(byId.get(rep.userId)).toMatchObject({ email: rep.email, role: 'sales', signIns: 2, announcementsReceived: 2, announcementsOpened: 2, announcementsAcknowledged: 1, acknowledgementsOverdue: 0 })
    expect(byId.get(linkRep.userId)).toMatchObject({ signIns: 1, announcementsOpened: 1, announcementsAcknowledged: 0, acknowledgementsOverdue: 1 })
    expect(byId.get(invitedUserId)).toMatchObject({ signIns: 1, announcementsReceived: 2, announcementsOpened: 0 })
    const idle = byId.get(idleRep.userId)
    expect(idle).toMatchObject({ signIns: 0, announcementsReceived: 2 })
    expect(Date.now() - (idle?.lastSignInAt?.getTime() ?? 0)).toBeGreaterThan(199 * 86_400_000)
  })

  it('a longer period includes the old sign-in', async () => {
    const engagement = await getPartnerEngagement(vendor.owner, { partnerId, days: 365 })
    expect(engagement.totals).toMatchObject({ signIns: 5, usersSignedIn: 4 })
  })

  it('weekly series: Monday-based weeks covering the period, zeros included, adding up to the total', async () => {
    const { weeklyActivity, totals } = await getPartnerEngagement(vendor.owner, { partnerId })
    expect(weeklyActivity.length).toBeGreaterThanOrEqual(13)
    expect(weeklyActivity.length).toBeLessThanOrEqual(14)
    expect(weeklyActivity.every((week) => new Date(`${week.weekStart}T00:00:00Z`).getUTCDay() === 1)).toBe(true)
    expect(weeklyActivity.reduce((total, week) => total + week.signIns, 0)).toBe(totals.signIns)
    expect(weeklyActivity.at(-1)?.signIns).toBe(4)
  })

  it('a partner nobody from has signed in: zeros and empty weeks', async () => {
    const engagement = await getPartnerEngagement(vendor.owner, { partnerId: quietPartnerId })
    expect(engagement.totals).toEqual({ users: 0, signIns: 0, usersSignedIn: 0, lastSignInAt: null, announcementsReceived: 0, announcementsOpened: 0, announcementsAcknowledged: 0, acknowledgementsOverdue: 0, resourceViews: 0, resourceDownloads: 0, resourcesUsed: 0, rulesPagesRead: 0, rulesPagesPublished: 0 })
    expect(engagement.users).toEqual([])
    expect(engagement.weeklyActivity.every((week) => week.signIns === 0)).toBe(true)
  })

  it('staff of another tenant get NOT_FOUND; partner users cannot call it; every staff role can view', async () => {
    expect(await codeOf(getPartnerEngagement(otherVendor.owner, { partnerId }))).toBe('NOT_FOUND')
    expect(await codeOf(getPartnerEngagement(neighbour, { partnerId }))).toBe('UNAUTHENTICATED')
    expect(await codeOf(getPartnerEngagement(asActor(deps, { kind: 'anonymous' }), { partnerId }))).toBe('UNAUTHENTICATED')
    const viewer = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })
    expect(await codeOf(getPartnerEngagement(viewer.context, { partnerId }))).toBe('OK')
    expect(await codeOf(getPartnerEngagement(vendor.owner, { partnerId, days: 3 }))).toBe('VALIDATION')
  })
})

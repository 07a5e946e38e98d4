import { createSessionManager } from '@accord/auth'
import { withTenant } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { changeStaffRole, listStaff } from '../staff/staff.js'
import { listPartnerPeople } from '../invitations/invitations.js'
import { codeOf, linkFromOutbox as linkOf } from '../testing/helpers.js'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { deactivatePartnerUser, deactivateStaffMember, listOrganisationPeople, reactivatePartnerUser, reactivateStaffMember } from './access.js'
import { requestMagicLink, requestPasswordReset, resetPassword, signInPartner, signInStaff, signInWithMagicLink } from './sign-in.js'

let deps: TestDeps
let sessions: ReturnType<typeof createSessionManager>
beforeAll(async () => {
  deps = await createTestDeps()
  sessions = createSessionManager({ db: deps.db, cookieName: 'probe', secureCookies: false })
})
afterAll(async () => {
  await deps.close()
})

const linkFromOutbox = (to: string, pathPart: string) => linkOf(deps.ownerDb, to, pathPart)
const auditOf = (tenantId: string, action: string) =>
  deps.ownerDb.selectFrom('audit_log').select(['actor_user_id', 'target_id', 'details', 'created_at']).where('tenant_id', '=', tenantId).where('action', '=', action).execute()

/** A pending invitation addressed to someone who already has an account (e.g. sent before they joined another way). */
async function pendingInvitationTo(tenantId: string, kind: 'staff' | 'partner', email: string, partnerId?: string) {
  const row = await deps.ownerDb
    .insertInto('invitations')
    .values({ tenant_id: tenantId, kind, email, token_hash: `hash-${Math.random()}`, expires_at: new Date(Date.now() + 86_400_000), ...(kind === 'staff' ? { staff_role: 'viewer' } : { partner_id: partnerId, partner_role: 'sales' }) })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

describe('deactivating staff', () => {
  it('ends sessions at once, retires open links and invitations to them, audits, and blocks every way in until reactivated', async () => {
    const vendor = await createVendor(deps)
    const leaver = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'partner_manager' })
    const { sessionId } = await sessions.create({ tenantId: vendor.tenantId, userId: leaver.userId })
    expect(await sessions.validate(sessionId)).not.toBeNull()
    await requestPasswordReset(deps, { tenantId: vendor.tenantId, kind: 'staff', email: leaver.email })
    const resetToken = await linkFromOutbox(leaver.email, '/reset-password')
    const invitationId = await pendingInvitationTo(vendor.tenantId, 'staff', leaver.email)
    // An invitation the leaver sent stays valid.
    const sent = await deps.ownerDb
      .insertInto('invitations')
      .values({ tenant_id: vendor.tenantId, kind: 'staff', email: 'newcomer@vendor.example', staff_role: 'viewer', token_hash: `hash-${Math.random()}`, expires_at: new Date(Date.now() + 86_400_000), invited_by_user_id: leaver.userId })
      .returning('id')
      .executeTakeFirstOrThrow()

    await expect(deactivateStaffMember(vendor.owner, { userId: leaver.userId })).resolves.toEqual({ userId: leaver.userId, status: 'disabled' })

    expect(await sessions.validate(sessionId)).toBeNull()
    expect(await deps.ownerDb.selectFrom('sessions').select('id').where('user_id', '=', leaver.userId).execute()).toEqual([])
    expect(await codeOf(resetPassword(deps, { token: resetToken, password: 'a brand new passphrase' }))).toBe('TOKEN_USED')
    const invitations = await deps.ownerDb.selectFrom('invitations').select(['id', 'revoked_at']).where('id', 'in', [invitationId, sent.id]).execute()
    expect(invitations.find((row) => row.id === invitationId)?.revoked_at).not.toBeNull()
    expect(invitations.find((row) => row.id === sent.id)?.revoked_at).toBeNull()
    // No new reset link either, and no password sign-in.
    const outboxBefore = await deps.ownerDb.selectFrom('email_outbox').select('id').where('to_email', '=', leaver.email).execute()
    await requestPasswordReset(deps, { tenantId: vendor.tenantId, kind: 'staff', email: leaver.email })
    expect(await deps.ownerDb.selectFrom('email_outbox').select('id').where('to_email', '=', leaver.email).execute()).toHaveLength(outboxBefore.length)
    await expect(signInStaff(deps, { workspace: vendor.slug, email: leaver.email, password: leaver.password, ip: null })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'This account has been deactivated; ask your administrator.' })

    const [entry] = await auditOf(vendor.tenantId, 'staff.deactivated')
    expect(entry).toMatchObject({ actor_user_id: vendor.ownerId, target_id: leaver.userId, details: { email: leaver.email, role: 'partner_manager', sessionsEnded: 1, linksRetired: 1, invitationsRetired: 1 } })
    const listed = await listStaff(vendor.owner)
    expect(listed.members.find((member) => member.id === leaver.userId)).toMatchObject({ status: 'disabled', deactivatedAt: expect.any(Date) })

    await expect(reactivateStaffMember(vendor.owner, { userId: leaver.userId })).resolves.toEqual({ userId: leaver.userId, status: 'active' })
    await expect(signInStaff(deps, { workspace: vendor.slug, email: leaver.email, password: leaver.password, ip: null })).resolves.toMatchObject({ userId: leaver.userId })
    expect(await auditOf(vendor.tenantId, 'staff.reactivated')).toEqual([expect.objectContaining({ actor_user_id: vendor.ownerId, target_id: leaver.userId })])
  })

  it('an invitation sent to the address before they joined no longer opens an account once they are deactivated', async () => {
    const { acceptInvitation, inviteStaffMember } = await import('../invitations/invitations.js')
    const vendor = await createVendor(deps)
    const email = `late-${vendor.slug}@vendor.example`
    await inviteStaffMember(vendor.owner, { email, role: 'viewer' })
    const token = await linkFromOutbox(email, '/invite')
    const joined = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer', email })
    await deactivateStaffMember(vendor.owner, { userId: joined.userId })
    expect(await codeOf(acceptInvitation(deps, { token, name: 'Late Joiner', signInMethod: 'password', password: 'a long enough passphrase' }))).toBe('TOKEN_INVALID')
  })

  it('owners and admins may; an admin may not touch an owner; other roles may not at all', async () => {
    const vendor = await createVendor(deps)
    const admin = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'admin' })
    const manager = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'partner_manager' })
    const viewer = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })
    const secondOwner = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'owner' })
    expect(await codeOf(deactivateStaffMember(manager.context, { userId: viewer.userId }))).toBe('FORBIDDEN')
    expect(await codeOf(deactivateStaffMember(viewer.context, { userId: manager.userId }))).toBe('FORBIDDEN')
    expect(await codeOf(deactivateStaffMember(admin.context, { userId: secondOwner.userId }))).toBe('FORBIDDEN')
    expect(await codeOf(deactivateStaffMember(admin.context, { userId: viewer.userId }))).toBe('OK')
    expect(await codeOf(reactivateStaffMember(admin.context, { userId: viewer.userId }))).toBe('OK')
    // Another workspace's user is simply not found.
    const other = await createVendor(deps)
    expect(await codeOf(deactivateStaffMember(vendor.owner, { userId: other.ownerId }))).toBe('NOT_FOUND')
    expect(await codeOf(deactivateStaffMember(vendor.owner, { userId: 'not-a-uuid' }))).toBe('VALIDATION')
  })

  it('never leaves the workspace without an active owner, not even by the owner themselves', async () => {
    const vendor = await createVendor(deps)
    await expect(deactivateStaffMember(vendor.owner, { userId: vendor.ownerId })).rejects.toMatchObject({ code: 'VALIDATION', fieldErrors: { userId: [expect.stringContaining('at least one active owner')] } })
    await expect(changeStaffRole(vendor.owner, { userId: vendor.ownerId, role: 'admin' })).rejects.toMatchObject({ code: 'VALIDATION' })
    // A deactivated second owner does not count.
    const second = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'owner' })
    await deactivateStaffMember(vendor.owner, { userId: second.userId })
    expect(await codeOf(deactivateStaffMember(vendor.owner, { userId: vendor.ownerId }))).toBe('VALIDATION')
    // With another active owner, an owner may step down.
    await reactivateStaffMember(vendor.owner, { userId: second.userId })
    expect(await codeOf(deactivateStaffMember(vendor.owner, { userId: vendor.ownerId }))).toBe('OK')
  })

  it('the database refuses the last active owner even when the application check is raced', async () => {
    const vendor = await createVendor(deps)
    // As a raced request would: straight to the update, past the count.
    const update = withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.updateTable('users').set({ status: 'disabled' }).where('id', '=', vendor.ownerId).execute())
    await expect(update).rejects.toMatchObject({ code: '23514', constraint: 'users_last_active_owner' })
    // Two owners deactivating each other at the same moment: exactly one wins.
    for (let round = 0; round < 3; round++) {
      const racing = await createVendor(deps)
      const other = await createStaffUser(deps, { tenantId: racing.tenantId, role: 'owner' })
      const codes = await Promise.all([codeOf(deactivateStaffMember(racing.owner, { userId: other.userId })), codeOf(deactivateStaffMember(other.context, { userId: racing.ownerId }))])
      expect(codes.sort()).toEqual(['OK', 'VALIDATION'])
      const owners = await deps.ownerDb.selectFrom('users').select('id').where('tenant_id', '=', racing.tenantId).where('staff_role', '=', 'owner').where('status', '=', 'active').execute()
      expect(owners).toHaveLength(1)
    }
    // Demoting each other at once: the same.
    const racing = await createVendor(deps)
    const other = await createStaffUser(deps, { tenantId: racing.tenantId, role: 'owner' })
    const codes = await Promise.all([codeOf(changeStaffRole(racing.owner, { userId: other.userId, role: 'admin' })), codeOf(changeStaffRole(other.context, { userId: racing.ownerId, role: 'admin' }))])
    expect(codes.sort()).toEqual(['OK', 'VALIDATION'])
  })
})

describe('deactivating partner users', () => {
  it('staff deactivate a rep: session gone, sign-in link retired, no new link, no password sign-in; audited', async () => {
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner)
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const { sessionId } = await sessions.create({ tenantId: vendor.tenantId, userId: rep.userId })
    await requestMagicLink(deps, { tenantId: vendor.tenantId, email: rep.email, ip: null })
    const magicToken = await linkFromOutbox(rep.email, '/magic')

    await deactivatePartnerUser(vendor.owner, { userId: rep.userId })

    expect(await sessions.validate(sessionId)).toBeNull()
    expect(await codeOf(signInWithMagicLink(deps, { tenantId: vendor.tenantId, token: magicToken }))).toBe('TOKEN_USED')
    const outboxBefore = await deps.ownerDb.selectFrom('email_outbox').select('id').where('to_email', '=', rep.email).execute()
    await requestMagicLink(deps, { tenantId: vendor.tenantId, email: rep.email, ip: null })
    expect(await deps.ownerDb.selectFrom('email_outbox').select('id').where('to_email', '=', rep.email).execute()).toHaveLength(outboxBefore.length)
    expect(await codeOf(signInPartner(deps, { tenantId: vendor.tenantId, email: rep.email, password: 'wrong password', ip: null }))).toBe('VALIDATION')
    await expect(signInPartner(deps, { tenantId: vendor.tenantId, email: rep.email, password: rep.password ?? '', ip: null })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'This account has been deactivated; ask your administrator.' })
    const people = await listPartnerPeople(vendor.owner, { partnerId: partner.id })
    expect(people.users.find((person) => person.id === rep.userId)).toMatchObject({ status: 'disabled', deactivatedBy: 'staff' })
    expect(await auditOf(vendor.tenantId, 'partner_user.deactivated')).toEqual([
      expect.objectContaining({ actor_user_id: vendor.ownerId, target_id: rep.userId, details: expect.objectContaining({ partnerId: partner.id, by: 'staff', sessionsEnded: 1, linksRetired: 1 }) }),
    ])

    // Viewers cannot; another workspace's staff cannot even find the rep.
    const viewer = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })
    expect(await codeOf(reactivatePartnerUser(viewer.context, { userId: rep.userId }))).toBe('FORBIDDEN')
    const other = await createVendor(deps)
    expect(await codeOf(reactivatePartnerUser(other.owner, { userId: rep.userId }))).toBe('NOT_FOUND')

    await reactivatePartnerUser(vendor.owner, { userId: rep.userId })
    await expect(signInPartner(deps, { tenantId: vendor.tenantId, email: rep.email, password: rep.password ?? '', ip: null })).resolves.toMatchObject({ userId: rep.userId })
  })

  it('a partner admin manages their own organisation only, never the last admin themselves, and cannot undo the vendor', async () => {
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner)
    const otherPartner = await createPartnerOrganisation(vendor.owner)
    const admin = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, role: 'partner_admin' })
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, role: 'sales' })
    const stranger = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: otherPartner.id, role: 'sales' })
    const { sessionId } = await sessions.create({ tenantId: vendor.tenantId, userId: rep.userId })

    // Sales reps look but do not act.
    expect(await codeOf(deactivatePartnerUser(rep.context, { userId: admin.userId }))).toBe('FORBIDDEN')
    expect((await listOrganisationPeople(rep.context)).canManage).toBe(false)
    // Another organisation's person does not exist for this admin.
    expect(await codeOf(deactivatePartnerUser(admin.context, { userId: stranger.userId }))).toBe('NOT_FOUND')
    // The only admin cannot lock themselves out.
    await expect(deactivatePartnerUser(admin.context, { userId: admin.userId })).rejects.toMatchObject({ code: 'VALIDATION', fieldErrors: { userId: [expect.stringContaining('only active partner admin')] } })

    await deactivatePartnerUser(admin.context, { userId: rep.userId })
    expect(await sessions.validate(sessionId)).toBeNull()
    expect(await auditOf(vendor.tenantId, 'partner_user.deactivated')).toEqual([expect.objectContaining({ actor_user_id: admin.userId, target_id: rep.userId, details: expect.objectContaining({ by: 'partner_admin' }) })])
    const team = await listOrganisationPeople(admin.context)
    expect(team.canManage).toBe(true)
    expect(team.people.map((person) => person.id).sort()).toEqual([admin.userId, rep.userId].sort())
    expect(team.people.find((person) => person.id === rep.userId)).toMatchObject({ active: false, deactivatedByVendor: false, canReactivate: true, canDeactivate: false })
    expect(team.people.find((person) => person.id === admin.userId)).toMatchObject({ isMe: true, active: true, canDeactivate: false })
    await reactivatePartnerUser(admin.context, { userId: rep.userId })

    // What the vendor did, only the vendor undoes.
    await deactivatePartnerUser(vendor.owner, { userId: rep.userId })
    expect((await listOrganisationPeople(admin.context)).people.find((person) => person.id === rep.userId)).toMatchObject({ deactivatedByVendor: true, canReactivate: false })
    expect(await codeOf(reactivatePartnerUser(admin.context, { userId: rep.userId }))).toBe('FORBIDDEN')

    // With a second admin, the first may step down.
    const secondAdmin = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, role: 'partner_admin' })
    expect(await codeOf(deactivatePartnerUser(admin.context, { userId: admin.userId }))).toBe('OK')
    expect(await codeOf(deactivatePartnerUser(secondAdmin.context, { userId: secondAdmin.userId }))).toBe('VALIDATION')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeOf, linkFromOutbox } from '../testing/helpers.js'
import { signInPartner } from '../identity/sign-in.js'
import { getPortalHome } from '../portal/home.js'
import { createPartnerOrganisation, createStaffUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { acceptInvitation, getInvitation, invitePartnerUser, inviteStaffMember, listPartnerPeople, revokeInvitation } from './invitations.js'

let deps: TestDeps
let vendor: VendorFixture
let otherVendor: VendorFixture
beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Invite Vendor' })
  otherVendor = await createVendor(deps)
})
afterAll(async () => {
  await deps.close()
})

const invitationLink = (to: string) => linkFromOutbox(deps.ownerDb, to, '/invite')

describe('partner invitations', () => {
  it('invite → accept with a password → signed-in partner sees their organisation', async () => {
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Contoso Test' })
    await invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'Rep@Contoso.example', name: 'Rita Rep', role: 'sales' })
    const token = await invitationLink('rep@contoso.example')
    const preview = await getInvitation(deps, { token, expectedTenantId: vendor.tenantId })
    expect(preview).toMatchObject({ kind: 'partner', email: 'rep@contoso.example', partnerName: 'Contoso Test', role: 'Sales rep', tenantName: 'Invite Vendor' })
    const accepted = await acceptInvitation(deps, { token, name: 'Rita Rep', signInMethod: 'password', password: 'rita secret pass', expectedTenantId: vendor.tenantId })
    expect(accepted).toMatchObject({ tenantId: vendor.tenantId, kind: 'partner', partnerId: partner.id })
    await expect(signInPartner(deps, { tenantId: vendor.tenantId, email: 'rep@contoso.example', password: 'rita secret pass', ip: null })).resolves.toMatchObject({ userId: accepted.userId })
    const home = await getPortalHome({ ...deps, actor: { kind: 'partner', tenantId: vendor.tenantId, userId: accepted.userId, partnerId: partner.id, role: 'sales' } })
    expect(home.partner.name).toBe('Contoso Test')
    const people = await listPartnerPeople(vendor.owner, { partnerId: partner.id })
    expect(people.users.map((user) => user.email)).toEqual(['rep@contoso.example'])
    expect(people.invitations).toEqual([])
  })

  it('a link works once, on its own tenant, until it expires or is revoked', async () => {
    const partner = await createPartnerOrganisation(vendor.owner)
    await invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'once@partner.example', role: 'finance' })
    const token = await invitationLink('once@partner.example')
    expect(await codeOf(getInvitation(deps, { token, expectedTenantId: otherVendor.tenantId }))).toBe('TOKEN_INVALID')
    expect(await codeOf(acceptInvitation(deps, { token, name: 'Olga', signInMethod: 'magic_link', expectedTenantId: otherVendor.tenantId }))).toBe('TOKEN_INVALID')
    await acceptInvitation(deps, { token, name: 'Olga', signInMethod: 'magic_link' })
    expect(await codeOf(acceptInvitation(deps, { token, name: 'Olga again', signInMethod: 'magic_link' }))).toBe('TOKEN_USED')
    expect(await codeOf(getInvitation(deps, { token }))).toBe('TOKEN_USED')

    const stale = { ...deps, now: () => new Date(Date.now() - 8 * 86_400_000) }
    await invitePartnerUser({ ...vendor.owner, now: stale.now }, { partnerId: partner.id, email: 'late@partner.example', role: 'sales' })
    expect(await codeOf(getInvitation(deps, { token: await invitationLink('late@partner.example') }))).toBe('TOKEN_EXPIRED')

    const revoked = await invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'revoked@partner.example', role: 'sales' })
    await revokeInvitation(vendor.owner, { invitationId: revoked.invitationId })
    expect(await codeOf(getInvitation(deps, { token: await invitationLink('revoked@partner.example') }))).toBe('TOKEN_INVALID')

    const tampered = token.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'))
    expect(await codeOf(getInvitation(deps, { token: tampered }))).toBe('TOKEN_INVALID')
  })

  it('concurrent accepts of one link create exactly one user', async () => {
    const partner = await createPartnerOrganisation(vendor.owner)
    await invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'race@partner.example', role: 'sales' })
    const token = await invitationLink('race@partner.example')
    const outcomes = await Promise.all([1, 2, 3].map(() => codeOf(acceptInvitation(deps, { token, name: 'Racer', signInMethod: 'magic_link' }))))
    expect(outcomes.filter((code) => code === 'OK')).toHaveLength(1)
    const users = await deps.ownerDb.selectFrom('users').select('id').where('email', '=', 'race@partner.example').execute()
    expect(users).toHaveLength(1)
  })

  it('bad input: archived partner, existing user, invalid e-mail, unknown role', async () => {
    const partner = await createPartnerOrganisation(vendor.owner)
    await invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'dupe@partner.example', role: 'sales' })
    await acceptInvitation(deps, { token: await invitationLink('dupe@partner.example'), name: 'Dupe', signInMethod: 'magic_link' })
    await expect(invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'dupe@partner.example', role: 'sales' })).rejects.toMatchObject({ fieldErrors: { email: ['This person already has access to the portal.'] } })
    await expect(invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'nope', role: 'boss' as never })).rejects.toMatchObject({ fieldErrors: { email: expect.any(Array), role: ['Choose a role.'] } })
    const { setPartnerArchived } = await import('../partners/partners.js')
    await setPartnerArchived(vendor.owner, { partnerId: partner.id, archived: true })
    await expect(invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'new@partner.example', role: 'sales' })).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})

describe('staff invitations and roles', () => {
  it('only the owner invites staff; the invitee joins with the invited role', async () => {
    const manager = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'partner_manager' })
    expect(await codeOf(inviteStaffMember(manager.context, { email: 'fin@vendor.example', role: 'finance' }))).toBe('FORBIDDEN')
    await inviteStaffMember(vendor.owner, { email: 'fin@vendor.example', name: 'Fin', role: 'finance' })
    const token = await invitationLink('fin@vendor.example')
    const accepted = await acceptInvitation(deps, { token, name: 'Finn Ance', signInMethod: 'password', password: 'finance passphrase' })
    const user = await deps.ownerDb.selectFrom('users').select(['staff_role', 'kind']).where('id', '=', accepted.userId).executeTakeFirstOrThrow()
    expect(user).toEqual({ staff_role: 'finance', kind: 'staff' })
  })

  it('role checks: viewers and finance cannot manage partners', async () => {
    const { createPartner } = await import('../partners/partners.js')
    for (const role of ['viewer', 'finance'] as const) {
      const member = await createStaffUser(deps, { tenantId: vendor.tenantId, role })
      expect(await codeOf(createPartner(member.context, { name: 'Nope Partner', type: 'referral' }))).toBe('FORBIDDEN')
    }
    const manager = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'partner_manager' })
    expect(await codeOf(createPartner(manager.context, { name: `Yes Partner ${Date.now()}`, type: 'referral' }))).toBe('OK')
  })
})

describe('daily invitation quota', () => {
  it('refuses the invitation past the workspace’s daily quota with a clear message; a day later it is free again', async () => {
    const { invitationsPerDay } = await import('./invitations.js')
    const limit = invitationsPerDay()
    expect(limit).toBe(200)
    const busy = await createVendor(deps)
    const partner = await createPartnerOrganisation(busy.owner)
    // limit - 1 invitations sent in the last day (one older than a day does not count).
    const recent = Array.from({ length: limit - 1 }, (_, index) => ({
      tenant_id: busy.tenantId,
      kind: 'partner',
      email: `bulk-${index}@bulk.example`,
      partner_id: partner.id,
      partner_role: 'sales',
      token_hash: `bulk-${busy.tenantId}-${index}`,
      expires_at: new Date(Date.now() + 86_400_000),
      created_at: new Date(Date.now() - 3600_000),
    }))
    await deps.ownerDb.insertInto('invitations').values(recent).execute()
    await deps.ownerDb
      .insertInto('invitations')
      .values({ tenant_id: busy.tenantId, kind: 'staff', email: 'old@bulk.example', staff_role: 'viewer', token_hash: `old-${busy.tenantId}`, expires_at: new Date(), created_at: new Date(Date.now() - 25 * 3600_000) })
      .execute()
    expect(await codeOf(invitePartnerUser(busy.owner, { partnerId: partner.id, email: 'last-one@bulk.example', role: 'sales' }))).toBe('OK')
    const refused = await inviteStaffMember(busy.owner, { email: 'one-too-many@bulk.example', role: 'viewer' }).catch((error: unknown) => error)
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining(`${limit} invitations in the last 24 hours`) })
    expect(await deps.ownerDb.selectFrom('email_outbox').select('id').where('to_email', '=', 'one-too-many@bulk.example').execute()).toEqual([])
    // Another workspace is not affected.
    expect(await codeOf(inviteStaffMember(otherVendor.owner, { email: 'fine@other.example', role: 'viewer' }))).toBe('OK')
    // Tomorrow the quota is free again.
    const tomorrow = { ...busy.owner, now: () => new Date(Date.now() + 25 * 3600_000) }
    expect(await codeOf(inviteStaffMember(tomorrow, { email: 'one-too-many@bulk.example', role: 'viewer' }))).toBe('OK')
  })

  it('refuses to re-invite a deactivated person and points to reactivation instead', async () => {
    const { deactivateStaffMember } = await import('../identity/access.js')
    const colleague = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })
    await deactivateStaffMember(vendor.owner, { userId: colleague.userId })
    await expect(inviteStaffMember(vendor.owner, { email: colleague.email, role: 'viewer' })).rejects.toMatchObject({ fieldErrors: { email: [expect.stringContaining('Reactivate')] } })
  })
})

import { withTenant } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from './errors.js'
import { listAuditLog } from './audit/record-audit.js'
import { invitePartnerUser, listPartnerPeople, revokeInvitation } from './invitations/invitations.js'
import { getPartner, listPartners, setPartnerArchived, updatePartner } from './partners/partners.js'
import { getPartnerEngagement } from './partners/engagement.js'
import { getPortalHome } from './portal/home.js'
import { listStaff, changeStaffRole } from './staff/staff.js'
import { getWorkspace } from './tenants/settings.js'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from './testing/factories.js'
import { createTestDeps, type TestDeps } from './testing/test-context.js'

let deps: TestDeps
let vendorA: VendorFixture
let vendorB: VendorFixture
let partnerB: Awaited<ReturnType<typeof createPartnerOrganisation>>
let invitationB: { invitationId: string }

beforeAll(async () => {
  deps = await createTestDeps()
  vendorA = await createVendor(deps, { companyName: 'Alpha Vendor' })
  vendorB = await createVendor(deps, { companyName: 'Beta Vendor' })
  await createPartnerOrganisation(vendorA.owner, { name: 'Alpha Partner' })
  partnerB = await createPartnerOrganisation(vendorB.owner, { name: 'Beta Secret Partner' })
  invitationB = await invitePartnerUser(vendorB.owner, { partnerId: partnerB.id, email: 'someone@beta-partner.example', role: 'sales' })
})
afterAll(async () => {
  await deps.close()
})

async function expectNotFound(promise: Promise<unknown>) {
  await expect(promise).rejects.toSatisfy((error: unknown) => error instanceof AppError && error.code === 'NOT_FOUND')
}

describe('tenant A cannot reach tenant B', () => {
  it('lists only its own partners, staff, workspace and audit entries', async () => {
    const partners = await listPartners(vendorA.owner, { status: 'all' })
    expect(partners.map((partner) => partner.name)).toEqual(['Alpha Partner'])
    const staff = await listStaff(vendorA.owner)
    expect(staff.members.map((member) => member.id)).toEqual([vendorA.ownerId])
    expect((await getWorkspace(vendorA.owner)).id).toBe(vendorA.tenantId)
    const audit = await listAuditLog(vendorA.owner)
    expect(JSON.stringify(audit)).not.toContain(vendorB.tenantId)
    expect(JSON.stringify(audit)).not.toContain('Beta')
  })

  it("gets not-found, never B's row, for B's ids", async () => {
    await expectNotFound(getPartner(vendorA.owner, { partnerId: partnerB.id }))
    await expectNotFound(listPartnerPeople(vendorA.owner, { partnerId: partnerB.id }))
    await expectNotFound(getPartnerEngagement(vendorA.owner, { partnerId: partnerB.id }))
    await expectNotFound(updatePartner(vendorA.owner, { partnerId: partnerB.id, name: 'Hijacked', type: 'referral' }))
    await expectNotFound(setPartnerArchived(vendorA.owner, { partnerId: partnerB.id, archived: true }))
    await expectNotFound(invitePartnerUser(vendorA.owner, { partnerId: partnerB.id, email: 'x@y.example', role: 'sales' }))
    await expectNotFound(revokeInvitation(vendorA.owner, { invitationId: invitationB.invitationId }))
    await expectNotFound(changeStaffRole(vendorA.owner, { userId: vendorB.ownerId, role: 'viewer' }))
    // B is untouched.
    const stillB = await getPartner(vendorB.owner, { partnerId: partnerB.id })
    expect(stillB).toMatchObject({ name: 'Beta Secret Partner', status: 'active' })
  })

  it('even a raw query in A’s scope for B’s rows returns nothing, and writes into B are refused', async () => {
    const rows = await withTenant(deps.db, { tenantId: vendorA.tenantId }, (trx) => trx.selectFrom('partner_organisations').selectAll().where('tenant_id', '=', vendorB.tenantId).execute())
    expect(rows).toEqual([])
    await expect(
      withTenant(deps.db, { tenantId: vendorA.tenantId }, (trx) => trx.insertInto('partner_organisations').values({ tenant_id: vendorB.tenantId, name: 'Planted', type: 'referral' }).execute()),
    ).rejects.toThrow(/row-level security/)
  })
})

describe('partner users within one tenant', () => {
  it('see only their own organisation', async () => {
    const first = await createPartnerOrganisation(vendorA.owner, { name: 'First Partner' })
    const second = await createPartnerOrganisation(vendorA.owner, { name: 'Second Partner' })
    const rep = await createPartnerUser(deps, { tenantId: vendorA.tenantId, partnerId: first.id })
    await createPartnerUser(deps, { tenantId: vendorA.tenantId, partnerId: second.id })
    const visible = await withTenant(deps.db, { tenantId: vendorA.tenantId, partnerId: first.id }, async (trx) => ({
      organisations: await trx.selectFrom('partner_organisations').select('name').execute(),
      users: await trx.selectFrom('users').select(['partner_id', 'kind']).execute(),
    }))
    expect(visible.organisations.map((row) => row.name)).toEqual(['First Partner'])
    expect(visible.users.every((row) => row.partner_id === first.id && row.kind === 'partner')).toBe(true)
    const home = await getPortalHome(rep.context)
    expect(home.partner.name).toBe('First Partner')
    expect(JSON.stringify(home)).not.toContain('Second Partner')
  })

  it('cannot use staff use cases', async () => {
    const partner = await createPartnerOrganisation(vendorA.owner)
    const rep = await createPartnerUser(deps, { tenantId: vendorA.tenantId, partnerId: partner.id })
    await expect(listPartners(rep.context)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
  })
})

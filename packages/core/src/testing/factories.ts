import { randomBytes } from 'node:crypto'
import { hashPassword } from '@accord/auth'
import { withTenant } from '@accord/db'
import type { CoreContext, CoreDeps, PartnerRole, StaffRole } from '../context.js'
import { createPartner } from '../partners/partners.js'
import type { PartnerType } from '../partners/partners.js'
import { approveRegistration } from '../registrations/review.js'
import { submitRegistration } from '../registrations/submit.js'
import { signUpVendor } from '../tenants/sign-up.js'

/**
 * Factories shared by tests, the demo seed, e2e fixtures and benchmarks.
 * They go through the real use cases where one exists (sign-up, partners)
 * and insert directly only what has no use case of its own (a ready user).
 */
const unique = () => randomBytes(4).toString('hex')

export interface VendorFixture {
  tenantId: string
  slug: string
  ownerId: string
  ownerEmail: string
  ownerPassword: string
  owner: CoreContext
}

export async function createVendor(deps: CoreDeps, overrides: { companyName?: string; slug?: string; ownerName?: string; email?: string; password?: string; verified?: boolean } = {}): Promise<VendorFixture> {
  const suffix = unique()
  const slug = overrides.slug ?? `vendor-${suffix}`
  const ownerEmail = overrides.email ?? `owner-${suffix}@vendor-${suffix}.example`
  const ownerPassword = overrides.password ?? `owner-password-${suffix}`
  const created = await signUpVendor(deps, {
    companyName: overrides.companyName ?? `Vendor ${suffix}`,
    slug,
    ownerName: overrides.ownerName ?? `Owner ${suffix}`,
    email: ownerEmail,
    password: ownerPassword,
  })
  if (overrides.verified !== false) {
    await withTenant(deps.db, { tenantId: created.tenantId }, (trx) => trx.updateTable('users').set({ email_verified_at: deps.now() }).where('id', '=', created.userId).execute())
  }
  return {
    tenantId: created.tenantId,
    slug,
    ownerId: created.userId,
    ownerEmail,
    ownerPassword,
    owner: { ...deps, actor: { kind: 'staff', tenantId: created.tenantId, userId: created.userId, role: 'owner' } },
  }
}

export async function createStaffUser(deps: CoreDeps, input: { tenantId: string; role: StaffRole; email?: string; name?: string; password?: string }) {
  const suffix = unique()
  const password = input.password ?? `staff-password-${suffix}`
  const email = input.email ?? `staff-${suffix}@vendor.example`
  const passwordHash = await hashPassword(password)
  const user = await withTenant(deps.db, { tenantId: input.tenantId }, (trx) =>
    trx
      .insertInto('users')
      .values({ tenant_id: input.tenantId, kind: 'staff', staff_role: input.role, email, name: input.name ?? `Staff ${suffix}`, password_hash: passwordHash, email_verified_at: deps.now() })
      .returning('id')
      .executeTakeFirstOrThrow(),
  )
  const context: CoreContext = { ...deps, actor: { kind: 'staff', tenantId: input.tenantId, userId: user.id, role: input.role } }
  return { userId: user.id, email, password, context }
}

export async function createPartnerOrganisation(owner: CoreContext, overrides: { name?: string; type?: PartnerType; region?: string; emailDomains?: string[] } = {}) {
  return createPartner(owner, {
    name: overrides.name ?? `Partner ${unique()}`,
    type: overrides.type ?? 'reseller',
    region: overrides.region,
    emailDomains: overrides.emailDomains,
  })
}

export async function createPartnerUser(
  deps: CoreDeps,
  input: { tenantId: string; partnerId: string; role?: PartnerRole; email?: string; name?: string; password?: string | null },
) {
  const suffix = unique()
  const password = input.password === undefined ? `partner-password-${suffix}` : input.password
  const email = input.email ?? `rep-${suffix}@partner-${suffix}.example`
  const role = input.role ?? 'sales'
  const passwordHash = password ? await hashPassword(password) : null
  const user = await withTenant(deps.db, { tenantId: input.tenantId }, (trx) =>
    trx
      .insertInto('users')
      .values({ tenant_id: input.tenantId, kind: 'partner', partner_id: input.partnerId, partner_role: role, email, name: input.name ?? `Rep ${suffix}`, password_hash: passwordHash, email_verified_at: deps.now() })
      .returning('id')
      .executeTakeFirstOrThrow(),
  )
  const context: CoreContext = { ...deps, actor: { kind: 'partner', tenantId: input.tenantId, userId: user.id, partnerId: input.partnerId, role } }
  return { userId: user.id, email, password, context }
}

/**
 * Deal registrations submitted by a partner user and approved by staff,
 * through the real use cases (so each has its built-in deal, attribution and
 * protection window). Customers are unique per call: `<label>-<n>-<random>.com`.
 */
export async function createApprovedDealRegistrations(owner: CoreContext, rep: CoreContext, count: number, options: { label?: string; amount?: number } = {}) {
  const batch = unique()
  const label = options.label ?? 'Customer'
  const closeDate = new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10)
  const created: Array<{ registrationId: string; companyName: string; domain: string }> = []
  for (let index = 1; index <= count; index++) {
    const domain = `${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${index}-${batch}.com`
    const companyName = `${label} ${index} ${batch.toUpperCase()}`
    const receipt = await submitRegistration(rep, {
      fields: {
        kind: 'deal',
        companyName,
        website: domain,
        contactName: `Dana Buyer${index}`,
        contactEmail: `dana${index}@${domain}`,
        contactRole: 'CIO',
        problem: 'Replacing spreadsheets with a partner-led rollout.',
        stageGuess: 'active_project',
        consent: 'on',
        amount: String(options.amount ?? 10_000 + index * 100),
        currency: 'EUR',
        expectedClose: closeDate,
      },
    })
    await approveRegistration(owner, { registrationId: receipt.registrationId })
    created.push({ registrationId: receipt.registrationId, companyName, domain })
  }
  return created
}

import { withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { createPartnerOrganisation, createPartnerUser, createVendor } from '../testing/factories.js'
import { findTenantBySlug } from '../tenants/lookup.js'

export const DEMO = {
  slug: 'northwind',
  companyName: 'Northwind Software',
  owner: { name: 'Olivia Owner', email: 'owner@northwind.example', password: 'northwind-demo-2026' },
  partnerPassword: 'partner-demo-2026',
  partners: [
    { name: 'Contoso Resellers', type: 'reseller', region: 'DACH', domains: ['contoso.example'], user: { name: 'Anna Seller', email: 'anna@contoso.example', role: 'sales' } },
    { name: 'Fabrikam Referrals', type: 'referral', region: 'UK & Ireland', domains: ['fabrikam.example'], user: { name: 'Ben Referrer', email: 'ben@fabrikam.example', role: 'partner_admin' } },
    { name: 'Adatum Consulting', type: 'services', region: 'Nordics', domains: ['adatum.example'], user: { name: 'Chloe Consultant', email: 'chloe@adatum.example', role: 'finance' } },
  ],
} as const

/** The demo vendor with three partner organisations and a user each; does nothing when it already exists. */
export async function seedDemoTenant(deps: CoreDeps): Promise<{ created: boolean }> {
  if (await findTenantBySlug(deps.db, DEMO.slug)) return { created: false }
  const vendor = await createVendor(deps, { companyName: DEMO.companyName, slug: DEMO.slug, ownerName: DEMO.owner.name, email: DEMO.owner.email, password: DEMO.owner.password })
  await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.updateTable('tenants').set({ primary_color: '#0f766e', support_email: 'partners@northwind.example' }).execute())
  for (const partner of DEMO.partners) {
    const organisation = await createPartnerOrganisation(vendor.owner, { name: partner.name, type: partner.type, region: partner.region, emailDomains: [...partner.domains] })
    await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: organisation.id, role: partner.user.role, email: partner.user.email, name: partner.user.name, password: DEMO.partnerPassword })
  }
  return { created: true }
}

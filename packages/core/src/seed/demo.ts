import { withTenant } from '@accord/db'
import { publishAnnouncement, saveAnnouncementDraft } from '../announcements/announcements.js'
import type { CoreContext, CoreDeps } from '../context.js'
import { createProgrammePagesFromTemplates, publishProgrammePage } from '../programme/pages.js'
import { createFileResource, createLinkResource } from '../resources/library.js'
import { makePdf, makePptx } from '../resources/testing/fixtures.js'
import { approveRegistration, requestRegistrationInfo } from '../registrations/review.js'
import { submitRegistration } from '../registrations/submit.js'
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
  const reps: CoreContext[] = []
  for (const partner of DEMO.partners) {
    const organisation = await createPartnerOrganisation(vendor.owner, { name: partner.name, type: partner.type, region: partner.region, emailDomains: [...partner.domains] })
    const user = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: organisation.id, role: partner.user.role, email: partner.user.email, name: partner.user.name, password: DEMO.partnerPassword })
    reps.push(user.context)
  }
  await seedDemoRegistrations(vendor.owner, reps)
  await seedDemoAnnouncement(vendor.owner)
  await seedDemoProgrammePages(vendor.owner)
  await seedDemoResources(vendor.owner)
  return { created: true }
}

/** A few registrations in every state, so the queue, the conflict view and the portal have something to show. */
async function seedDemoRegistrations(owner: CoreContext, reps: CoreContext[]) {
  const [anna, ben, chloe] = reps
  if (!anna || !ben || !chloe) return
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)
  const contact = (name: string, domain: string) => ({ contactName: name, contactEmail: `${name.split(' ')[0]?.toLowerCase()}@${domain}`, consent: true })
  const blueYonder = await submitRegistration(anna, {
    fields: { kind: 'deal', companyName: 'Blue Yonder Airlines', website: 'https://www.blueyonderairlines.com', ...contact('Mia Hoffmann', 'blueyonderairlines.com'), contactRole: 'CIO', problem: 'Replacing three partner spreadsheets before the spring campaign; 400 seats.', stageGuess: 'budget_approved', region: 'DACH', amount: '48000', currency: 'EUR', expectedClose: inDays(75), nextStep: 'Workshop with the CIO' },
  })
  await approveRegistration(owner, { registrationId: blueYonder.registrationId, note: 'Good luck with the workshop!' })
  await submitRegistration(anna, { fields: { companyName: 'Litware Inc.', website: 'litware.com', ...contact('Omar Haddad', 'litware.com'), problem: 'Evaluating PRM tools for their reseller channel.', stageGuess: 'active_project', region: 'DACH' } })
  // A second partner claims the same customer: an active conflict for the partner team to see.
  await submitRegistration(ben, { fields: { companyName: 'Blue Yonder Airlines Ltd', website: 'blueyonderairlines.com', ...contact('Tom Baker', 'blueyonderairlines.com'), problem: 'Referred by a mutual contact.', stageGuess: 'exploring', region: 'UK & Ireland' } })
  const tailspin = await submitRegistration(chloe, { fields: { companyName: 'Tailspin Toys', website: 'tailspintoys.com', ...contact('Lena Berg', 'tailspintoys.com'), problem: 'Needs an implementation partner for the Nordics rollout.', stageGuess: 'vendor_selection', region: 'Nordics' } })
  await requestRegistrationInfo(owner, { registrationId: tailspin.registrationId, question: 'Who is the economic buyer, and is there a budget for this year?' })
}

/** One published announcement asking for acknowledgement (the worker fans it out), so the feed and the dashboard are not empty. */
async function seedDemoAnnouncement(owner: CoreContext) {
  const { announcementId } = await saveAnnouncementDraft(owner, {
    title: 'Welcome to the Northwind partner programme 2027',
    bodyHtml:
      '<h2>What is new</h2><ul><li>Protection windows are now <strong>75 days</strong>, extended by logging your next step.</li><li>Deal registration decisions within two business days.</li></ul><p>Questions? Write to your partner manager.</p>',
    channels: ['portal', 'email'],
    ackRequired: true,
    ackDueAt: new Date(Date.now() + 14 * 86_400_000),
  })
  await publishAnnouncement(owner, { announcementId })
}

/** The three programme rules pages, written from the demo's programme settings and published, so the portal's rules section is not empty. */
async function seedDemoProgrammePages(owner: CoreContext) {
  const { created } = await createProgrammePagesFromTemplates(owner)
  for (const page of created) await publishProgrammePage(owner, { pageId: page.pageId })
}

/**
 * A small library (generated files, so nothing binary lives in the repo):
 * the worker extracts their text at start, so search finds words inside them.
 */
async function seedDemoResources(owner: CoreContext) {
  await createFileResource(
    owner,
    { title: 'Battle card: Northwind vs Contoso', description: 'Where we win, where we lose, and the three questions that expose Contoso’s gaps in multi-entity reporting.', contentType: 'battle_card', motions: ['reseller', 'referral'], industries: ['Manufacturing', 'Retail'], useCases: ['Competitive'] },
    {
      bytes: makePdf([
        'Northwind vs Contoso - battle card',
        'Where we win: multi-entity consolidation, audit trail, native CRM sync.',
        'Where Contoso wins: price for single-entity customers under 50 seats.',
        'Ask: How do you consolidate five subsidiaries today? Who signs off the audit trail?',
        'Objection: Contoso is cheaper. Answer: compare the three-year cost including the consolidation add-on.',
      ]),
      fileName: 'northwind-vs-contoso.pdf',
    },
  )
  await createFileResource(
    owner,
    { title: 'Integration deck: Northwind + your ERP', description: 'Slides for the technical buyer: architecture, sync, security review answers.', contentType: 'integration_deck', motions: ['services', 'technology'], industries: ['Manufacturing'], useCases: ['Technical evaluation'] },
    { bytes: makePptx([['Northwind integration overview', 'Two-way ERP sync in under an hour'], ['Security', 'SOC 2 Type II, SSO with SAML and OIDC, data residency in the EU'], ['Next steps', 'Book a technical workshop with the partner team']]), fileName: 'northwind-integration.pptx' },
  )
  await createFileResource(
    owner,
    { title: 'Partner price list 2027', description: 'Partner discounts by tier and the approval path for deals outside the bands.', contentType: 'price_guide', useCases: ['Pricing'], visibleTiers: ['Select', 'Elite'] },
    { bytes: makePdf(['Partner price list 2027', 'Registered: 10 percent. Select: 15 percent. Elite: 20 percent.', 'Discounts beyond the band need approval by the partner team before quoting.']), fileName: 'price-list-2027.pdf' },
  )
  await createLinkResource(owner, {
    title: 'Case study video: Fabrikam closes the books in 3 days',
    description: 'Fabrikam’s CFO on moving eight entities to Northwind with a reseller partner.',
    contentType: 'case_study',
    industries: ['Manufacturing'],
    useCases: ['Finance transformation'],
    url: 'https://www.example.com/northwind/fabrikam-case-study',
  })
}

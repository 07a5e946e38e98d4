import { createSessionManager } from '@accord/auth'
import { createPartnerOrganisation, createPartnerUser } from '@accord/core/testing/factories'
import type { BrowserContext } from '@playwright/test'
import { expectAccessible } from '../fixtures/accessibility.js'
import { expect, signedInPartnerOf, signedInVendor, test } from '../fixtures/stack.js'

/**
 * Revoking access end to end: vendor staff deactivate a partner user whose
 * portal tab is still open (the next page load is the sign-in page, and the
 * right password only hears that the account is deactivated); a partner
 * admin deactivates a colleague on the portal's Team page (axe-checked), and
 * the colleague's open session ends the same way.
 */

/** A portal session for an existing partner user in `context` (path mode). */
async function signInToPortal(context: BrowserContext, deps: Parameters<typeof createPartnerUser>[0], portalUrl: string, slug: string, tenantId: string, userId: string) {
  const sessions = createSessionManager({ db: deps.db, cookieName: 'accord_portal_session', secureCookies: false })
  const { cookie } = await sessions.create({ tenantId, userId, cookiePath: `/t/${slug}` })
  const [pair = ''] = cookie.split(';')
  const [name = '', ...value] = pair.split('=')
  await context.addCookies([{ name, value: value.join('='), url: `${portalUrl}/t/${slug}` }])
}

test('staff deactivate a partner user; their open portal session is signed out', async ({ browser, deps, info }) => {
  const admin = await browser.newContext()
  const partnerBrowser = await browser.newContext()
  try {
    const vendor = await signedInVendor(deps, admin, info)
    const { partner, rep, portalHome } = await signedInPartnerOf(deps, partnerBrowser, info, vendor, `Leaver Partner ${vendor.slug}`)
    const repName = (await deps.db.selectFrom('users').select('name').where('id', '=', rep.userId).executeTakeFirst())?.name ?? ''
    const portal = await partnerBrowser.newPage()
    await portal.goto(portalHome)
    await expect(portal.getByRole('heading', { name: new RegExp(partner.name) })).toBeVisible()

    const page = await admin.newPage()
    await page.goto(`${info.adminUrl}/partners/${partner.id}`)
    await expect(page.getByRole('heading', { level: 1, name: partner.name })).toBeVisible()
    await page.locator('summary').filter({ hasText: `Deactivate ${repName}` }).click()
    await page.getByRole('group', { name: `Deactivate ${repName}` }).getByRole('button', { name: `Deactivate ${repName}` }).click()
    await expect(page.getByText(`${repName} is deactivated and signed out of the portal.`)).toBeVisible()
    await expect(page.getByRole('row').filter({ hasText: rep.email }).getByText('Deactivated')).toBeVisible()

    // The partner's tab: the next page load is the sign-in page.
    await portal.goto(`${portalHome}/registrations`)
    await expect(portal).toHaveURL(/\/login/)
    await expect(portal.getByRole('heading', { name: 'Sign in' })).toBeVisible()
    // A wrong password hears nothing about the account; the right one hears it is deactivated.
    await portal.getByLabel('E-mail').fill(rep.email)
    await portal.getByLabel('Password').fill('not the password at all')
    await portal.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(portal.getByText('That e-mail and password do not match an account on this partner portal.')).toBeVisible()
    await portal.getByLabel('Password').fill(rep.password ?? '')
    await portal.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(portal.getByText('This account has been deactivated; ask your administrator.')).toBeVisible()

    // Reactivated, the same password works again and lands where they were heading.
    await page.getByRole('button', { name: `Reactivate ${repName}` }).click()
    await expect(page.getByText(`${repName} is active again and can sign in to the portal.`)).toBeVisible()
    await portal.getByLabel('Password').fill(rep.password ?? '')
    await portal.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(portal.getByRole('heading', { level: 1, name: 'Registrations' })).toBeVisible()
  } finally {
    await admin.close()
    await partnerBrowser.close()
  }
})

test('a partner admin deactivates a colleague on the Team page (axe-checked); the colleague is signed out', async ({ browser, deps, info }) => {
  const adminBrowser = await browser.newContext()
  const colleagueBrowser = await browser.newContext()
  try {
    const vendor = await signedInVendor(deps, await browser.newContext(), info)
    const partner = await createPartnerOrganisation(vendor.owner, { name: `Team Partner ${vendor.slug}` })
    const partnerAdmin = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, role: 'partner_admin', name: 'Pat Admin' })
    const colleague = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, role: 'sales', name: 'Casey Colleague' })
    await signInToPortal(adminBrowser, deps, info.portalUrl, vendor.slug, vendor.tenantId, partnerAdmin.userId)
    await signInToPortal(colleagueBrowser, deps, info.portalUrl, vendor.slug, vendor.tenantId, colleague.userId)
    const portalHome = `${info.portalUrl}/t/${vendor.slug}`

    const colleaguePage = await colleagueBrowser.newPage()
    await colleaguePage.goto(`${portalHome}/team`)
    await expect(colleaguePage.getByRole('heading', { level: 1, name: 'Team' })).toBeVisible()
    // Sales reps see the list, read-only.
    await expect(colleaguePage.getByText('Only your organisation’s partner admin can deactivate or reactivate people.')).toBeVisible()
    await expect(colleaguePage.locator('summary')).toHaveCount(0)

    const page = await adminBrowser.newPage()
    await page.goto(portalHome)
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Team' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Team' })).toBeVisible()
    await expect(page.getByRole('row').filter({ hasText: 'Casey Colleague' })).toBeVisible()
    await expectAccessible(page, 'portal team page')

    const row = page.getByRole('row').filter({ hasText: 'Casey Colleague' })
    await row.locator('summary').click()
    await expectAccessible(page, 'portal team page, confirmation open')
    await row.getByRole('button', { name: 'Deactivate Casey Colleague' }).click()
    await expect(page.getByText('Casey Colleague is deactivated and signed out of the portal.')).toBeVisible()
    await expect(page.getByRole('row').filter({ hasText: 'Casey Colleague' }).getByText('Deactivated')).toBeVisible()
    await expectAccessible(page, 'portal team page after deactivation')

    await colleaguePage.goto(`${portalHome}/registrations`)
    await expect(colleaguePage).toHaveURL(/\/login/)

    // The only partner admin has no button for themselves.
    await expect(page.getByRole('row').filter({ hasText: 'Pat Admin' }).locator('summary')).toHaveCount(0)
  } finally {
    await adminBrowser.close()
    await colleagueBrowser.close()
  }
})

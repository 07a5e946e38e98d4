import { randomBytes } from 'node:crypto'
import AxeBuilder from '@axe-core/playwright'
import { openEmailLink, tinyPng } from '../fixtures/mailbox.js'
import { expect, signedInPartner, test } from '../fixtures/stack.js'
import { seriousOrCritical } from '../fixtures/accessibility.js'

/**
 * The foundation journey (issue 2): a vendor signs up → verifies via the dev
 * mailbox → sets logo and colour → creates a partner organisation → invites a
 * partner user → the partner accepts in a fresh browser context → sees the
 * branded portal.
 */
test('vendor onboarding to a branded partner portal', async ({ page, browser, info }) => {
  const id = randomBytes(3).toString('hex')
  const slug = `e2e-${id}`
  const ownerEmail = `owner-${id}@vendor-e2e.example`
  const partnerEmail = `rep-${id}@partner-e2e.example`

  // Sign up.
  await page.goto(`${info.adminUrl}/signup`)
  // Wait for hydration: the address is suggested from the company name as one types.
  await page.waitForLoadState('networkidle')
  await page.getByLabel('Company name').fill(`E2E Vendor ${id}`)
  await expect(page.getByLabel('Workspace address')).toHaveValue(`e2e-vendor-${id}`)
  await page.getByLabel('Workspace address').fill(slug)
  await expect(page.getByLabel('Workspace address')).toHaveValue(slug)
  await page.getByLabel('Your name').fill('Erin Owner')
  await page.getByLabel('Work e-mail').fill(ownerEmail)
  await page.getByLabel('Password').fill('a long enough passphrase')
  await page.getByRole('button', { name: 'Create workspace' }).click()
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible()
  await expect(page.getByRole('status').filter({ hasText: ownerEmail })).toBeVisible()

  // Verify the e-mail address through the dev mailbox.
  const verifyHref = await openEmailLink(page, info.adminUrl, ownerEmail, '/verify-email/')
  await page.goto(verifyHref)
  await expect(page.getByRole('heading', { name: 'E-mail address verified' })).toBeVisible()

  // Brand the portal: colour, then logo.
  await page.goto(`${info.adminUrl}/settings/branding`)
  await page.waitForLoadState('networkidle')
  await page.getByLabel('Primary colour', { exact: true }).fill('#7c3aed')
  await page.getByRole('button', { name: 'Save branding' }).click()
  await expect(page.getByRole('status').filter({ hasText: /saved/i }).first()).toBeVisible()
  await page.getByLabel('Logo file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: tinyPng })
  await page.getByRole('button', { name: 'Upload logo' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Logo uploaded' })).toBeVisible()

  // A partner organisation and an invitation.
  await page.goto(`${info.adminUrl}/partners/new`)
  await page.waitForLoadState('networkidle')
  await page.getByLabel('Name', { exact: true }).fill(`Contoso ${id}`)
  await page.getByLabel('Partner type').selectOption('reseller')
  await page.getByLabel('E-mail domains').fill('partner-e2e.example')
  await page.getByRole('button', { name: 'Create partner' }).click()
  await expect(page.getByRole('heading', { name: `Contoso ${id}` })).toBeVisible()
  await page.getByLabel('E-mail', { exact: true }).fill(partnerEmail)
  await page.getByLabel('Name', { exact: true }).last().fill('Riley Rep')
  await page.getByRole('button', { name: 'Send invitation' }).click()
  await expect(page.getByText(partnerEmail).first()).toBeVisible()

  // The partner accepts in a fresh browser context.
  const inviteHref = await openEmailLink(page, info.adminUrl, partnerEmail, '/invite/')
  const partnerContext = await browser.newContext()
  const partnerPage = await partnerContext.newPage()
  await partnerPage.goto(inviteHref)
  await partnerPage.waitForLoadState('networkidle')
  await expect(partnerPage.getByText(`Contoso ${id}`).first()).toBeVisible()
  await partnerPage.getByLabel('Your name').fill('Riley Rep')
  await partnerPage.getByLabel('Set a password').check()
  await partnerPage.getByLabel('Password', { exact: true }).fill('partner passphrase 1')
  await partnerPage.getByRole('button', { name: 'Accept invitation' }).click()

  // The branded portal: the vendor's colour and logo, the organisation's name.
  await expect(partnerPage.getByRole('heading', { name: new RegExp(`Contoso ${id}`) })).toBeVisible()
  await expect(partnerPage.locator(`img[src*="/brand/${slug}/logo"]`).first()).toBeVisible()
  const brand = await partnerPage.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim())
  expect(brand.toLowerCase()).toBe('#7c3aed')
  expect(partnerPage.url()).toContain(`/t/${slug}`)
  await partnerContext.close()
})

test('a session of tenant A is not accepted on tenant B’s portal', async ({ browser, deps, info }) => {
  const context = await browser.newContext()
  const first = await signedInPartner(deps, context, info)
  const second = await signedInPartner(deps, await browser.newContext(), info)
  const page = await context.newPage()
  await page.goto(first.portalHome)
  await expect(page.getByRole('heading', { name: new RegExp(first.partner.name) })).toBeVisible()
  // Carry A's cookie over to B's portal path: B must treat the visitor as signed out.
  const cookies = await context.cookies()
  await context.addCookies(cookies.map((cookie) => ({ ...cookie, path: `/t/${second.vendor.slug}` })))
  await page.goto(second.portalHome)
  await expect(page).toHaveURL(/\/login/)
  await expect(page.getByText(second.partner.name)).toHaveCount(0)
  await context.close()
})

test.describe('accessibility (axe: no serious or critical violations)', () => {
  // The failing elements are named, so a violation can be found without rerunning by hand.
  test('admin login and sign-up', async ({ page, info }) => {
    for (const path of ['/login', '/signup']) {
      await page.goto(`${info.adminUrl}${path}`)
      const results = await new AxeBuilder({ page }).analyze()
      expect(seriousOrCritical(results.violations), path).toEqual([])
    }
  })

  test('portal login and portal home', async ({ browser, deps, info }) => {
    const context = await browser.newContext()
    const { portalHome, vendor } = await signedInPartner(deps, context, info)
    const anonymousContext = await browser.newContext()
    const anonymous = await anonymousContext.newPage()
    await anonymous.goto(`${info.portalUrl}/t/${vendor.slug}/login`)
    expect(seriousOrCritical((await new AxeBuilder({ page: anonymous }).analyze()).violations), 'portal login').toEqual([])
    const page = await context.newPage()
    await page.goto(portalHome)
    await expect(page.getByRole('heading').first()).toBeVisible()
    expect(seriousOrCritical((await new AxeBuilder({ page }).analyze()).violations), 'portal home').toEqual([])
    await context.close()
    await anonymousContext.close()
  })
})

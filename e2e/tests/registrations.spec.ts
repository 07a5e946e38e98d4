import { approveRegistration, submitRegistration } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser } from '@accord/core/testing/factories'
import { expect, signedInPartner, signedInPartnerOf, signInOwner, test } from '../fixtures/stack'

/** Issue 3 end to end: the portal form with its pre-check, the review queue, the partner's view of the decision. */

test('partner registers → staff approve → partner sees approved with the window end', async ({ browser, deps, info }) => {
  const partnerContext = await browser.newContext()
  const staffContext = await browser.newContext()
  const { vendor, portalHome } = await signedInPartner(deps, partnerContext, info)
  await signInOwner(deps, staffContext, info, vendor)
  const domain = `rockets-${vendor.slug}.com`

  const portal = await partnerContext.newPage()
  await portal.goto(`${portalHome}/registrations/new`)
  await portal.getByLabel('Company').fill('Acme Rockets Inc.')
  await portal.getByLabel('Website or domain').fill(domain)
  await portal.getByLabel('Contact name').fill('Jane Buyer')
  await portal.getByLabel('Contact e-mail').fill(`jane@${domain}`)
  await expect(portal.locator('.precheck')).toContainText('No other claim found.')
  await portal.getByLabel('Problem and fit').fill('Needs partner-led onboarding for 200 seats.')
  await portal.getByLabel(/agreed to be contacted/).check()
  await portal.getByRole('button', { name: 'Submit registration' }).click()
  await expect(portal.getByText('Registration received.')).toBeVisible()
  await expect(portal.getByText(/Your case number is R-\d+/)).toBeVisible()

  const admin = await staffContext.newPage()
  await admin.goto(`${info.adminUrl}/registrations`)
  await admin.getByRole('row').filter({ hasText: 'Acme Rockets Inc.' }).getByRole('link').first().click()
  await expect(admin.getByRole('heading', { name: 'Acme Rockets Inc.' })).toBeVisible()
  await admin.getByRole('button', { name: 'Approve' }).click()
  await expect(admin.getByText(/Approved\. The partner has been e-mailed/)).toBeVisible()

  await portal.reload()
  const windowEnd = new Date(Date.now() + 90 * 86_400_000).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
  await expect(portal.locator('.status-line').filter({ hasText: 'Protected until' })).toContainText(windowEnd)
  await partnerContext.close()
  await staffContext.close()
})

test('a second partner registering https://www.<domain>/ is flagged, with the explanation for staff only', async ({ browser, deps, info }) => {
  const firstContext = await browser.newContext()
  const staffContext = await browser.newContext()
  const secondContext = await browser.newContext()
  const { vendor } = await signedInPartner(deps, firstContext, info)
  const first = await createPartnerOrganisation(vendor.owner, { name: 'First Claim Partners' })
  const firstRep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: first.id })
  const domain = `acme-${vendor.slug}.com`
  const registered = await submitRegistration(firstRep.context, { fields: { companyName: 'ACME Inc.', website: domain, contactName: 'A', contactEmail: `a@${domain}`, problem: 'First', consent: true } })
  await approveRegistration(vendor.owner, { registrationId: registered.registrationId })

  const { portalHome } = await signedInPartnerOf(deps, secondContext, info, vendor, 'Second Claim Partners')
  const portal = await secondContext.newPage()
  await portal.goto(`${portalHome}/registrations/new`)
  await portal.getByLabel('Company').fill('Acme Incorporated')
  await portal.getByLabel('Website or domain').fill(`https://www.${domain}/`)
  await portal.getByLabel('Contact name').fill('Jim Buyer')
  await portal.getByLabel('Contact e-mail').fill(`jim@${domain}`)
  await expect(portal.locator('.precheck')).toContainText('Possible conflict.')
  await expect(portal.locator('main')).not.toContainText('First Claim Partners')
  await portal.getByLabel('Problem and fit').fill('Also wants it.')
  await portal.getByLabel(/agreed to be contacted/).check()
  await portal.getByRole('button', { name: 'Submit registration' }).click()
  await expect(portal.getByText('Registration received.')).toBeVisible()
  await expect(portal.locator('main')).not.toContainText('First Claim Partners')

  await signInOwner(deps, staffContext, info, vendor)
  const admin = await staffContext.newPage()
  await admin.goto(`${info.adminUrl}/registrations?view=pending&conflicts=1`)
  await admin.getByRole('row').filter({ hasText: 'Second Claim Partners' }).getByRole('link').first().click()
  await expect(admin.getByText('Active conflict')).toBeVisible()
  await expect(admin.locator('.evidence')).toContainText('First Claim Partners')
  await expect(admin.locator('.evidence')).toContainText('First approved wins')
  await expect(admin.getByRole('heading', { name: 'Competing claims, side by side' })).toBeVisible()
  for (const context of [firstContext, staffContext, secondContext]) await context.close()
})

test('a partner registers by e-mail and sees the case in the portal', async ({ browser, deps, info, request }) => {
  const context = await browser.newContext()
  const { vendor, rep, portalHome } = await signedInPartner(deps, context, info)
  const raw = [
    `From: Rep <${rep.email}>`,
    `To: registrations+${vendor.slug}@inbound.accord.localhost`,
    'Subject: New lead',
    `Message-ID: <e2e-${vendor.slug}@example.com>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Company: Mailed Lead GmbH',
    `Website: mailed-${vendor.slug}.de`,
    'Contact: Maria Mail',
    `E-mail: maria@mailed-${vendor.slug}.de`,
    'Need: evaluating for Q1',
    'Consent: yes',
  ].join('\r\n')
  const response = await request.post(`${info.adminUrl}/api/inbound/email`, { data: raw, headers: { 'content-type': 'message/rfc822' } })
  expect(response.status()).toBe(200)
  expect(await response.json()).toMatchObject({ outcome: 'registered' })
  const page = await context.newPage()
  await page.goto(`${portalHome}/registrations`)
  await expect(page.getByRole('row').filter({ hasText: 'Mailed Lead GmbH' })).toBeVisible()
  await context.close()
})

import { approveRegistration, submitRegistration } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser } from '@accord/core/testing/factories'
import { expectAccessible } from '../fixtures/accessibility'
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

test('a partner registers by e-mail, confirms it from the link (the sender was not authenticated) and sees the case in the portal', async ({ browser, deps, info, request }) => {
  const context = await browser.newContext()
  const { vendor, rep, portalHome } = await signedInPartner(deps, context, info)
  // No Authentication-Results from a trusted host: the registration waits for the account holder's confirmation.
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
  expect(response.status()).toBe(202)
  expect(await response.json()).toMatchObject({ outcome: 'queued' })

  // The worker reads it and mails the account holder a confirmation link (the dev mailbox shows it).
  const page = await context.newPage()
  const confirmation = page.getByRole('row').filter({ hasText: 'Please confirm a registration sent from your address' })
  await expect(async () => {
    await page.goto(`${info.adminUrl}/dev/mailbox?to=${encodeURIComponent(rep.email)}`)
    await expect(confirmation.first()).toBeVisible({ timeout: 1000 })
  }).toPass({ timeout: 20_000 })
  await confirmation.first().getByRole('link').first().click()
  await expect(page.locator('main')).toContainText('Hi Rep')
  const confirmUrl = (await page.locator('main a[href*="/registrations/confirm/"]').first().getAttribute('href')) ?? ''
  expect(confirmUrl).toContain(`/registrations/confirm/${vendor.tenantId}.`)
  await page.goto(confirmUrl)
  await expect(page.getByRole('heading', { name: 'Confirm your registration' })).toBeVisible()
  await expect(page.locator('main')).toContainText('Mailed Lead GmbH')
  await expectAccessible(page, 'held e-mail registration')
  // Opening the link registered nothing; the button does.
  await page.goto(`${portalHome}/registrations`)
  await expect(page.getByRole('row').filter({ hasText: 'Mailed Lead GmbH' })).toHaveCount(0)
  await page.goto(confirmUrl)
  await page.getByRole('button', { name: 'Yes, I sent it: register it' }).click()
  await expect(page.getByRole('heading', { name: 'Registered' })).toBeVisible()
  await expect(page.getByRole('status')).toContainText(/registered as R-\d+/)
  await page.goto(`${portalHome}/registrations`)
  await expect(page.getByRole('row').filter({ hasText: 'Mailed Lead GmbH' })).toBeVisible()
  await context.close()
})

test('a 1,000-row CSV with 20 bad rows and 50 duplicates gives exactly those verdicts, with progress and a download', async ({ browser, deps, info }) => {
  const context = await browser.newContext()
  const { vendor, portalHome } = await signedInPartner(deps, context, info)
  const lines = ['Company;Website;Contact name;E-mail;Problem;Consent']
  for (let index = 0; index < 930; index++) lines.push(`Kunde ${index} GmbH;kunde-${index}-${vendor.slug}.de;Kontakt ${index};k${index}@kunde-${index}-${vendor.slug}.de;"Braucht Onboarding,\nzwei Zeilen";ja`)
  for (let index = 0; index < 20; index++) lines.push(`Kaputt ${index} AG;kaputt-${index}-${vendor.slug}.de;Kontakt;keine-adresse;Bedarf;ja`)
  for (let index = 0; index < 50; index++) lines.push(`KUNDE ${index * 3} gmbh;https://www.kunde-${index * 3}-${vendor.slug}.de/;Andere;a${index}@kunde-${index * 3}-${vendor.slug}.de;Auch;ja`)
  // UTF-8 with a BOM, semicolons and quoted newlines, as Excel writes it.
  const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n'), 'utf8')])

  const page = await context.newPage()
  await page.goto(`${portalHome}/registrations/imports`)
  await page.getByLabel('CSV file').setInputFiles({ name: 'kunden.csv', mimeType: 'text/csv', buffer: file })
  await page.getByRole('button', { name: 'Upload and map columns' }).click()
  await expect(page.getByRole('heading', { name: 'Which column holds what?' })).toBeVisible()
  await page.getByRole('button', { name: /^Import 1,000 rows$/ }).click()
  await expect(page.getByRole('heading', { name: 'Results' })).toBeVisible({ timeout: 45_000 })
  const tiles = page.locator('.stat-tiles')
  await expect(tiles.locator('.stat-tile.accepted .stat-value')).toHaveText('930')
  await expect(tiles.locator('.stat-tile.rejected .stat-value')).toHaveText('70')
  await expect(tiles.locator('.stat-tile.conflict .stat-value')).toHaveText('0')

  const download = page.waitForEvent('download')
  await page.getByRole('link', { name: 'Download all verdicts (CSV)' }).click()
  const csv = await (await download).createReadStream().then(async (stream) => {
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  })
  expect(csv.match(/,rejected,"?Contact e-mail/g)).toHaveLength(20)
  expect(csv.match(/,rejected,"?Duplicate of line/g)).toHaveLength(50)
  expect(csv.match(/,accepted,"?Registered as R-/g)).toHaveLength(930)
  await context.close()
})

test('staff rename a stage and add one; the programme page keeps the rules', async ({ browser, deps, info }) => {
  const context = await browser.newContext()
  const { vendor } = await signedInPartner(deps, await browser.newContext(), info)
  await signInOwner(deps, context, info, vendor)
  const page = await context.newPage()
  await page.goto(`${info.adminUrl}/settings/programme`)
  await page.getByText('Referral', { exact: true }).click()
  await page.getByLabel('Stage 1 name').first().fill('Intro booked')
  await page.getByLabel('Stage 6 name').first().fill('Expansion')
  await page.getByRole('button', { name: 'Save Referral stages' }).click()
  await expect(page.getByText(/Stages saved/)).toBeVisible()
  await expect(page.locator('details.motion-editor').first()).toContainText('Intro booked → Validate → Prove value → Promote → Closed & credited → Expansion')
  await context.close()
})

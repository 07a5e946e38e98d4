import { startFakeHubspot } from '@accord/crm/testing/fake-hubspot'
import { connectCrm } from '@accord/core'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor } from '@accord/core/testing/factories'
import { expect, signInOwner, test } from '../fixtures/stack.js'
import { expectAccessible } from '../fixtures/accessibility.js'

/**
 * The CRM settings page end to end: connect HubSpot (an in-memory fake in this
 * process) with three approved registrations, watch the initial sync (run by
 * the stack's worker) fill its progress bar, find the deals in HubSpot without
 * duplicates, then try a wrong token: a field error, no 500, no echoed secret.
 */

test('connect HubSpot: initial sync with progress, deals in HubSpot without duplicates, wrong token is a field error', async ({ browser, deps, info }) => {
  test.setTimeout(120_000)
  const hubspot = await startFakeHubspot()
  const context = await browser.newContext()
  try {
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner, { name: `CRM Partner ${vendor.slug}` })
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const registrations = await createApprovedDealRegistrations(vendor.owner, rep.context, 3, { label: 'Synced' })
    await signInOwner(deps, context, info, vendor)

    const serverErrors: string[] = []
    const page = await context.newPage()
    page.on('response', (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`)
    })

    await page.goto(`${info.adminUrl}/settings/crm`)
    await expect(page.getByRole('heading', { name: 'CRM', exact: true })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Built-in CRM' })).toBeVisible()
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'CRM' })).toHaveAttribute('aria-current', 'page')
    await expectAccessible(page, 'CRM page, nothing connected')

    // Connect HubSpot (the default choice), pointed at the fake in Advanced.
    await expect(page.getByRole('radio', { name: 'HubSpot' })).toBeChecked()
    await page.getByLabel('Private app access token').fill(hubspot.accessToken)
    await page.getByText('Advanced', { exact: true }).click()
    await page.getByLabel('API base URL').fill(hubspot.url)
    await page.getByRole('button', { name: 'Connect HubSpot' }).click()
    await expect(page.getByText(/Connected to HubSpot/).first()).toBeVisible()

    // The initial sync: the bar fills as the worker pushes, and reaches done.
    const bar = page.getByRole('progressbar', { name: 'Initial sync' })
    await expect(bar).toBeVisible()
    await expect(page.locator('#crm-progress-text')).toHaveText(/Done: pushed 3 of 3/, { timeout: 60_000 })
    await expect(bar).toHaveAttribute('aria-valuenow', '3')
    await expect(bar).toHaveAttribute('aria-valuemax', '3')

    expect(hubspot.records('deals')).toHaveLength(registrations.length)
    expect(hubspot.duplicates()).toEqual([])
    const dealNames = hubspot.records('deals').map((deal) => deal.properties.dealname ?? '')
    for (const registration of registrations) expect(dealNames.some((name) => name.startsWith(registration.companyName))).toBe(true)

    // The status card and the log show the result.
    const status = page.getByRole('region', { name: 'HubSpot', exact: true })
    await expect(status.getByRole('status', { name: 'Connection status: Connected' })).toBeVisible()
    await expect(status.locator('.crm-facts')).toContainText('Mapped deals3')
    const log = page.getByRole('table', { name: /Sync log/ })
    await expect(log.getByRole('row').nth(1)).toContainText('Initial sync')
    await expect(log.getByRole('row').nth(1)).toContainText('Succeeded')
    await expect(page.getByText(/No failed records/)).toBeVisible()
    await expectAccessible(page, 'CRM page, HubSpot connected')

    // Dry run right after the sync: nothing left to push, and nothing is written.
    await page.getByRole('button', { name: 'Preview the next sync' }).click()
    await expect(page.getByText('Dry run: nothing was written to HubSpot.')).toBeVisible()
    await expect(page.getByText(/Nothing to push/)).toBeVisible()

    // A wrong token: the field says why, nothing is stored, the token is not echoed back.
    await page.getByText('Reconnect or switch CRM').click()
    await page.getByLabel('Private app access token').fill('pat-na1-this-token-is-wrong')
    await page.getByText('Advanced', { exact: true }).click()
    await page.getByLabel('API base URL').fill(hubspot.url)
    await page.getByRole('button', { name: 'Reconnect HubSpot' }).click()
    const tokenInput = page.getByLabel('Private app access token')
    await expect(tokenInput).toHaveAttribute('aria-invalid', 'true')
    await expect(page.getByRole('alert').filter({ hasText: /did not accept these credentials/ })).toBeVisible()
    await expect(tokenInput).toHaveValue('')
    await expect(page.getByLabel('API base URL')).toHaveValue(hubspot.url)
    await expect(status.getByRole('status', { name: 'Connection status: Connected' })).toBeVisible()
    expect(hubspot.records('deals')).toHaveLength(registrations.length)
    expect(serverErrors).toEqual([])
  } finally {
    await context.close()
    await hubspot.close()
  }
})

test('a partner manager sees the connection and its health, read-only', async ({ browser, deps, info }) => {
  const hubspot = await startFakeHubspot()
  const context = await browser.newContext()
  try {
    const vendor = await createVendor(deps)
    await connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: hubspot.accessToken, baseUrl: hubspot.url } })
    const manager = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'partner_manager' })
    await signInOwner(deps, context, info, { tenantId: vendor.tenantId, ownerId: manager.userId })

    const page = await context.newPage()
    await page.goto(`${info.adminUrl}/settings/crm`)
    await expect(page.getByRole('heading', { name: 'HubSpot', exact: true })).toBeVisible()
    await expect(page.getByText(/Only owners and admins can connect a CRM/)).toBeVisible()
    await expect(page.getByRole('table', { name: /Sync log/ })).toBeVisible()
    for (const name of ['Test connection', 'Sync now', 'Save field mapping', 'Save stage mapping', /^Connect/, /^Reconnect/]) await expect(page.getByRole('button', { name })).toHaveCount(0)
    await expect(page.getByText('Disconnect…')).toHaveCount(0)
    await expect(page.getByText('Reconnect or switch CRM')).toHaveCount(0)
    await expect(page.locator('main').getByRole('textbox')).toHaveCount(0)
    await expectAccessible(page, 'CRM page, partner manager')
  } finally {
    await context.close()
    await hubspot.close()
  }
})

import { makePdf, makePng } from '@accord/core/resources/testing/fixtures'
import { expect, signedInPartnerOf, signedInVendor, test } from '../fixtures/stack.js'
import { expectAccessible } from '../fixtures/accessibility.js'

/**
 * The resource library end to end: staff upload a PDF battle card (a PNG
 * named .pdf is refused first, with the message on the file field); the
 * stack's worker extracts its text; a partner finds it by words that are
 * only inside the PDF, opens it (a view) and downloads it (a download); the
 * staff page then counts both. Axe finds no serious or critical problems on
 * the upload form, the portal library or the resource page.
 */

test('upload a battle card, refuse a disguised file, partner finds it by the text inside, views and downloads, staff see the counts', async ({ browser, deps, info }) => {
  test.setTimeout(120_000)
  const admin = await browser.newContext()
  const partnerBrowser = await browser.newContext({ acceptDownloads: true })
  try {
    const vendor = await signedInVendor(deps, admin, info)
    const { portalHome } = await signedInPartnerOf(deps, partnerBrowser, info, vendor, `Library Reseller ${vendor.slug}`)
    const title = `Battle card vs Contoso ${vendor.slug}`
    const page = await admin.newPage()
    const serverErrors: string[] = []
    page.on('response', (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`)
    })

    await page.goto(`${info.adminUrl}/resources`)
    await expect(page.getByRole('heading', { name: 'The library is empty' })).toBeVisible()
    await page.getByRole('link', { name: 'Add the first resource' }).click()
    await expect(page.getByRole('heading', { name: 'New resource' })).toBeVisible()
    await expectAccessible(page, 'new resource form')

    // A PNG named .pdf: refused, with the reason on the file field, and the typed details kept.
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'battle-card.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makePng()) })
    await page.getByLabel('Title').fill(title)
    await page.getByLabel('Kind of resource').selectOption('battle_card')
    await page.getByRole('button', { name: 'Upload resource' }).click()
    await expect(page.getByText('The file is named .pdf but its content is a PNG image')).toBeVisible()
    await expect(page.getByLabel('Title')).toHaveValue(title)

    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'battle-card.pdf', mimeType: 'application/pdf', buffer: Buffer.from(makePdf(['Contoso discounts aggressively at renewal time.', 'Lead with the integration roadmap.'])) })
    await page.getByLabel('Industries').fill('Manufacturing, Retail')
    await page.getByRole('group', { name: 'Motions', exact: true }).getByLabel('Resell').check()
    await page.getByRole('button', { name: 'Upload resource' }).click()
    await expect(page.getByText('Resource added.')).toBeVisible()
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
    // The stack's worker extracts the text; the page refreshes while it waits.
    await expect(page.getByText('Searchable, including its text')).toBeVisible({ timeout: 30_000 })
    await expectAccessible(page, 'admin resource page')

    const portal = await partnerBrowser.newPage()
    await portal.goto(`${portalHome}/resources`)
    await expect(portal.getByRole('heading', { level: 1, name: 'Resources' })).toBeVisible()
    await portal.getByLabel('Search resources').fill('renewal roadmap')
    await portal.getByRole('button', { name: 'Search' }).click()
    const card = portal.getByRole('listitem').filter({ has: portal.getByRole('link', { name: title }) })
    await expect(card).toBeVisible()
    await expect(card.locator('mark').first()).toBeVisible()
    await expectAccessible(portal, 'portal library')
    // Facets: Manufacturing narrows to it; a facet with no match is simply not offered.
    await portal.getByRole('link', { name: /Manufacturing/ }).click()
    await expect(card).toBeVisible()

    await card.getByRole('link', { name: title }).click()
    await expect(portal.getByRole('heading', { level: 1, name: title })).toBeVisible()
    await expect(portal.locator('iframe[title^="Preview of"]')).toBeVisible()
    await expectAccessible(portal, 'portal resource page')
    const downloadPromise = portal.waitForEvent('download')
    await portal.getByRole('link', { name: 'Download' }).click()
    const download = await downloadPromise
    expect(download.suggestedFilename()).toBe(`${title}.pdf`)

    await page.reload()
    const usage = page.getByRole('list', { name: 'Usage totals' })
    await expect(usage.getByText('Views')).toBeVisible()
    await expect(usage.locator('li', { hasText: 'Views' }).locator('.stat-value')).toHaveText('1')
    await expect(usage.locator('li', { hasText: 'Downloads' }).locator('.stat-value')).toHaveText('1')
    await expect(page.getByRole('region', { name: 'Use per partner' }).getByRole('link', { name: `Library Reseller ${vendor.slug}` })).toBeVisible()
    await page.goto(`${info.adminUrl}/resources`)
    await expect(page.getByRole('row').filter({ hasText: title })).toContainText('Published')
    await expectAccessible(page, 'admin resource list')

    // An announcement links to it from the editor's "Resource" button (an absolute portal link, for e-mail too).
    await page.goto(`${info.adminUrl}/announcements/new`)
    await page.getByRole('button', { name: 'Resource' }).click()
    await page.getByLabel('Resource from the library').selectOption({ label: `${title} (Battle card)` })
    await page.getByRole('button', { name: 'Insert link to resource' }).click()
    await expect(page.locator('.rich-text-content a', { hasText: title })).toHaveAttribute('href', new RegExp(`/t/${vendor.slug}/resources/[0-9a-f-]{36}$`))
    expect(serverErrors).toEqual([])
  } finally {
    await admin.close()
    await partnerBrowser.close()
  }
})

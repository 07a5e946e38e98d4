import type { Page } from '@playwright/test'
import { expect, signedInPartnerOf, signedInVendor, test } from '../fixtures/stack.js'
import { expectAccessible } from '../fixtures/accessibility.js'

/**
 * Programme rules pages end to end: staff start from the templates (drafted
 * from the programme settings), fix field errors, edit and publish the
 * conflict policy, reorder and delete pages; a partner of the same vendor
 * reads the published page (table of contents, last updated) in the portal,
 * while drafts are neither listed nor reachable. Axe finds no serious or
 * critical problems on the list, the editor and both portal pages.
 */

function watchServerErrors(page: Page, into: string[]) {
  page.on('response', (response) => {
    if (response.status() >= 500) into.push(`${response.status()} ${response.request().method()} ${response.url()}`)
  })
}

test('staff draft rules from templates, edit and publish one; partners read only the published page', async ({ browser, deps, info }) => {
  test.setTimeout(120_000)
  const admin = await browser.newContext()
  const partner = await browser.newContext()
  const serverErrors: string[] = []
  try {
    const vendor = await signedInVendor(deps, admin, info)
    const { portalHome } = await signedInPartnerOf(deps, partner, info, vendor, `Rules Reader ${vendor.slug}`)
    const page = await admin.newPage()
    watchServerErrors(page, serverErrors)

    // Empty state: start from templates.
    await page.goto(`${info.adminUrl}/resources/rules`)
    await expect(page.getByRole('heading', { name: 'Programme rules', level: 1 })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'No programme rules pages yet' })).toBeVisible()
    await expect(page.getByRole('link', { name: 'New page' })).toBeVisible()
    await expectAccessible(page, 'rules list (empty)')
    await page.getByRole('button', { name: 'Start from templates' }).click()
    await expect(page.getByText('3 draft pages were written from your programme settings.')).toBeVisible()
    const rows = page.getByRole('table', { name: /Programme rules pages/ }).getByRole('row')
    await expect(rows).toHaveCount(4)
    await expect(rows.nth(1)).toContainText('Conflict policy')
    await expect(rows.nth(2)).toContainText('Territories')
    await expect(rows.nth(3)).toContainText('Price bands')
    for (const index of [1, 2, 3]) await expect(rows.nth(index)).toContainText('Draft')
    await expectAccessible(page, 'rules list')

    // Reorder: price bands up one place, above territories.
    await page.getByRole('button', { name: 'Move “Price bands” up' }).click()
    await expect(rows.nth(2)).toContainText('Price bands')
    await expect(rows.nth(3)).toContainText('Territories')
    await expect(page.getByRole('button', { name: 'Move “Price bands” up' })).toBeFocused()

    // The editor: the template text reflects the settings (90-day protection by default).
    await page.getByRole('link', { name: 'Conflict policy' }).click()
    await expect(page.getByRole('heading', { name: 'Edit: Conflict policy' })).toBeVisible()
    const toolbar = page.getByRole('toolbar', { name: 'Text: formatting' })
    await expect(toolbar.getByRole('button', { name: 'Bold' })).toBeEnabled()
    const text = page.getByRole('textbox', { name: /^Text/ })
    await expect(text).toContainText('90 days')
    await expect(page.getByRole('link', { name: /View in portal/ })).toHaveCount(0)
    await expectAccessible(page, 'rules editor')

    // Field errors next to the fields, nothing saved.
    await page.getByLabel(/^Title/).fill('')
    await page.getByLabel(/^Address/).fill('Not a valid address!')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect(page.getByLabel(/^Title/)).toHaveAttribute('aria-invalid', 'true')
    await expect(page.getByText('Give the page a title.')).toBeVisible()
    await expect(page.getByLabel(/^Address/)).toHaveAttribute('aria-invalid', 'true')
    await expect(page.getByText(/Use lowercase letters \(a–z\), digits and single hyphens/)).toBeVisible()
    await expect(page.getByLabel(/^Title/)).toBeFocused()

    // An address another page uses.
    await page.getByLabel(/^Title/).fill('Conflict policy 2027')
    await page.getByLabel(/^Address/).fill('territories')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect(page.getByText('Another page already uses this address. Choose a different one.')).toBeVisible()

    // Fix it, add a closing line, publish.
    await page.getByLabel(/^Title/).fill('Conflict policy 2027')
    await page.getByLabel(/^Address/).fill('conflict-policy')
    await text.click()
    await page.keyboard.press('Control+End')
    await page.keyboard.press('Enter')
    await page.keyboard.type('Questions? Ask your partner manager.')
    await page.getByRole('button', { name: 'Save and publish' }).click()
    await expect(page.getByText('Published: partners can read it in the portal.')).toBeVisible()
    await expect(page.getByRole('status', { name: 'Status: Published' })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Edit: Conflict policy 2027' })).toBeVisible()
    await expect(page.getByRole('link', { name: /View in portal/ })).toHaveAttribute('href', `${portalHome}/programme/conflict-policy`)

    // The partner: only the published page is listed, and it reads well.
    const portal = await partner.newPage()
    watchServerErrors(portal, serverErrors)
    await portal.goto(`${portalHome}/programme`)
    await expect(portal.getByRole('heading', { name: 'Programme rules', level: 1 })).toBeVisible()
    const list = portal.getByRole('list', { name: 'Programme rules pages' })
    await expect(list.getByRole('listitem')).toHaveCount(1)
    await expect(list).toContainText('Conflict policy 2027')
    await expect(list).toContainText('Last updated')
    await expect(list).not.toContainText('Territories')
    await expect(list).not.toContainText('Price bands')
    await expectAccessible(portal, 'portal rules list')

    await list.getByRole('link', { name: 'Conflict policy 2027' }).click()
    const article = portal.getByRole('article', { name: 'Conflict policy 2027' })
    await expect(article).toBeVisible()
    await expect(article).toContainText('Questions? Ask your partner manager.')
    await expect(article).toContainText('protected for you for 90 days')
    await expect(article.getByText(/^Last updated/)).toBeVisible()
    const toc = portal.getByRole('navigation', { name: 'On this page' })
    await expect(toc.getByRole('link', { name: 'Protection window' })).toBeVisible()
    await toc.getByRole('link', { name: 'Protection window' }).click()
    await expect(portal).toHaveURL(/#section-protection-window$/)
    await expect(portal.getByRole('heading', { name: 'Protection window', level: 2 })).toBeInViewport()
    await expectAccessible(portal, 'portal rules page')
    await expect(portal.getByRole('link', { name: 'Back to all programme rules' })).toHaveAttribute('href', `/t/${vendor.slug}/programme`)

    // Drafts and unknown addresses are simply not found.
    expect((await portal.goto(`${portalHome}/programme/territories`))?.status()).toBe(404)
    expect((await portal.goto(`${portalHome}/programme/no-such-page`))?.status()).toBe(404)

    // Staff delete a draft behind a confirmation; unknown ids are a 404 page, not a 500.
    await page.goto(`${info.adminUrl}/resources/rules`)
    await page.getByRole('link', { name: 'Territories' }).click()
    await page.getByText('Delete…').click()
    await expect(page.getByText('this cannot be undone')).toBeVisible()
    await page.getByRole('button', { name: 'Yes, delete this page' }).click()
    await expect(page.getByText('Page deleted.')).toBeVisible()
    await expect(page.getByRole('table', { name: /Programme rules pages/ }).getByRole('row')).toHaveCount(3)
    expect((await page.goto(`${info.adminUrl}/resources/rules/00000000-0000-4000-8000-000000000000`))?.status()).toBe(404)
    expect((await page.goto(`${info.adminUrl}/resources/rules/not-an-id`))?.status()).toBe(404)

    // Unpublishing takes it out of the portal at once.
    await page.goto(`${info.adminUrl}/resources/rules`)
    await page.getByRole('button', { name: 'Unpublish “Conflict policy 2027”' }).click()
    await expect(page.getByText('Unpublished: partners no longer see it.')).toBeVisible()
    await portal.goto(`${portalHome}/programme`)
    await expect(portal.getByRole('heading', { name: 'No programme rules published yet' })).toBeVisible()

    expect(serverErrors).toEqual([])
  } finally {
    await admin.close()
    await partner.close()
  }
})

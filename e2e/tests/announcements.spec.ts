import { createSessionManager } from '@accord/auth'
import { type CoreDeps, publishAnnouncement, saveAnnouncementDraft, updatePartner } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser, createVendor } from '@accord/core/testing/factories'
import { withTenant } from '@accord/db'
import type { BrowserContext, Page } from '@playwright/test'
import { expect, type StackInfo, signInOwner, test } from '../fixtures/stack.js'
import { expectAccessible } from '../fixtures/accessibility.js'

/**
 * Announcements end to end: staff write one in the Tiptap editor for the
 * Elite tier only, acknowledgement required, and publish it; the stack's
 * worker fans it out. The Elite partner sees it (nav badge, feed) and
 * acknowledges from the link in the e-mail, in a fresh browser without a
 * session; the dashboard then counts 1 acknowledged. A partner of another
 * tier sees nothing. Axe finds no serious or critical problems on the
 * editor, the dashboard or the portal feed.
 */

async function signInPartnerUser(deps: CoreDeps, context: BrowserContext, info: StackInfo, vendor: { tenantId: string; slug: string }, userId: string) {
  const sessions = createSessionManager({ db: deps.db, cookieName: 'accord_portal_session', secureCookies: false })
  const { cookie } = await sessions.create({ tenantId: vendor.tenantId, userId, cookiePath: `/t/${vendor.slug}` })
  const [pair] = cookie.split(';')
  const [name = '', ...value] = (pair ?? '').split('=')
  const path = /;\s*Path=([^;]+)/i.exec(cookie)?.[1] ?? '/'
  await context.addCookies([{ name, value: value.join('='), url: new URL(path, info.portalUrl).toString() }])
}

/** `YYYY-MM-DDTHH:mm` (UTC) for a datetime-local field. */
const dateTimeLocal = (date: Date) => date.toISOString().slice(0, 16)

test('publish to one tier with acknowledgement: badge and feed for that tier only, one-click e-mail acknowledgement, dashboard counts it', async ({ browser, deps, info }) => {
  test.setTimeout(120_000)
  const vendor = await createVendor(deps)
  const elite = await createPartnerOrganisation(vendor.owner, { name: `Elite Reseller ${vendor.slug}` })
  await updatePartner(vendor.owner, { partnerId: elite.id, name: elite.name, type: 'reseller', tier: 'Elite' })
  const other = await createPartnerOrganisation(vendor.owner, { name: `Registered Referral ${vendor.slug}`, type: 'referral' })
  const eliteRep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: elite.id })
  const otherRep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: other.id })
  const title = `New price list ${vendor.slug}`

  const admin = await browser.newContext()
  const partner = await browser.newContext()
  const outsider = await browser.newContext()
  const stranger = await browser.newContext()
  try {
    await signInOwner(deps, admin, info, vendor)
    const serverErrors: string[] = []
    const page = await admin.newPage()
    page.on('response', (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`)
    })

    // The list starts empty, with a call to action.
    await page.goto(`${info.adminUrl}/announcements`)
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Announcements' })).toHaveAttribute('aria-current', 'page')
    await expect(page.getByRole('heading', { name: 'No announcements yet' })).toBeVisible()
    await page.getByRole('link', { name: 'Write the first announcement' }).click()
    await expect(page.getByRole('heading', { name: 'New announcement' })).toBeVisible()

    // The editor: the toolbar appears once Tiptap has loaded in the browser.
    const toolbar = page.getByRole('toolbar', { name: 'Text: formatting' })
    const bold = toolbar.getByRole('button', { name: 'Bold' })
    await expect(bold).toBeEnabled()
    await expectAccessible(page, 'announcement editor')

    // A save without a title or channel: field errors, nothing published.
    await page.getByRole('checkbox', { name: /^Portal/ }).uncheck()
    await page.getByRole('checkbox', { name: /^E-mail/ }).uncheck()
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect(page.getByLabel(/^Title/)).toHaveAttribute('aria-invalid', 'true')
    await expect(page.getByText('Choose at least one channel.')).toBeVisible()

    await page.getByLabel(/^Title/).fill(title)
    const text = page.getByRole('textbox', { name: /^Text/ })
    await text.click()
    await page.keyboard.type('Prices change on ')
    await bold.click()
    await expect(bold).toHaveAttribute('aria-pressed', 'true')
    await page.keyboard.type('1 January')
    await bold.click()
    await expect(bold).toHaveAttribute('aria-pressed', 'false')
    await page.keyboard.type('. Please confirm.')
    // Keyboard: arrow keys move within the toolbar.
    await bold.focus()
    await page.keyboard.press('ArrowRight')
    await expect(toolbar.getByRole('button', { name: 'Italic' })).toBeFocused()

    await page.getByRole('checkbox', { name: /^Portal/ }).check()
    await page.getByRole('checkbox', { name: /^E-mail/ }).check()
    await page.getByRole('group', { name: 'Tiers' }).getByRole('checkbox', { name: 'Elite' }).check()
    await page.getByRole('checkbox', { name: /confirm they have read it/ }).check()
    await page.getByLabel(/^Acknowledge by/).fill(dateTimeLocal(new Date(Date.now() + 7 * 86_400_000)))
    await page.getByRole('button', { name: 'Publish now' }).click()

    // The dashboard: published, delivery followed by the worker's fan-out.
    await expect(page.getByRole('heading', { name: title })).toBeVisible()
    await expect(page.getByRole('status', { name: 'Status: Published' })).toBeVisible()
    await expect(page.locator('#delivery-text')).toHaveText('Delivered to 1 person.', { timeout: 30_000 })
    await expect(page.getByRole('progressbar', { name: 'Delivery' })).toBeVisible()
    const announcementId = new URL(page.url()).pathname.split('/')[2] ?? ''
    expect(announcementId).toMatch(/^[0-9a-f-]{36}$/)
    await expect(page.getByTestId('acknowledged-total')).toHaveText('0')
    await expect(page.getByRole('table', { name: /not acknowledged/ })).toContainText(eliteRep.email)
    await expectAccessible(page, 'announcement dashboard')

    // The Elite partner: a badge in the nav, the announcement in the feed.
    await signInPartnerUser(deps, partner, info, vendor, eliteRep.userId)
    const portal = await partner.newPage()
    await portal.goto(`${info.portalUrl}/t/${vendor.slug}`)
    const navLink = portal.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: /Announcements/ })
    await expect(navLink).toHaveAccessibleName('Announcements 1 unread')
    await navLink.click()
    await expect(portal.getByRole('heading', { name: 'Announcements', level: 1 })).toBeVisible()
    const item = portal.getByRole('listitem').filter({ hasText: title })
    await expect(item).toContainText('Acknowledge by')
    await expect(item.getByRole('link', { name: `Unread: ${title}` })).toBeVisible()
    await expectAccessible(portal, 'portal announcement feed')

    // The other tier's partner sees nothing.
    await signInPartnerUser(deps, outsider, info, vendor, otherRep.userId)
    const outsiderPage = await outsider.newPage()
    await outsiderPage.goto(`${info.portalUrl}/t/${vendor.slug}/announcements`)
    await expect(outsiderPage.getByRole('heading', { name: 'No announcements yet' })).toBeVisible()
    await expect(outsiderPage.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: /Announcements/ })).toHaveAccessibleName('Announcements')
    const refused = await outsiderPage.goto(`${info.portalUrl}/t/${vendor.slug}/announcements/${announcementId}`)
    expect(refused?.status()).toBe(404)

    // The e-mail to the Elite rep as delivered (the dev mailbox is the inbox locally): its "I have read this" link, opened without a session.
    let html = ''
    await expect
      .poll(
        async () => {
          const mail = await deps.db.selectFrom('dev_mailbox_messages').select('html').where('to_email', '=', eliteRep.email).where('subject', '=', title).executeTakeFirst()
          html = mail?.html ?? ''
          return html.length > 0
        },
        { timeout: 20_000 },
      )
      .toBe(true)
    // The stored outbox copy no longer carries the link's token.
    const token = /announcements\/acknowledge\/([^"]+)"/.exec(html)?.[1] ?? ''
    expect(token.length).toBeGreaterThan(20)
    const stored = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.selectFrom('email_outbox').select(['html', 'status']).where('to_email', '=', eliteRep.email).where('template', '=', 'announcement').executeTakeFirstOrThrow())
    expect(stored.status).toBe('sent')
    expect(stored.html).not.toContain(token)
    const ackUrl = /href="([^"]*\/announcements\/acknowledge\/[^"]+)"/.exec(html)?.[1] ?? ''
    const pixelUrl = /src="([^"]*\/announcements\/open\/[^"]+)"/.exec(html)?.[1] ?? ''
    expect(ackUrl).toContain(`/t/${vendor.slug}/announcements/acknowledge/`)

    // The open pixel: a GIF, never cached, 200 even for nonsense.
    if (pixelUrl) {
      const pixel = await stranger.request.get(pixelUrl)
      expect(pixel.status()).toBe(200)
      expect(pixel.headers()['content-type']).toBe('image/gif')
      expect(pixel.headers()['cache-control']).toContain('no-store')
    }
    const junkPixel = await stranger.request.get(`${info.portalUrl}/t/${vendor.slug}/announcements/open/nonsense`)
    expect(junkPixel.status()).toBe(200)

    // "Read it in the portal" is a tracked link: the click is recorded, then the browser goes on to the announcement.
    const readUrl = /href="([^"]*\/announcements\/click\/[^"]+\/0)"/.exec(html)?.[1] ?? ''
    expect(readUrl).toContain(`/t/${vendor.slug}/announcements/click/`)
    const click = await stranger.request.get(readUrl, { maxRedirects: 0 })
    expect(click.status()).toBe(302)
    expect(click.headers().location).toBe(`${info.portalUrl}/t/${vendor.slug}/announcements/${announcementId}`)
    // A changed token leads nowhere: a 404 page, not a redirect.
    const forgedClick = await stranger.request.get(`${readUrl.replace(/\/0$/, '')}x/1`, { maxRedirects: 0 })
    expect(forgedClick.status()).toBe(404)
    expect(forgedClick.headers().location).toBeUndefined()

    // A forged link: a clear page, branded, no 500.
    const strangerPage = await stranger.newPage()
    const forged = await strangerPage.goto(`${ackUrl.slice(0, -3)}xyz`)
    expect(forged?.status()).toBe(404)
    await expect(strangerPage.getByRole('heading', { name: 'This link does not work' })).toBeVisible()

    const acknowledged = await strangerPage.goto(ackUrl)
    expect(acknowledged?.status()).toBe(200)
    await expect(strangerPage.getByRole('heading', { name: 'Thank you' })).toBeVisible()
    await expect(strangerPage.getByText(title)).toBeVisible()
    await expect(strangerPage.locator('.brand-name')).toBeVisible()
    await expectAccessible(strangerPage, 'acknowledgement page')
    // Clicking again is harmless.
    await strangerPage.goto(ackUrl)
    await expect(strangerPage.getByRole('heading', { name: 'Already acknowledged' })).toBeVisible()

    // The portal shows it acknowledged.
    await portal.reload()
    await expect(portal.getByRole('listitem').filter({ hasText: title })).toContainText('Acknowledged')

    // The dashboard counts it; the CSV export names the rep.
    await page.reload()
    await expect(page.getByTestId('acknowledged-total')).toHaveText('1')
    await expect(page.getByText('Everyone has acknowledged it.')).toBeVisible()
    await expect(page.getByRole('img', { name: /^E-mail: sent 1, .*acknowledged 1$/ })).toBeVisible()
    const csv = await admin.request.get(`${info.adminUrl}/announcements/${announcementId}/receipts.csv`)
    expect(csv.status()).toBe(200)
    expect(csv.headers()['content-type']).toContain('text/csv')
    const csvText = await csv.text()
    expect(csvText).toContain(eliteRep.email)
    expect(csvText).not.toContain(otherRep.email)

    // The list shows the counts.
    await page.goto(`${info.adminUrl}/announcements`)
    const row = page.getByRole('row').filter({ hasText: title })
    await expect(row).toContainText('Published')
    await expect(row).toContainText('1 of 1')
    expect(serverErrors).toEqual([])
  } finally {
    await Promise.all([admin.close(), partner.close(), outsider.close(), stranger.close()])
  }
})

test('draft, edit, schedule errors, publish from the dashboard; the partner reads it in the portal and acknowledges with the button; archive', async ({ browser, deps, info }) => {
  test.setTimeout(120_000)
  const vendor = await createVendor(deps)
  const partnerOrg = await createPartnerOrganisation(vendor.owner, { name: `Everyone Partner ${vendor.slug}` })
  const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partnerOrg.id })
  const title = `Quarterly review ${vendor.slug}`
  const admin = await browser.newContext()
  const partner = await browser.newContext()
  try {
    await signInOwner(deps, admin, info, vendor)
    const page = await admin.newPage()
    await page.goto(`${info.adminUrl}/announcements/new`)
    await expect(page.getByRole('toolbar', { name: 'Text: formatting' }).getByRole('button', { name: 'Bold' })).toBeEnabled()
    await page.getByLabel(/^Title/).fill(title)
    await page.getByRole('textbox', { name: /^Text/ }).click()
    await page.keyboard.type('Book your slot.')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect(page.getByText('Draft saved.')).toBeVisible()
    await expect(page.getByRole('status', { name: 'Status: Draft' })).toBeVisible()

    // Edit: the saved text is back in the editor; a schedule in the past is a field error.
    await page.getByRole('link', { name: 'Edit', exact: true }).click()
    await expect(page.getByRole('heading', { name: 'Edit announcement' })).toBeVisible()
    await expect(page.getByRole('textbox', { name: /^Text/ })).toContainText('Book your slot.')
    await page.getByRole('checkbox', { name: /confirm they have read it/ }).check()
    await page.getByLabel(/^Publish at/).fill('2020-01-01T09:00')
    await page.getByRole('button', { name: 'Schedule' }).click()
    await expect(page.getByLabel(/^Publish at/)).toHaveAttribute('aria-invalid', 'true')
    await page.getByLabel(/^Publish at/).fill(new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16))
    await page.getByRole('button', { name: 'Schedule' }).click()
    await expect(page.getByText('Scheduled. It is published automatically at the chosen time.')).toBeVisible()
    await expect(page.getByRole('status', { name: 'Status: Scheduled' })).toBeVisible()

    // Publish now from the dashboard instead.
    await page.getByRole('button', { name: 'Publish now' }).click()
    await expect(page.getByRole('status', { name: 'Status: Published' })).toBeVisible()
    await expect(page.locator('#delivery-text')).toHaveText('Delivered to 1 person.', { timeout: 30_000 })

    // Had the delivery run out of retries (as the worker's dead-letter handler records it), staff can try again;
    // the worker delivers again and nobody gets it twice.
    await withTenant(deps.db, { tenantId: vendor.tenantId }, async (trx) => {
      const { progress_id } = await trx.selectFrom('announcements').select('progress_id').where('title', '=', title).executeTakeFirstOrThrow()
      await trx.updateTable('job_progress').set({ status: 'failed', message: 'Gave up after several attempts (simulated outage).' }).where('id', '=', progress_id as string).execute()
    })
    await page.reload()
    await expect(page.locator('#delivery-text')).toContainText('Delivery failed')
    await page.getByRole('button', { name: 'Try again' }).click()
    await expect(page.locator('#delivery-text')).toHaveText('Delivered to 1 person.', { timeout: 30_000 })
    await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0)

    // The partner opens it in the portal: the badge goes, the button acknowledges.
    const sessions = createSessionManager({ db: deps.db, cookieName: 'accord_portal_session', secureCookies: false })
    const { cookie } = await sessions.create({ tenantId: vendor.tenantId, userId: rep.userId, cookiePath: `/t/${vendor.slug}` })
    const [pair] = cookie.split(';')
    const [name = '', ...value] = (pair ?? '').split('=')
    await partner.addCookies([{ name, value: value.join('='), url: `${info.portalUrl}/t/${vendor.slug}` }])
    const portal = await partner.newPage()
    await portal.goto(`${info.portalUrl}/t/${vendor.slug}/announcements`)
    const nav = portal.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: /Announcements/ })
    await expect(nav).toHaveAccessibleName('Announcements 1 unread')
    await portal.getByRole('link', { name: `Unread: ${title}` }).click()
    await expect(portal.getByRole('heading', { name: title, level: 1 })).toBeVisible()
    await expect(portal.getByText('Book your slot.')).toBeVisible()
    await expect(nav).toHaveAccessibleName('Announcements')
    await portal.getByRole('button', { name: 'I have read this' }).click()
    await expect(portal.getByText('Thank you: the partner team can see that you have read this.')).toBeVisible()
    await expectAccessible(portal, 'portal announcement page')

    await page.reload()
    await expect(page.getByTestId('acknowledged-total')).toHaveText('1')
    await expect(page.getByRole('img', { name: /^Portal: sent 1, delivered 1, opened 1, acknowledged 1$/ })).toBeVisible()

    // Archive, with confirmation: the partner no longer sees it.
    await page.getByText('Archive…').click()
    await page.getByRole('button', { name: 'Yes, archive it' }).click()
    await expect(page.getByRole('status', { name: 'Status: Archived' })).toBeVisible()
    await portal.goto(`${info.portalUrl}/t/${vendor.slug}/announcements`)
    await expect(portal.getByRole('heading', { name: 'No announcements yet' })).toBeVisible()
  } finally {
    await Promise.all([admin.close(), partner.close()])
  }
})

test('an acknowledgement link past its expiry answers 410 with a page that says so, and records nothing', async ({ browser, deps, info }) => {
  const vendor = await createVendor(deps)
  const org = await createPartnerOrganisation(vendor.owner, { name: `Late Partner ${vendor.slug}` })
  const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: org.id })
  const title = `Expiring ${vendor.slug}`
  const { announcementId } = await saveAnnouncementDraft(vendor.owner, { title, bodyHtml: '<p>Please read.</p>', channels: ['email'], ackRequired: true })
  await publishAnnouncement(vendor.owner, { announcementId })
  // The worker fans it out and delivers it to the dev mailbox.
  let html = ''
  await expect
    .poll(
      async () => {
        html = (await deps.db.selectFrom('dev_mailbox_messages').select('html').where('to_email', '=', rep.email).where('subject', '=', title).executeTakeFirst())?.html ?? ''
        return html.length > 0
      },
      { timeout: 20_000 },
    )
    .toBe(true)
  const ackUrl = /href="([^"]*\/announcements\/acknowledge\/[^"]+)"/.exec(html)?.[1] ?? ''
  expect(ackUrl).toContain('/announcements/acknowledge/')
  // Sent 91 days ago, without a due date: past the 90 days a link lives.
  await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.updateTable('announcement_receipts').set({ created_at: new Date(Date.now() - 91 * 86_400_000) }).where('announcement_id', '=', announcementId).execute())
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const response = await page.goto(ackUrl)
    expect(response?.status()).toBe(410)
    await expect(page.getByRole('heading', { name: 'This link has expired' })).toBeVisible()
    await expect(page.getByRole('link', { name: 'signing in to the portal' })).toBeVisible()
    await expectAccessible(page, 'expired acknowledgement link')
    const receipt = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.selectFrom('announcement_receipts').select('acknowledged_at').where('announcement_id', '=', announcementId).executeTakeFirstOrThrow())
    expect(receipt.acknowledged_at).toBeNull()
  } finally {
    await context.close()
  }
})

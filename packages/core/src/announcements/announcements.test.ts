import { withTenant } from '@accord/db'
import { SENT_LINK_PLACEHOLDER } from '@accord/email'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { deliverEmailBatch } from '../email/deliver-email-batch.js'
import { runEmailHousekeeping } from '../email/housekeeping.js'
import { getPortalHome } from '../portal/home.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { connectSlack, setPartnerSlackChannel } from '../slack/connection.js'
import { startFakeSlack } from '../slack/testing/fake-slack.js'
import {
  acknowledgeAnnouncementByLink,
  acknowledgeMyAnnouncement,
  followAnnouncementLink,
  getAnnouncementForStaff,
  listAnnouncementReceipts,
  listAnnouncements,
  listMyAnnouncements,
  openMyAnnouncement,
  publishAnnouncement,
  publishDueAnnouncements,
  recordAnnouncementEmailOpen,
  remindUnacknowledged,
  runAnnouncementFanout,
  sanitiseAnnouncementHtml,
  saveAnnouncementDraft,
} from './announcements.js'

let deps: TestDeps
let vendor: VendorFixture
let gold: CoreContext
let goldColleague: CoreContext
let silver: CoreContext
let goldColleagueEmail: string

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Announcing Vendor' })
  const goldPartner = await createPartnerOrganisation(vendor.owner, { name: 'Gold Reseller' })
  const silverPartner = await createPartnerOrganisation(vendor.owner, { name: 'Silver Referral', type: 'referral' })
  await deps.ownerDb.updateTable('partner_organisations').set({ tier: 'Gold' }).where('id', '=', goldPartner.id).execute()
  gold = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: goldPartner.id })).context
  const colleague = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: goldPartner.id })
  goldColleague = colleague.context
  goldColleagueEmail = colleague.email
  silver = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: silverPartner.id })).context
})
afterAll(async () => {
  await deps?.close()
})

async function fieldErrors(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  if (error instanceof AppError && error.code === 'VALIDATION') return error.fieldErrors ?? {}
  throw new Error(`expected a validation error, got ${String(error)}`)
}

describe('authoring', () => {
  it('sanitises rich text on the server: scripts, handlers and javascript: links are gone', () => {
    const clean = sanitiseAnnouncementHtml('<h2>Hi</h2><p onclick="x()">Text <a href="javascript:alert(1)">bad</a> <a href="https://ok.example">ok</a></p><script>alert(1)</script><img src=x onerror=alert(1)>')
    expect(clean).not.toMatch(/script|onclick|onerror|javascript:/)
    expect(clean).toContain('<h2>Hi</h2>')
    expect(clean).toContain('href="https://ok.example"')
  })

  it('field errors for a missing title, no channel, a past due date; nothing is stored', async () => {
    expect(await fieldErrors(saveAnnouncementDraft(vendor.owner, { title: ' ', channels: ['portal'] }))).toHaveProperty('title')
    expect(await fieldErrors(saveAnnouncementDraft(vendor.owner, { title: 'T', channels: [] }))).toHaveProperty('channels')
    expect(await fieldErrors(saveAnnouncementDraft(vendor.owner, { title: 'T', channels: ['portal'], ackRequired: true, ackDueAt: new Date(Date.now() - 1000) }))).toHaveProperty('ackDueAt')
    expect(await listAnnouncements(vendor.owner)).toHaveLength(0)
    expect(await codeOf(saveAnnouncementDraft(gold, { title: 'T', channels: ['portal'] }))).toBe('UNAUTHENTICATED')
  })
})

describe('publish to one tier, portal and e-mail, acknowledgement required', () => {
  let announcementId: string

  it('fans out to the targeted users only, one receipt and one e-mail each, even when the job runs twice', async () => {
    const draft = await saveAnnouncementDraft(vendor.owner, {
      title: 'New price list for 2027',
      bodyHtml: '<p>Prices change on <strong>1 January</strong>.</p>',
      channels: ['portal', 'email'],
      audience: { tiers: ['Gold'] },
      ackRequired: true,
      ackDueAt: new Date(Date.now() + 7 * 86_400_000),
    })
    announcementId = draft.announcementId
    expect(await publishAnnouncement(vendor.owner, { announcementId })).toMatchObject({ status: 'published' })
    const first = await runAnnouncementFanout(deps, { tenantId: vendor.tenantId, announcementId })
    const second = await runAnnouncementFanout(deps, { tenantId: vendor.tenantId, announcementId })
    expect(first).toEqual({ recipients: 2, emails: 2 })
    expect(second).toEqual({ recipients: 0, emails: 0 })
    const mails = await deps.ownerDb.selectFrom('email_outbox').select(['to_email', 'html', 'subject']).where('tenant_id', '=', vendor.tenantId).where('template', '=', 'announcement').execute()
    expect(mails).toHaveLength(2)
    expect(mails[0]?.subject).toBe('New price list for 2027')
    expect(mails.every((mail) => /announcements\/acknowledge\//.test(mail.html))).toBe(true)
    // Each copy has its own link.
    const links = mails.map((mail) => /announcements\/acknowledge\/([^"]+)"/.exec(mail.html)?.[1])
    expect(new Set(links).size).toBe(2)
    const progress = await deps.ownerDb.selectFrom('announcements as a').innerJoin('job_progress as j', 'j.id', 'a.progress_id').select(['j.status', 'j.done', 'j.total', 'a.recipients']).where('a.id', '=', announcementId).executeTakeFirstOrThrow()
    expect(progress).toEqual({ status: 'succeeded', done: 2, total: 2, recipients: 2 })
  })

  it('the targeted partner sees it unread in the feed; another partner sees nothing and cannot open it', async () => {
    const feed = await listMyAnnouncements(gold)
    expect(feed).toMatchObject({ unread: 1, toAcknowledge: 1 })
    // The portal's nav badge comes with the home data; the announcement being opened does not count.
    expect((await getPortalHome(gold)).unreadAnnouncements).toBe(1)
    expect((await getPortalHome(gold, { openingAnnouncementId: announcementId })).unreadAnnouncements).toBe(0)
    expect((await getPortalHome(silver)).unreadAnnouncements).toBe(0)
    expect(feed.announcements[0]?.title).toBe('New price list for 2027')
    expect(await listMyAnnouncements(silver)).toMatchObject({ unread: 0, announcements: [] })
    expect(await codeOf(openMyAnnouncement(silver, { announcementId }))).toBe('NOT_FOUND')
    expect(await codeOf(acknowledgeMyAnnouncement(silver, { announcementId }))).toBe('NOT_FOUND')
    const seenBySilver = await withTenant(deps.db, { tenantId: vendor.tenantId, partnerId: silver.actor.kind === 'partner' ? silver.actor.partnerId : '' }, (trx) => trx.selectFrom('announcements').select('id').execute())
    expect(seenBySilver).toEqual([])
    // The receiving partner reads it but can neither change nor delete it, even with direct queries.
    const goldScope = { tenantId: vendor.tenantId, partnerId: gold.actor.kind === 'partner' ? gold.actor.partnerId : '' }
    const updated = await withTenant(deps.db, goldScope, (trx) => trx.updateTable('announcements').set({ title: 'Changed' }).where('id', '=', announcementId).executeTakeFirst())
    expect(Number(updated.numUpdatedRows)).toBe(0)
    const deleted = await withTenant(deps.db, goldScope, (trx) => trx.deleteFrom('announcements').where('id', '=', announcementId).executeTakeFirst())
    expect(Number(deleted.numDeletedRows)).toBe(0)
  })

  it('opening in the portal counts as opened; acknowledging in the portal once', async () => {
    const opened = await openMyAnnouncement(gold, { announcementId })
    expect(opened.body_html).toContain('<strong>1 January</strong>')
    expect((await listMyAnnouncements(gold)).unread).toBe(0)
    expect(await acknowledgeMyAnnouncement(gold, { announcementId })).toMatchObject({ already: false })
    expect(await acknowledgeMyAnnouncement(gold, { announcementId })).toMatchObject({ already: true })
  })

  it('the e-mail link acknowledges without signing in; the pixel records the open; a forged link is refused', async () => {
    const mail = await deps.ownerDb.selectFrom('email_outbox').select('html').where('tenant_id', '=', vendor.tenantId).where('to_email', '=', goldColleagueEmail).executeTakeFirstOrThrow()
    const token = /announcements\/acknowledge\/([^"]+)"/.exec(mail.html)?.[1] ?? ''
    await recordAnnouncementEmailOpen(deps, { token })
    const afterOpen = await deps.ownerDb.selectFrom('announcement_receipts').select(['opened_via', 'acknowledged_at']).where('announcement_id', '=', announcementId).where('user_id', '=', goldColleague.actor.kind === 'partner' ? goldColleague.actor.userId : '').executeTakeFirstOrThrow()
    expect(afterOpen).toEqual({ opened_via: 'email', acknowledged_at: null })
    expect(await acknowledgeAnnouncementByLink(deps, { token })).toMatchObject({ title: 'New price list for 2027', already: false, ackRequired: true })
    expect(await acknowledgeAnnouncementByLink(deps, { token })).toMatchObject({ already: true })
    expect(await acknowledgeAnnouncementByLink(deps, { token: `${token.slice(0, -2)}xx` })).toBeNull()
    expect(await acknowledgeAnnouncementByLink(deps, { token: 'garbage' })).toBeNull()
    expect(await acknowledgeAnnouncementByLink(deps, { token: `${vendor.tenantId}.${'a'.repeat(24)}` })).toBeNull()
  })

  it('the dashboard shows the funnel per channel and nobody left to acknowledge; the CSV rows name everyone', async () => {
    const dashboard = await getAnnouncementForStaff(vendor.owner, { announcementId })
    expect(dashboard.totals).toEqual({ recipients: 2, opened: 2, acknowledged: 2 })
    expect(dashboard.funnel.find((row) => row.channel === 'portal')).toMatchObject({ sent: 2, delivered: 2, opened: 1, acknowledged: 1 })
    expect(dashboard.funnel.find((row) => row.channel === 'email')).toMatchObject({ sent: 2, opened: 1, acknowledged: 1 })
    expect(dashboard.notAcknowledged).toEqual([])
    const rows = await listAnnouncementReceipts(vendor.owner, { announcementId })
    expect(rows.map((row) => row.partner)).toEqual(['Gold Reseller', 'Gold Reseller'])
    const other = await createVendor(deps)
    expect(await codeOf(getAnnouncementForStaff(other.owner, { announcementId }))).toBe('NOT_FOUND')
    expect(await codeOf(listAnnouncementReceipts(other.owner, { announcementId }))).toBe('NOT_FOUND')
  })
})

describe('tracked links in the e-mail', () => {
  it('every link goes through the click redirect, which records the click and leads only where the announcement links', async () => {
    const draft = await saveAnnouncementDraft(vendor.owner, {
      title: 'Links to follow',
      bodyHtml: '<p>See <a href="https://example.com/guide?x=1&amp;y=2">the guide</a> and <a href="mailto:partners@vendor.example">write to us</a>, <a href="//evil.example/x">protocol-relative</a>, <a href="/relative">relative</a>.</p>',
      channels: ['portal', 'email'],
      audience: { partnerIds: [silver.actor.kind === 'partner' ? silver.actor.partnerId : ''] },
    })
    await publishAnnouncement(vendor.owner, { announcementId: draft.announcementId })
    await runAnnouncementFanout(deps, { tenantId: vendor.tenantId, announcementId: draft.announcementId })
    const silverUserId = silver.actor.kind === 'partner' ? silver.actor.userId : ''
    const silverEmail = (await deps.ownerDb.selectFrom('users').select('email').where('id', '=', silverUserId).executeTakeFirstOrThrow()).email
    const mail = await deps.ownerDb.selectFrom('email_outbox').select(['html', 'text']).where('tenant_id', '=', vendor.tenantId).where('to_email', '=', silverEmail).where('subject', 'like', '%Links to follow%').executeTakeFirstOrThrow()
    expect(mail.html).not.toContain('href="https://example.com/guide')
    const token = /announcements\/click\/([^/"]+)\/1"/.exec(mail.html)?.[1] ?? ''
    expect(token).not.toBe('')
    expect(mail.html).toContain(`announcements/click/${token}/0"`)
    expect(mail.html).toContain(`announcements/click/${token}/2"`)

    const receipt = () => deps.ownerDb.selectFrom('announcement_receipts').select(['opened_at', 'opened_via', 'clicked_at']).where('announcement_id', '=', draft.announcementId).where('user_id', '=', silverUserId).executeTakeFirstOrThrow()
    expect(await receipt()).toMatchObject({ opened_at: null, clicked_at: null })
    expect(await followAnnouncementLink(deps, { token, link: '1' })).toEqual({ url: 'https://example.com/guide?x=1&y=2', recorded: true })
    expect(await receipt()).toMatchObject({ opened_via: 'link', clicked_at: expect.any(Date) })
    expect(await followAnnouncementLink(deps, { token, link: '2' })).toEqual({ url: 'mailto:partners@vendor.example', recorded: true })
    // The sanitiser drops protocol-relative links; a site-relative one means this portal.
    expect(mail.html).not.toContain('evil.example')
    expect(await followAnnouncementLink(deps, { token, link: '3' })).toEqual({ url: `http://portal.test/t/${vendor.slug}/relative`, recorded: true })
    expect(await followAnnouncementLink(deps, { token, link: '4' })).toEqual({ url: `http://portal.test/t/${vendor.slug}/announcements`, recorded: false })
    expect((await followAnnouncementLink(deps, { token, link: '0' })).url).toBe(`http://portal.test/t/${vendor.slug}/announcements/${draft.announcementId}`)
    // A number the announcement does not have, or a forged token: nowhere but the portal, nothing recorded.
    expect(await followAnnouncementLink(deps, { token, link: '7' })).toEqual({ url: `http://portal.test/t/${vendor.slug}/announcements`, recorded: false })
    expect(await followAnnouncementLink(deps, { token: `${token.slice(0, -3)}xyz`, link: '1' })).toEqual({ url: `http://portal.test/t/${vendor.slug}/announcements`, recorded: false })
    expect(await followAnnouncementLink(deps, { token: 'garbage', link: '1' })).toEqual({ url: '', recorded: false })
  })
})

describe('scheduling and reminders', () => {
  it('a scheduled announcement publishes when its time comes; overdue acknowledgements get one reminder', async () => {
    const { announcementId } = await saveAnnouncementDraft(vendor.owner, { title: 'Quarterly business review', channels: ['portal'], audience: { motions: ['referral'] }, ackRequired: true, ackDueAt: new Date(Date.now() + 2 * 86_400_000) })
    const publishAt = new Date(Date.now() + 86_400_000)
    expect(await publishAnnouncement(vendor.owner, { announcementId, publishAt })).toMatchObject({ status: 'scheduled' })
    expect(await publishDueAnnouncements(deps, { tenantId: vendor.tenantId })).toEqual({ published: 0 })
    const later = { ...deps, now: () => new Date(publishAt.getTime() + 60_000) }
    expect(await publishDueAnnouncements(later, { tenantId: vendor.tenantId })).toEqual({ published: 1 })
    await runAnnouncementFanout(later, { tenantId: vendor.tenantId, announcementId })
    expect((await listMyAnnouncements(silver)).toAcknowledge).toBe(1)
    expect((await listMyAnnouncements(gold)).announcements.map((row) => row.title)).not.toContain('Quarterly business review')

    const afterDue = { ...deps, now: () => new Date(Date.now() + 3 * 86_400_000) }
    expect(await remindUnacknowledged(afterDue, { tenantId: vendor.tenantId })).toEqual({ reminded: 1 })
    expect(await remindUnacknowledged(afterDue, { tenantId: vendor.tenantId })).toEqual({ reminded: 0 })
    const reminder = await deps.ownerDb.selectFrom('email_outbox').select('subject').where('tenant_id', '=', vendor.tenantId).where('subject', 'like', 'Reminder:%').execute()
    expect(reminder).toHaveLength(1)
  })
})

describe('Slack', () => {
  it('posts once to the vendor channel and once to each receiving partner’s shared channel, however often the fan-out runs', async () => {
    const slack = await startFakeSlack()
    try {
      const other = await createVendor(deps, { companyName: 'Slack Announcer' })
      const reseller = await createPartnerOrganisation(other.owner, { name: 'Shared Channel Partner' })
      const quiet = await createPartnerOrganisation(other.owner, { name: 'Not Targeted Partner' })
      await createPartnerUser(deps, { tenantId: other.tenantId, partnerId: reseller.id })
      await createPartnerUser(deps, { tenantId: other.tenantId, partnerId: quiet.id })
      await connectSlack(other.owner, { mode: 'webhook', webhookUrl: slack.createWebhook('vendor') })
      await setPartnerSlackChannel(other.owner, { partnerId: reseller.id, webhookUrl: slack.createWebhook('reseller') })
      await setPartnerSlackChannel(other.owner, { partnerId: quiet.id, webhookUrl: slack.createWebhook('quiet') })
      const { announcementId } = await saveAnnouncementDraft(other.owner, { title: 'Webinar <Thursday> & more', bodyHtml: '<p>Join us.</p>', channels: ['portal', 'slack'], audience: { partnerIds: [reseller.id] } })
      await publishAnnouncement(other.owner, { announcementId })
      await runAnnouncementFanout(deps, { tenantId: other.tenantId, announcementId })
      await runAnnouncementFanout(deps, { tenantId: other.tenantId, announcementId })
      const queued = await deps.ownerDb.selectFrom('slack_messages').select(['partner_id', 'text']).where('tenant_id', '=', other.tenantId).where('kind', '=', 'announcement').execute()
      expect(queued.map((message) => message.partner_id).sort()).toEqual([null, reseller.id].sort())
      expect(queued[0]?.text).toContain('Webinar &lt;Thursday&gt; &amp; more')
    } finally {
      await slack.close()
    }
  })
})

describe('acknowledgement links once sent, and after they expire', () => {
  it('the stored e-mail loses the link’s token once delivered; the dev mailbox copy keeps it for a while', async () => {
    const other = await createVendor(deps, { companyName: 'Token Vendor' })
    const partner = await createPartnerOrganisation(other.owner, { name: 'Token Partner' })
    const person = await createPartnerUser(deps, { tenantId: other.tenantId, partnerId: partner.id })
    const { announcementId } = await saveAnnouncementDraft(other.owner, { title: 'Read me', bodyHtml: '<p>See <a href="https://example.com/x">this</a>.</p>', channels: ['email'], ackRequired: true })
    await publishAnnouncement(other.owner, { announcementId })
    await runAnnouncementFanout(deps, { tenantId: other.tenantId, announcementId })
    const queued = await deps.ownerDb.selectFrom('email_outbox').selectAll().where('tenant_id', '=', other.tenantId).where('to_email', '=', person.email).executeTakeFirstOrThrow()
    expect(queued).toMatchObject({ stream: 'bulk', status: 'queued' })
    const token = /announcements\/acknowledge\/([^"]+)"/.exec(queued.html)?.[1] ?? ''
    expect(queued.secrets).toEqual([token])

    expect(await deliverEmailBatch({ ...deps, transport: null }, { tenantId: other.tenantId })).toMatchObject({ sent: 1 })
    const sent = await deps.ownerDb.selectFrom('email_outbox').selectAll().where('id', '=', queued.id).executeTakeFirstOrThrow()
    // Acknowledgement, pixel and tracked-click links all carried the token: none of them is usable from the stored copy.
    expect(sent.html).not.toContain(token)
    expect(sent.text).not.toContain(token)
    expect(sent.html).toContain(`announcements/acknowledge/${SENT_LINK_PLACEHOLDER}`)
    const copy = await deps.ownerDb.selectFrom('dev_mailbox_messages').select('html').where('outbox_id', '=', queued.id).executeTakeFirstOrThrow()
    expect(copy.html).toContain(token)
    // The link itself still works for the person who got it.
    expect(await acknowledgeAnnouncementByLink(deps, { token })).toMatchObject({ already: false, expired: false })

    // Purged after the retention period, the delivery still counts on the dashboard and in the CSV.
    const old = new Date(Date.now() - 40 * 86_400_000)
    await deps.ownerDb.updateTable('email_outbox').set({ updated_at: old }).where('id', '=', queued.id).execute()
    await runEmailHousekeeping(deps, { retentionDays: 30, devMailboxLinkMinutes: 60 })
    expect(await deps.ownerDb.selectFrom('email_outbox').select('id').where('id', '=', queued.id).executeTakeFirst()).toBeUndefined()
    expect((await getAnnouncementForStaff(other.owner, { announcementId })).funnel.find((row) => row.channel === 'email')).toMatchObject({ sent: 1, delivered: 1 })
    expect((await listAnnouncementReceipts(other.owner, { announcementId }))[0]?.email_status).toBe('sent')
  })

  it('expires 30 days after the due date (or 90 days after sending): nothing is recorded, the answer says expired', async () => {
    const other = await createVendor(deps, { companyName: 'Expiry Vendor' })
    const partner = await createPartnerOrganisation(other.owner, { name: 'Late Partner' })
    const late = await createPartnerUser(deps, { tenantId: other.tenantId, partnerId: partner.id })
    const dueSoon = new Date(Date.now() + 86_400_000)
    const withDue = await saveAnnouncementDraft(other.owner, { title: 'Due soon', channels: ['email'], ackRequired: true, ackDueAt: dueSoon })
    const withoutDue = await saveAnnouncementDraft(other.owner, { title: 'No due date', channels: ['email'], ackRequired: true })
    for (const { announcementId } of [withDue, withoutDue]) {
      await publishAnnouncement(other.owner, { announcementId })
      await runAnnouncementFanout(deps, { tenantId: other.tenantId, announcementId })
    }
    const tokens = await deps.ownerDb.selectFrom('email_outbox').select(['subject', 'html']).where('tenant_id', '=', other.tenantId).where('to_email', '=', late.email).execute()
    const tokenOf = (subject: string) => /announcements\/acknowledge\/([^"]+)"/.exec(tokens.find((mail) => mail.subject === subject)?.html ?? '')?.[1] ?? ''
    const at = (days: number) => ({ ...deps, now: () => new Date(Date.now() + days * 86_400_000) })

    // Due date + 31 days: expired, and nothing is recorded.
    expect(await acknowledgeAnnouncementByLink(at(32), { token: tokenOf('Due soon') })).toMatchObject({ expired: true, acknowledgedAt: null, already: false })
    const receipt = () => deps.ownerDb.selectFrom('announcement_receipts').select('acknowledged_at').where('announcement_id', '=', withDue.announcementId).executeTakeFirstOrThrow()
    expect((await receipt()).acknowledged_at).toBeNull()
    // Due date + 29 days: still works.
    expect(await acknowledgeAnnouncementByLink(at(30), { token: tokenOf('Due soon') })).toMatchObject({ expired: false, already: false })
    expect((await receipt()).acknowledged_at).toBeInstanceOf(Date)
    // Without a due date: 90 days from sending. Once acknowledged, the link keeps saying so.
    expect(await acknowledgeAnnouncementByLink(at(89), { token: tokenOf('No due date') })).toMatchObject({ expired: false, already: false })
    expect(await acknowledgeAnnouncementByLink(at(91), { token: tokenOf('No due date') })).toMatchObject({ expired: false, already: true })

    const fresh = await saveAnnouncementDraft(other.owner, { title: 'Old news', channels: ['email'], ackRequired: true })
    await publishAnnouncement(other.owner, { announcementId: fresh.announcementId })
    await runAnnouncementFanout(deps, { tenantId: other.tenantId, announcementId: fresh.announcementId })
    const oldMail = await deps.ownerDb.selectFrom('email_outbox').select('html').where('tenant_id', '=', other.tenantId).where('subject', '=', 'Old news').executeTakeFirstOrThrow()
    const oldToken = /announcements\/acknowledge\/([^"]+)"/.exec(oldMail.html)?.[1] ?? ''
    expect(await acknowledgeAnnouncementByLink(at(91), { token: oldToken })).toMatchObject({ expired: true, acknowledgedAt: null })
    // Signing in to the portal still works after the link expired.
    const lateUser = late.context
    expect(await acknowledgeMyAnnouncement(lateUser, { announcementId: fresh.announcementId })).toMatchObject({ already: false })
  })
})

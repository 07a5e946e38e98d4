import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { publishAnnouncement, saveAnnouncementDraft } from '../announcements/announcements.js'
import { connectCrm } from '../crm/connection.js'
import { invitePartnerUser, inviteStaffMember } from '../invitations/invitations.js'
import { connectSlack, setPartnerSlackChannel } from '../slack/connection.js'
import { codeOf, linkFromOutbox } from '../testing/helpers.js'
import { createPartnerOrganisation, createVendor } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { verifyEmail } from './sign-in.js'

/**
 * Owners who signed up with an address they have not proved may not make
 * Accord write to third parties: invitations, announcements, CRM and Slack
 * connections are refused (before anything is sent) until they verify.
 */
let deps: TestDeps
beforeAll(async () => {
  deps = await createTestDeps()
})
afterAll(async () => {
  await deps.close()
})

describe('verified e-mail before relaying', () => {
  it('refuses invitations, announcements and integrations until the owner verifies, then allows them', async () => {
    const vendor = await createVendor(deps, { verified: false })
    const partner = await createPartnerOrganisation(vendor.owner)
    const draft = await saveAnnouncementDraft(vendor.owner, { title: 'Launch', bodyHtml: '<p>Hello</p>', channels: ['portal'] })
    const attempts = {
      inviteStaff: () => inviteStaffMember(vendor.owner, { email: 'victim@elsewhere.example', role: 'viewer' }),
      invitePartner: () => invitePartnerUser(vendor.owner, { partnerId: partner.id, email: 'victim2@elsewhere.example', role: 'sales' }),
      publish: () => publishAnnouncement(vendor.owner, { announcementId: draft.announcementId }),
      // Refused before any request leaves: these addresses are never contacted.
      connectCrm: () => connectCrm(vendor.owner, { credentials: { provider: 'hubspot', accessToken: 'pat-unverified', baseUrl: 'http://127.0.0.1:9/' } }),
      connectSlack: () => connectSlack(vendor.owner, { mode: 'webhook', webhookUrl: 'http://127.0.0.1:9/services/T0/B0/x' }),
      partnerChannel: () => setPartnerSlackChannel(vendor.owner, { partnerId: partner.id, webhookUrl: 'http://127.0.0.1:9/services/T0/B0/y' }),
    }
    for (const [name, attempt] of Object.entries(attempts)) {
      const error = await attempt().catch((caught: unknown) => caught)
      expect(error, name).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('Verify your e-mail address') })
    }
    expect(await deps.ownerDb.selectFrom('invitations').select('id').where('tenant_id', '=', vendor.tenantId).execute()).toEqual([])
    expect(await deps.ownerDb.selectFrom('announcements').select('status').where('id', '=', draft.announcementId).executeTakeFirstOrThrow()).toEqual({ status: 'draft' })
    expect(await deps.ownerDb.selectFrom('email_outbox').select('to_email').where('tenant_id', '=', vendor.tenantId).where('to_email', '!=', vendor.ownerEmail).execute()).toEqual([])

    await verifyEmail(deps, { token: await linkFromOutbox(deps.ownerDb, vendor.ownerEmail, '/verify-email') })
    expect(await codeOf(attempts.inviteStaff())).toBe('OK')
    expect(await codeOf(attempts.invitePartner())).toBe('OK')
    expect(await codeOf(attempts.publish())).toBe('OK')
  })
})

import { connectCrm, connectSlack, type CoreContext, publishAnnouncement, signInPartner, runAnnouncementFanout, saveAnnouncementDraft, createRegistrationImport, createRegistrationLink, invitePartnerUser, setPartnerSlackChannel, submitRegistration } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import { createFileResource, createLinkResource, publishProgrammePage, runResourceTextExtraction, saveProgrammePage } from '@accord/core'
import { makePdf } from '@accord/core/resources/testing/fixtures'
import { type FakeHubspot, startFakeHubspot } from '@accord/crm/testing/fake-hubspot'
import { type FakeSlack, startFakeSlack } from '@accord/core/slack/testing/fake-slack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter, createCaller } from './root.js'
import { appErrorOf } from './trpc.js'

/**
 * Every procedure built so far, called by tenant A's session with tenant B's
 * ids: the answer is not-found (or A's own data), never B's row. The table
 * must name every procedure, so a new one fails here until it is covered.
 */
let deps: TestDeps
let callerA: ReturnType<typeof createCaller>
let partnerCallerA: ReturnType<typeof createCaller>
// A partner admin of tenant A: the Team procedures act only for admins, so isolation is probed with one.
let partnerAdminCallerA: ReturnType<typeof createCaller>
let partnerIdOfA: string
const markersOfB: string[] = []
// Tenant B's published programme rules page: tenant A's staff and partners must never reach it.
let pageB: { pageId: string; slug: string }
// Tenant B's library: a file (with searchable text) and a link.
let resourcesOfB: { fileId: string; linkId: string }
let hubspot: FakeHubspot
let slack: FakeSlack
let b: { announcementId: string; crmRunId: string; linkId: string; tenantId: string; partnerId: string; invitationId: string; ownerId: string; slug: string; registrationId: string; importId: string; repUserId: string }

beforeAll(async () => {
  deps = await createTestDeps()
  const vendorA = await createVendor(deps, { companyName: 'Alpha Works' })
  const vendorB = await createVendor(deps, { companyName: 'Bravo Hidden Corp' })
  await createPartnerOrganisation(vendorA.owner, { name: 'Alpha Reseller' })
  const partnerA = await createPartnerOrganisation(vendorA.owner, { name: 'Alpha Referral' })
  const partnerB = await createPartnerOrganisation(vendorB.owner, { name: 'Bravo Secret Partner' })
  const invitation = await invitePartnerUser(vendorB.owner, { partnerId: partnerB.id, email: 'bravo-invitee@bravo.example', role: 'sales' })
  const repA = await createPartnerUser(deps, { tenantId: vendorA.tenantId, partnerId: partnerA.id })
  const repB = await createPartnerUser(deps, { tenantId: vendorB.tenantId, partnerId: partnerB.id })
  // B's partner has signed in (a portal_sign_ins row) and received an announcement (below): engagement data A must never see.
  await signInPartner(deps, { tenantId: vendorB.tenantId, email: repB.email, password: repB.password ?? '', ip: '10.99.0.1' })
  partnerIdOfA = partnerA.id
  const registrationB = await submitRegistration(repB.context, { fields: bravoLead })
  const importB = await createRegistrationImport(repB.context, { fileName: 'bravo-secret-file.csv', contentBase64: Buffer.from('Company,Email\nBravo Import Target,x@bravo-import.com\n').toString('base64') })
  const linkB = await createRegistrationLink(vendorB.owner, { partnerId: partnerB.id })
  hubspot = await startFakeHubspot({ accessToken: 'pat-bravo-secret-token' })
  const crmB = await connectCrm(vendorB.owner, { credentials: { provider: 'hubspot', accessToken: 'pat-bravo-secret-token', baseUrl: hubspot.url } })
  const announcementB = await saveAnnouncementDraft(vendorB.owner, { title: 'Bravo Secret Announcement', bodyHtml: '<p>Bravo secret body</p>', channels: ['portal'] })
  await publishAnnouncement(vendorB.owner, { announcementId: announcementB.announcementId })
  await runAnnouncementFanout(deps, { tenantId: vendorB.tenantId, announcementId: announcementB.announcementId })
  pageB = await saveProgrammePage(vendorB.owner, { title: 'Bravo Secret Rules Page', slug: 'bravo-secret-rules', bodyHtml: '<h2>Bravo secret rule heading</h2><p>Bravo secret rule text</p>' })
  await publishProgrammePage(vendorB.owner, { pageId: pageB.pageId })
  markersOfB.push(pageB.pageId, 'Bravo Secret Rules Page', 'bravo-secret-rules', 'Bravo secret rule heading', 'Bravo secret rule text')
  const fileOfB = await createFileResource(vendorB.owner, { title: 'Bravo Secret Battle Card', contentType: 'battle_card', industries: ['Bravo Secret Industry'] }, { bytes: makePdf(['Bravo secret pricing floor']), fileName: 'bravo-secret.pdf' })
  const fileKeyOfB = (await deps.ownerDb.selectFrom('resources').select('file_key').where('id', '=', fileOfB.resourceId).executeTakeFirstOrThrow()).file_key ?? ''
  await runResourceTextExtraction(deps, { tenantId: vendorB.tenantId, resourceId: fileOfB.resourceId, fileKey: fileKeyOfB })
  const linkOfB = await createLinkResource(vendorB.owner, { title: 'Bravo Secret Video', contentType: 'demo_script', url: 'https://bravo-secret.example/video' })
  resourcesOfB = { fileId: fileOfB.resourceId, linkId: linkOfB.resourceId }
  markersOfB.push(fileOfB.resourceId, linkOfB.resourceId, 'Bravo Secret Battle Card', 'Bravo Secret Industry', 'bravo-secret.pdf', 'Bravo secret pricing floor', 'Bravo Secret Video', 'bravo-secret.example')
  b = { announcementId: announcementB.announcementId, crmRunId: crmB.runId, linkId: linkB.linkId, tenantId: vendorB.tenantId, partnerId: partnerB.id, invitationId: invitation.invitationId, ownerId: vendorB.ownerId, slug: vendorB.slug, registrationId: registrationB.registrationId, importId: importB.importId, repUserId: repB.userId }
  markersOfB.push(announcementB.announcementId, 'Bravo Secret Announcement', 'Bravo secret body', importB.importId, 'bravo-secret-file.csv', crmB.runId, 'pat-bravo-secret-token', hubspot.url)
  slack = await startFakeSlack()
  const slackHookB = slack.createWebhook('bravo')
  const partnerHookB = slack.createWebhook('bravopartner')
  await connectSlack(vendorB.owner, { mode: 'webhook', webhookUrl: slackHookB, channelLabel: '#bravo-secret-channel', signingSecret: 'bravoSigningSecret0000000000000' })
  await setPartnerSlackChannel(vendorB.owner, { partnerId: partnerB.id, webhookUrl: partnerHookB, label: '#bravo-shared-secret' })
  markersOfB.push(slackHookB, partnerHookB, '#bravo-secret-channel', 'bravoSigningSecret0000000000000', '#bravo-shared-secret', slack.url)
  markersOfB.push(registrationB.registrationId, 'bravo-customer.com', 'Bravo Hidden Customer', vendorB.tenantId, partnerB.id, 'Bravo Hidden Corp', 'Bravo Secret Partner', 'bravo-invitee@bravo.example', vendorB.ownerEmail, repB.email, repB.userId)
  callerA = createCaller({ core: vendorA.owner, app: 'admin', portalTenantId: null })
  partnerCallerA = createCaller({ core: repA.context, app: 'portal', portalTenantId: vendorA.tenantId })
  const adminA = await createPartnerUser(deps, { tenantId: vendorA.tenantId, partnerId: partnerA.id, role: 'partner_admin' })
  partnerAdminCallerA = createCaller({ core: adminA.context, app: 'portal', portalTenantId: vendorA.tenantId })
})
afterAll(async () => {
  await hubspot?.close()
  await slack?.close()
  await deps.close()
})

const bravoLead = { companyName: 'Bravo Hidden Customer', website: 'bravo-customer.com', contactName: 'Bea Buyer', contactEmail: 'bea@bravo-customer.com', problem: 'Wants it all', consent: true }
const someFields = { ...bravoLead, companyName: 'Alpha Own Customer', website: 'alpha-own-customer.com' }

type Outcome = { ok: true; json: string } | { ok: false; code: string }
async function attempt(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, json: JSON.stringify(await call()) }
  } catch (error) {
    const appError = appErrorOf(error)
    if (!appError) throw error
    return { ok: false, code: appError.code }
  }
}

const probes: Record<string, () => Promise<unknown>> = {
  'admin.workspace.session': () => callerA.admin.workspace.session(),
  'admin.workspace.get': () => callerA.admin.workspace.get(),
  'admin.workspace.updateBranding': () => callerA.admin.workspace.updateBranding({ primaryColor: '#123456' }),
  'admin.workspace.removeLogo': () => callerA.admin.workspace.removeLogo(),
  'admin.workspace.staff': () => callerA.admin.workspace.staff(),
  'admin.workspace.changeStaffRole': () => callerA.admin.workspace.changeStaffRole({ userId: b.ownerId, role: 'viewer' }),
  'admin.workspace.auditLog': () => callerA.admin.workspace.auditLog(),
  'admin.workspace.deactivateStaff': async () => {
    expect(await attempt(() => callerA.admin.workspace.deactivateStaff({ userId: b.ownerId }))).toEqual({ ok: false, code: 'NOT_FOUND' })
    return callerA.admin.workspace.deactivateStaff({ userId: b.ownerId })
  },
  'admin.workspace.reactivateStaff': () => callerA.admin.workspace.reactivateStaff({ userId: b.ownerId }),
  'admin.partners.deactivateUser': async () => {
    expect(await attempt(() => callerA.admin.partners.deactivateUser({ userId: b.repUserId }))).toEqual({ ok: false, code: 'NOT_FOUND' })
    return callerA.admin.partners.deactivateUser({ userId: b.repUserId })
  },
  'admin.partners.reactivateUser': () => callerA.admin.partners.reactivateUser({ userId: b.repUserId }),
  'portal.team.list': () => partnerAdminCallerA.portal.team.list(),
  'portal.team.deactivate': async () => {
    expect(await attempt(() => partnerAdminCallerA.portal.team.deactivate({ userId: b.repUserId }))).toEqual({ ok: false, code: 'NOT_FOUND' })
    return partnerAdminCallerA.portal.team.deactivate({ userId: b.repUserId })
  },
  'portal.team.reactivate': () => partnerAdminCallerA.portal.team.reactivate({ userId: b.repUserId }),
  'admin.partners.list': () => callerA.admin.partners.list({ status: 'all' }),
  'admin.partners.get': () => callerA.admin.partners.get({ partnerId: b.partnerId }),
  'admin.partners.people': () => callerA.admin.partners.people({ partnerId: b.partnerId }),
  // B's partner is not found; A's own partner's engagement holds none of B's sign-ins or receipts.
  'admin.partners.engagement': async () => {
    expect(await attempt(() => callerA.admin.partners.engagement({ partnerId: b.partnerId }))).toEqual({ ok: false, code: 'NOT_FOUND' })
    const own = await callerA.admin.partners.engagement({ partnerId: partnerIdOfA, days: 365 })
    expect(own.totals).toMatchObject({ signIns: 0, announcementsReceived: 0 })
    return own
  },
  'admin.partners.create': () => callerA.admin.partners.create({ name: 'Alpha New Partner', type: 'referral' }),
  'admin.partners.update': () => callerA.admin.partners.update({ partnerId: b.partnerId, name: 'Renamed', type: 'referral' }),
  'admin.partners.archive': () => callerA.admin.partners.archive({ partnerId: b.partnerId }),
  'admin.partners.restore': () => callerA.admin.partners.restore({ partnerId: b.partnerId }),
  'admin.invitations.invitePartnerUser': () => callerA.admin.invitations.invitePartnerUser({ partnerId: b.partnerId, email: 'x@alpha.example', role: 'sales' }),
  'admin.invitations.inviteStaff': () => callerA.admin.invitations.inviteStaff({ email: 'new-staff@alpha.example', role: 'viewer' }),
  'admin.invitations.revoke': () => callerA.admin.invitations.revoke({ invitationId: b.invitationId }),
  'admin.registrations.queue': () => callerA.admin.registrations.queue({ view: 'all' }),
  'admin.registrations.get': () => callerA.admin.registrations.get({ registrationId: b.registrationId }),
  // Same customer as tenant B's registration: in tenant A it is simply clear.
  'admin.registrations.precheck': () => callerA.admin.registrations.precheck({ partnerId: b.partnerId, companyName: 'Bravo Hidden Customer' }),
  'admin.registrations.submitOnBehalf': () => callerA.admin.registrations.submitOnBehalf({ partnerId: b.partnerId, fields: someFields }),
  'admin.registrations.startReview': () => callerA.admin.registrations.startReview({ registrationId: b.registrationId }),
  'admin.registrations.approve': () => callerA.admin.registrations.approve({ registrationId: b.registrationId }),
  'admin.registrations.reject': () => callerA.admin.registrations.reject({ registrationId: b.registrationId, reason: 'Not yours to decide' }),
  'admin.registrations.requestInfo': () => callerA.admin.registrations.requestInfo({ registrationId: b.registrationId, question: 'Who are you?' }),
  'admin.registrations.close': () => callerA.admin.registrations.close({ registrationId: b.registrationId, outcome: 'lost' }),
  'admin.registrations.extend': () => callerA.admin.registrations.extend({ registrationId: b.registrationId, days: 10, reason: 'Because' }),
  'admin.registrations.bulkDecide': async () => {
    const outcome = await callerA.admin.registrations.bulkDecide({ registrationIds: [b.registrationId], action: 'reject', reason: 'Not yours to decide' })
    // Each result echoes the id the caller sent; what matters is that it was not found.
    expect(outcome.results.map((result) => ({ ok: result.ok, message: result.message }))).toEqual([{ ok: false, message: 'This registration was not found.' }])
    return outcome.results.map((result) => result.message)
  },
  'admin.registrations.imports': () => callerA.admin.registrations.imports(),
  'admin.registrations.importDetail': () => callerA.admin.registrations.importDetail({ importId: b.importId, rows: 'all' }),
  'admin.registrations.importResultCsv': () => callerA.admin.registrations.importResultCsv({ importId: b.importId }),
  'admin.registrations.createImport': () => callerA.admin.registrations.createImport({ fileName: 'a.csv', contentBase64: Buffer.from('Company\nX\n').toString('base64'), partnerId: b.partnerId }),
  'admin.registrations.startImport': () => callerA.admin.registrations.startImport({ importId: b.importId, mapping: {} }),
  'portal.registrations.imports': () => partnerCallerA.portal.registrations.imports(),
  'portal.registrations.importDetail': () => partnerCallerA.portal.registrations.importDetail({ importId: b.importId, rows: 'all' }),
  'portal.registrations.importResultCsv': () => partnerCallerA.portal.registrations.importResultCsv({ importId: b.importId }),
  'portal.registrations.createImport': () => partnerCallerA.portal.registrations.createImport({ fileName: 'a.csv', contentBase64: Buffer.from('Company\nX\n').toString('base64') }),
  'portal.registrations.startImport': () => partnerCallerA.portal.registrations.startImport({ importId: b.importId, mapping: {} }),
  'admin.pipeline.deals': () => callerA.admin.pipeline.deals({ status: 'all' }),
  'admin.pipeline.previewAsPartner': () => callerA.admin.pipeline.previewAsPartner({ partnerId: b.partnerId }),
  'admin.pipeline.moveStage': () => callerA.admin.pipeline.moveStage({ dealId: b.registrationId, stage: 'transact' }),
  'admin.pipeline.updateDeal': () => callerA.admin.pipeline.updateDeal({ dealId: b.registrationId, nextStep: 'x' }),
  'admin.pipeline.closeDeal': () => callerA.admin.pipeline.closeDeal({ dealId: b.registrationId, outcome: 'lost' }),
  'admin.pipeline.setAttribution': () => callerA.admin.pipeline.setAttribution({ dealId: b.registrationId, partners: [] }),
  // Writes tenant A's own settings only.
  'admin.pipeline.updateSafeFields': () => callerA.admin.pipeline.updateSafeFields({ fields: ['stage'] }),
  'portal.pipeline.list': () => partnerCallerA.portal.pipeline.list(),
  'admin.programme.registrationPolicy': () => callerA.admin.programme.registrationPolicy(),
  'admin.programme.updateRegistrationPolicy': () => callerA.admin.programme.updateRegistrationPolicy({ decisionSlaHours: 24, slaReminderHoursBefore: 4, protectionWindowDays: 60, expiryReminderDays: 7, extensionDays: 30, maxExtensions: 2, idleAfterDays: 30, appealWindowDays: 14, timeZone: 'Europe/Berlin', startHour: 9, endHour: 17, workingDays: [1, 2, 3, 4, 5], hierarchy: ['first_approved_wins'], establishedAfterDays: 180 }),
  // Writes tenant A's own settings only.
  'admin.programme.updateMotionStages': () => callerA.admin.programme.updateMotionStages({ motion: 'referral', label: 'Referral', stages: [{ label: 'Intro' }, { label: 'Closed' }] }),
  'admin.programme.addTerritory': () => callerA.admin.programme.addTerritory({ region: 'Nowhere', partnerId: b.partnerId }),
  'admin.programme.removeTerritory': () => callerA.admin.programme.removeTerritory({ territoryId: b.partnerId }),
  'admin.programme.addApprovalRoute': () => callerA.admin.programme.addApprovalRoute({ approverUserId: b.ownerId }),
  'admin.programme.removeApprovalRoute': () => callerA.admin.programme.removeApprovalRoute({ routeId: b.partnerId }),
  // Creates or blocks an account in tenant A only.
  'admin.programme.blockAccount': () => callerA.admin.programme.blockAccount({ website: 'blocked-in-a.com', name: 'Blocked in A', reason: 'Direct only' }),
  'admin.programme.unblockAccount': () => callerA.admin.programme.unblockAccount({ accountId: b.partnerId }),
  'admin.partners.registrationLink': () => callerA.admin.partners.registrationLink({ partnerId: b.partnerId }),
  'admin.partners.createRegistrationLink': () => callerA.admin.partners.createRegistrationLink({ partnerId: b.partnerId }),
  'admin.partners.revokeRegistrationLink': () => callerA.admin.partners.revokeRegistrationLink({ linkId: b.linkId }),
  'portal.registrations.link': () => partnerCallerA.portal.registrations.link(),
  // Partner A's user is a sales rep: only partner admins manage the link.
  'portal.registrations.createLink': async () => {
    await expect(partnerCallerA.portal.registrations.createLink()).rejects.toThrow(/partner admin/)
    return null
  },
  'portal.registrations.revokeLink': () => partnerCallerA.portal.registrations.revokeLink({ linkId: b.linkId }),
  'public.registrationLink': () => callerA.public.registrationLink({ token: `${b.tenantId}.not-a-real-secret-not-a-real-secret-000000` }),
  'portal.home': () => partnerCallerA.portal.home(),
  'portal.registrations.list': () => partnerCallerA.portal.registrations.list({ view: 'all' }),
  'portal.registrations.get': () => partnerCallerA.portal.registrations.get({ registrationId: b.registrationId }),
  'portal.registrations.precheck': async () => {
    const result = await partnerCallerA.portal.registrations.precheck({ companyName: 'Bravo Hidden Customer', website: 'bravo-customer.com' })
    expect(result.verdict).toBe('clear')
    return result
  },
  'portal.registrations.submit': () => partnerCallerA.portal.registrations.submit({ fields: someFields }),
  'portal.registrations.answerInfo': () => partnerCallerA.portal.registrations.answerInfo({ registrationId: b.registrationId, answer: 'Hello there' }),
  'portal.registrations.logNextStep': () => partnerCallerA.portal.registrations.logNextStep({ registrationId: b.registrationId, nextStep: 'Meet them' }),
  'portal.registrations.requestExtension': () => partnerCallerA.portal.registrations.requestExtension({ registrationId: b.registrationId, note: 'More time please' }),
  'portal.registrations.appeal': () => partnerCallerA.portal.registrations.appeal({ registrationId: b.registrationId, evidence: 'We met them first, on 2026-11-01 in Berlin.' }),
  // Tenant A has no CRM connected; tenant B has HubSpot. A sees the built-in CRM and nothing of B's connection.
  'admin.crm.settings': async () => {
    const settings = await callerA.admin.crm.settings()
    expect(settings.provider).toBe('builtin')
    return settings
  },
  'admin.crm.connect': () => callerA.admin.crm.connect({ credentials: { provider: 'hubspot', accessToken: 'pat-wrong-for-alpha', baseUrl: hubspot.url } }),
  'admin.crm.testConnection': () => callerA.admin.crm.testConnection(),
  'admin.crm.disconnect': () => callerA.admin.crm.disconnect(),
  'admin.crm.updateMapping': () => callerA.admin.crm.updateMapping({ attributionMode: 'partner_object' }),
  'admin.crm.stages': () => callerA.admin.crm.stages(),
  'admin.crm.preview': () => callerA.admin.crm.preview({ limit: 5 }),
  'admin.crm.syncNow': () => callerA.admin.crm.syncNow(),
  'admin.crm.retryFailures': () => callerA.admin.crm.retryFailures({ registrationIds: [b.registrationId] }),
  'admin.crm.run': () => callerA.admin.crm.run({ runId: b.crmRunId }),
  // Tenant A has no Slack; tenant B has a webhook, a signing secret and a partner channel. A sees none of it.
  'admin.slack.settings': async () => {
    const settings = await callerA.admin.slack.settings()
    expect(settings.connection).toBeNull()
    return settings
  },
  'admin.slack.connect': () => callerA.admin.slack.connect({ mode: 'webhook', webhookUrl: `${slack.url}/services/T0/B0/not-a-hook` }),
  'admin.slack.test': () => callerA.admin.slack.test(),
  'admin.slack.disconnect': () => callerA.admin.slack.disconnect(),
  'admin.slack.setPartnerChannel': () => callerA.admin.slack.setPartnerChannel({ partnerId: b.partnerId, webhookUrl: slack.createWebhook('alpha') }),
  'admin.slack.removePartnerChannel': () => callerA.admin.slack.removePartnerChannel({ partnerId: b.partnerId }),
  'admin.announcements.list': () => callerA.admin.announcements.list(),
  'admin.announcements.get': () => callerA.admin.announcements.get({ announcementId: b.announcementId }),
  'admin.announcements.receipts': () => callerA.admin.announcements.receipts({ announcementId: b.announcementId }),
  'admin.announcements.save': () => callerA.admin.announcements.save({ announcementId: b.announcementId, title: 'Hijacked', channels: ['portal'] }),
  'admin.announcements.publish': () => callerA.admin.announcements.publish({ announcementId: b.announcementId }),
  'admin.announcements.archive': () => callerA.admin.announcements.archive({ announcementId: b.announcementId }),
  'admin.announcements.retryFanout': async () => {
    expect(await attempt(() => callerA.admin.announcements.retryFanout({ announcementId: b.announcementId }))).toEqual({ ok: false, code: 'NOT_FOUND' })
    return callerA.admin.announcements.retryFanout({ announcementId: b.announcementId })
  },
  'portal.announcements.feed': () => partnerCallerA.portal.announcements.feed(),
  'portal.announcements.open': () => partnerCallerA.portal.announcements.open({ announcementId: b.announcementId }),
  'portal.announcements.acknowledge': () => partnerCallerA.portal.announcements.acknowledge({ announcementId: b.announcementId }),
  'admin.programmePages.list': () => callerA.admin.programmePages.list(),
  'admin.programmePages.get': () => callerA.admin.programmePages.get({ pageId: pageB.pageId }),
  'admin.programmePages.save': () => callerA.admin.programmePages.save({ pageId: pageB.pageId, title: 'Hijacked', slug: 'bravo-secret-rules' }),
  'admin.programmePages.publish': () => callerA.admin.programmePages.publish({ pageId: pageB.pageId }),
  'admin.programmePages.unpublish': () => callerA.admin.programmePages.unpublish({ pageId: pageB.pageId }),
  'admin.programmePages.move': () => callerA.admin.programmePages.move({ pageId: pageB.pageId, direction: 'up' }),
  'admin.programmePages.delete': () => callerA.admin.programmePages.delete({ pageId: pageB.pageId }),
  // Drafts tenant A's own template pages; B's existing pages neither block nor appear.
  'admin.programmePages.createFromTemplates': async () => {
    const result = await callerA.admin.programmePages.createFromTemplates()
    expect(result.skipped).toEqual([])
    return result
  },
  'portal.programmePages.list': () => partnerCallerA.portal.programmePages.list(),
  'portal.programmePages.open': () => partnerCallerA.portal.programmePages.open({ slug: pageB.slug }),
  'admin.resources.list': () => callerA.admin.resources.list({ q: 'Bravo' }),
  'admin.resources.get': () => callerA.admin.resources.get({ resourceId: resourcesOfB.fileId }),
  'admin.resources.tagSuggestions': () => callerA.admin.resources.tagSuggestions(),
  'admin.resources.createLink': () => callerA.admin.resources.createLink({ title: 'Alpha own link', contentType: 'case_study', url: 'https://alpha.example/case' }),
  'admin.resources.update': () => callerA.admin.resources.update({ resourceId: resourcesOfB.linkId, title: 'Hijacked', contentType: 'case_study', url: 'https://evil.example' }),
  'admin.resources.setArchived': () => callerA.admin.resources.setArchived({ resourceId: resourcesOfB.fileId, archived: true }),
  'admin.resources.delete': () => callerA.admin.resources.delete({ resourceId: resourcesOfB.fileId }),
  // Words that are only in B's file and titles find nothing in A's portal.
  'portal.resources.search': () => partnerCallerA.portal.resources.search({ q: 'bravo secret pricing floor' }),
  'portal.resources.view': () => partnerCallerA.portal.resources.view({ resourceId: resourcesOfB.fileId }),
  'portal.resources.openLink': () => partnerCallerA.portal.resources.openLink({ resourceId: resourcesOfB.linkId }),
  'public.slugAvailability': () => callerA.public.slugAvailability({ slug: 'some-free-slug' }),
  'public.suggestSlug': () => callerA.public.suggestSlug({ companyName: 'Alpha' }),
  // Public by design: a portal's branding is what its login page shows anyone.
  'public.tenant': () => callerA.public.tenant({ slug: 'no-such-tenant' }),
}

describe('tenant isolation through every procedure', () => {
  it('covers every procedure of the router', () => {
    expect(Object.keys(appRouter._def.procedures).sort()).toEqual(Object.keys(probes).sort())
  })

  it.each(Object.keys(probes))('%s never returns tenant B’s data', async (path) => {
    const probe = probes[path]
    if (!probe) throw new Error(`no probe for ${path}`)
    const outcome = await attempt(probe)
    if (outcome.ok) {
      for (const marker of markersOfB) expect(outcome.json).not.toContain(marker)
    } else {
      // Refusals that reveal nothing about tenant B.
      expect(['NOT_FOUND', 'VALIDATION', 'FORBIDDEN', 'TOKEN_INVALID']).toContain(outcome.code)
    }
  })

  it("left tenant B's partner untouched", async () => {
    const row = await deps.ownerDb.selectFrom('partner_organisations').select(['name', 'status']).where('id', '=', b.partnerId).executeTakeFirstOrThrow()
    expect(row).toEqual({ name: 'Bravo Secret Partner', status: 'active' })
    const peopleOfB = await deps.ownerDb.selectFrom('users').select(['id', 'status']).where('tenant_id', '=', b.tenantId).where('id', 'in', [b.ownerId, b.repUserId]).execute()
    expect(peopleOfB.map((person) => person.status)).toEqual(['active', 'active'])
    const registration = await deps.ownerDb.selectFrom('registrations').select(['status', 'partner_id']).where('id', '=', b.registrationId).executeTakeFirstOrThrow()
    expect(registration).toEqual({ status: 'submitted', partner_id: b.partnerId })
    const events = await deps.ownerDb.selectFrom('registration_events').select('type').where('registration_id', '=', b.registrationId).execute()
    expect(events.map((event) => event.type)).toEqual(['submitted'])
    const crmOfB = await deps.ownerDb.selectFrom('crm_connections').select(['status', 'attribution_mode']).where('tenant_id', '=', b.tenantId).executeTakeFirstOrThrow()
    expect(crmOfB).toEqual({ status: 'connected', attribution_mode: 'deal_property' })
    const slackOfB = await deps.ownerDb.selectFrom('slack_connections').select(['status', 'channel_label']).where('tenant_id', '=', b.tenantId).executeTakeFirstOrThrow()
    expect(slackOfB).toEqual({ status: 'connected', channel_label: '#bravo-secret-channel' })
    const partnerChannelOfB = await deps.ownerDb.selectFrom('partner_slack_channels').select(['label']).where('tenant_id', '=', b.tenantId).execute()
    expect(partnerChannelOfB).toEqual([{ label: '#bravo-shared-secret' }])
    const accountsOfB = await deps.ownerDb.selectFrom('accounts').select(['blocked']).where('tenant_id', '=', b.tenantId).where('domain', '=', 'bravo-customer.com').execute()
    expect(accountsOfB).toEqual([{ blocked: false }])
    const pagesOfB = await deps.ownerDb.selectFrom('programme_pages').select(['title', 'status']).where('tenant_id', '=', b.tenantId).execute()
    expect(pagesOfB).toEqual([{ title: 'Bravo Secret Rules Page', status: 'published' }])
    const resourcesRowsOfB = await deps.ownerDb.selectFrom('resources').select(['title', 'status']).where('tenant_id', '=', b.tenantId).orderBy('title').execute()
    expect(resourcesRowsOfB).toEqual([
      { title: 'Bravo Secret Battle Card', status: 'published' },
      { title: 'Bravo Secret Video', status: 'published' },
    ])
  })
})

/**
 * The string boundary on every procedure: each probe above runs again with a
 * NUL appended to every string of its input. No procedure may answer
 * INTERNAL_SERVER_ERROR (NUL used to reach Postgres and end as a 500); one
 * with text in its input answers a field error, except where the procedure
 * strips (search boxes, rich-text bodies).
 */
describe('control characters in every procedure’s input', () => {
  type Call = { path: string; hadText: boolean; code: string }
  const calls: Call[] = []
  const withNul = (value: unknown): { value: unknown; hadText: boolean } => {
    if (typeof value === 'string') return { value: `${value}\u0000`, hadText: true }
    if (Array.isArray(value)) {
      const items = value.map(withNul)
      return { value: items.map((item) => item.value), hadText: items.some((item) => item.hadText) }
    }
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const entries = Object.entries(value).map(([key, item]) => [key, withNul(item)] as const)
      return { value: Object.fromEntries(entries.map(([key, item]) => [key, item.value])), hadText: entries.some(([, item]) => item.hadText) }
    }
    return { value, hadText: false }
  }
  // A caller whose procedures get the NUL-ed input and report how they answered.
  const nulCaller = (caller: unknown, path: string[] = []): unknown =>
    new Proxy(() => undefined, {
      get: (_target, property) => (typeof property === 'string' && property !== 'then' ? nulCaller(caller, [...path, property]) : undefined),
      apply: async (_target, _this, args: unknown[]) => {
        const procedure = path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (...input: unknown[]) => Promise<unknown>
        const input = withNul(args[0])
        try {
          const result = await procedure(input.value)
          calls.push({ path: path.join('.'), hadText: input.hadText, code: 'OK' })
          return result
        } catch (error) {
          calls.push({ path: path.join('.'), hadText: input.hadText, code: appErrorOf(error)?.code ?? 'UNMAPPED' })
          throw error
        }
      },
    })

  it('no procedure answers a 500, and text with a NUL is a field error (or stripped where the procedure says so)', async () => {
    const [admin, partner] = [callerA, partnerCallerA]
    callerA = nulCaller(admin) as typeof callerA
    partnerCallerA = nulCaller(partner) as typeof partnerCallerA
    try {
      for (const probe of Object.values(probes)) await probe().catch(() => undefined)
    } finally {
      callerA = admin
      partnerCallerA = partner
    }
    expect(calls.filter((call) => call.code === 'INTERNAL' || call.code === 'UNMAPPED')).toEqual([])
    const strips = new Set(Object.entries(appRouter._def.procedures).filter(([, procedure]) => ((procedure as unknown as { _def: { meta?: { stripControlCharacters?: string[] } } })._def.meta?.stripControlCharacters ?? []).length > 0).map(([path]) => path))
    expect([...strips].sort()).toEqual(['admin.announcements.save', 'admin.partners.list', 'admin.programmePages.save', 'admin.registrations.queue', 'admin.resources.list', 'portal.registrations.list', 'portal.resources.search'])
    const accepted = calls.filter((call) => call.hadText && !strips.has(call.path) && call.code !== 'VALIDATION')
    expect(accepted).toEqual([])
    // Every procedure called with text in its input took part.
    expect(new Set(calls.filter((call) => call.hadText).map((call) => call.path)).size).toBeGreaterThan(60)
  })

  it('says which field, in the words the forms show', async () => {
    try {
      await callerA.admin.registrations.reject({ registrationId: b.registrationId, reason: 'Nope\u0000' })
      throw new Error('expected a refusal')
    } catch (error) {
      expect(appErrorOf(error)?.fieldErrors).toEqual({ reason: ['This field contains invisible control characters.'] })
    }
    const listed = await partnerCallerA.portal.registrations.list({ search: 'Bravo\u0000' })
    expect(listed).toEqual([])
  })
})

describe('role checks in the tRPC middleware', () => {
  it('refuses by role before core runs, and refuses the wrong app or session kind', async () => {
    const vendor = await createVendor(deps)
    const viewer = await createStaffUser(deps, { tenantId: vendor.tenantId, role: 'viewer' })
    const viewerCaller = createCaller({ core: viewer.context, app: 'admin', portalTenantId: null })
    expect(await attempt(() => viewerCaller.admin.partners.list())).toMatchObject({ ok: true })
    expect(await attempt(() => viewerCaller.admin.partners.create({ name: 'Nope', type: 'referral' }))).toEqual({ ok: false, code: 'FORBIDDEN' })
    expect(await attempt(() => viewerCaller.admin.workspace.updateBranding({ primaryColor: '#000000' }))).toEqual({ ok: false, code: 'FORBIDDEN' })
    expect(await attempt(() => viewerCaller.admin.invitations.inviteStaff({ email: 'a@b.example', role: 'admin' }))).toEqual({ ok: false, code: 'FORBIDDEN' })

    const anonymous: CoreContext = { ...deps, actor: { kind: 'anonymous' } }
    const anonymousCaller = createCaller({ core: anonymous, app: 'admin', portalTenantId: null })
    expect(await attempt(() => anonymousCaller.admin.partners.list())).toEqual({ ok: false, code: 'UNAUTHENTICATED' })

    // A staff session is no good on the portal, and a partner session only on its own tenant's portal.
    const staffOnPortal = createCaller({ core: viewer.context, app: 'portal', portalTenantId: vendor.tenantId })
    expect(await attempt(() => staffOnPortal.portal.home())).toEqual({ ok: false, code: 'UNAUTHENTICATED' })
    const partner = await createPartnerOrganisation(vendor.owner)
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const otherVendor = await createVendor(deps)
    const repOnOtherPortal = createCaller({ core: rep.context, app: 'portal', portalTenantId: otherVendor.tenantId })
    expect(await attempt(() => repOnOtherPortal.portal.home())).toEqual({ ok: false, code: 'UNAUTHENTICATED' })
    const repOnAdmin = createCaller({ core: rep.context, app: 'admin', portalTenantId: null })
    expect(await attempt(() => repOnAdmin.admin.partners.list())).toEqual({ ok: false, code: 'UNAUTHENTICATED' })
  })

  it('maps validation errors to field errors', async () => {
    const vendor = await createVendor(deps)
    const caller = createCaller({ core: vendor.owner, app: 'admin', portalTenantId: null })
    const outcome = await attempt(() => caller.admin.partners.create({ name: '', type: 'nonsense' }))
    expect(outcome).toEqual({ ok: false, code: 'VALIDATION' })
    try {
      await caller.admin.partners.create({ name: '', type: 'nonsense' })
    } catch (error) {
      expect(appErrorOf(error)?.fieldErrors).toMatchObject({ name: expect.any(Array), type: ['Choose the kind of partner.'] })
    }
  })
})

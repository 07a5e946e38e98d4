import { archiveAnnouncement, createRegistrationLink, publishAnnouncement, revokeRegistrationLink, runAnnouncementFanout, saveAnnouncementDraft } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import type { ActionFunctionArgs, AppLoadContext, LoaderFunctionArgs } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { portalPages, signedInPages } from '../../portal-routes'
import { isFormAction } from '~/server/form-boundary.server'
import { provideRuntimeDeps } from '~/server/runtime.server'
import { startPartnerSession } from '~/server/session.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { action as acknowledgeAction, loader as acknowledgeLoader } from './announcement-acknowledge'
import { loader as clickLoader } from './announcement-click'
import { action as publicAction, loader as publicLoader } from './public-registration'
import { action as registrationAction } from './registration'
import { loader as precheckLoader } from './registration-precheck'

/**
 * Links that do not work, at the route level: a public registration link
 * that was revoked, replaced or never existed, and forged, changed or
 * withdrawn announcement links, answer 404/410 with a page (GET and POST,
 * link scanners included) instead of a 500 or a silent redirect. Every
 * page's action goes through the form boundary: a control character in
 * any field is a 400 with a message under the field. The conflict
 * pre-check answers 429 with a message after 60 checks a minute.
 */
let deps: TestDeps
let vendor: VendorFixture
let slug: string
let partnerId: string
let rep: Awaited<ReturnType<typeof createPartnerUser>>
let cookie: string
let activeToken: string
let revokedToken: string
let ackToken: string
let withdrawnToken: string

const context = (): AppLoadContext => ({ clientIp: '127.0.0.1' })
const base = () => `http://portal.test/t/${slug}`
const SCANNER = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'

const get = (path: string, params: Record<string, string>, init: RequestInit = {}): LoaderFunctionArgs => ({
  request: new Request(`${base()}${path}`, { headers: { 'user-agent': BROWSER, cookie }, ...init }),
  context: context(),
  params: { tenantSlug: slug, ...params },
})
const post = (path: string, body: FormData, params: Record<string, string>): ActionFunctionArgs => ({
  request: new Request(`${base()}${path}`, { method: 'POST', body, headers: { 'user-agent': BROWSER, cookie } }),
  context: context(),
  params: { tenantSlug: slug, ...params },
})

async function settle(promise: Promise<unknown>): Promise<Response> {
  try {
    const value = await promise
    if (value instanceof Response) return value
    throw new Error(`expected a Response, got ${JSON.stringify(value)}`)
  } catch (error) {
    if (error instanceof Response) return error
    throw error
  }
}

function form(entries: Record<string, string>): FormData {
  const body = new FormData()
  for (const [name, value] of Object.entries(entries)) body.set(name, value)
  return body
}

const tokenOf = (url: string) => decodeURIComponent(url.slice(url.lastIndexOf('/') + 1))

async function announcementToken(title: string, email: string): Promise<string> {
  const saved = await saveAnnouncementDraft(vendor.owner, { title, bodyHtml: '<p>Read me.</p>', channels: ['portal', 'email'], ackRequired: true })
  await publishAnnouncement(vendor.owner, { announcementId: saved.announcementId })
  await runAnnouncementFanout(deps, { tenantId: vendor.tenantId, announcementId: saved.announcementId })
  const mail = await deps.ownerDb.selectFrom('email_outbox').select('html').where('tenant_id', '=', vendor.tenantId).where('to_email', '=', email).where('subject', 'like', `%${title}%`).executeTakeFirstOrThrow()
  const token = /announcements\/acknowledge\/([^"]+)"/.exec(mail.html)?.[1] ?? ''
  if (!token) throw new Error('no acknowledgement link')
  return decodeURIComponent(token)
}

beforeAll(async () => {
  deps = await createTestDeps()
  provideRuntimeDeps({ ...deps, close: deps.close })
  vendor = await createVendor(deps, { companyName: 'Links Vendor' })
  slug = vendor.slug
  partnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Links Partner', emailDomains: ['links-partner.example'] })).id
  rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, email: 'rep@links-partner.example' })
  const request = new Request(`${base()}/login`)
  const headers = await startPartnerSession(request, { tenant: await requirePortalTenant(request), userId: rep.userId, clientIp: null })
  cookie = (headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const first = await createRegistrationLink(vendor.owner, { partnerId })
  revokedToken = tokenOf(first.url)
  // A new link replaces the first one.
  const second = await createRegistrationLink(vendor.owner, { partnerId })
  activeToken = tokenOf(second.url)
  ackToken = await announcementToken('Links price list', rep.email)
  withdrawnToken = await announcementToken('Links old terms', rep.email)
  const withdrawn = await deps.ownerDb.selectFrom('announcements').select('id').where('tenant_id', '=', vendor.tenantId).where('title', '=', 'Links old terms').executeTakeFirstOrThrow()
  await archiveAnnouncement(vendor.owner, { announcementId: withdrawn.id })
})

afterAll(async () => {
  await deps?.close()
})

describe('a public registration link that does not work', () => {
  const submission = (extra: Record<string, string> = {}) =>
    form({ submitterName: 'Sam Seller', submitterEmail: 'sam@links-partner.example', companyName: 'Link Customer', website: 'link-customer.com', contactName: 'Jane', contactEmail: 'jane@link-customer.com', problem: 'Needs a partner.', consent: 'on', ...extra })

  it('GET: replaced 410, unknown or another vendor’s 404, both with the page', async () => {
    const replaced = await settle(publicLoader(get(`/r/${revokedToken}`, { token: revokedToken })))
    expect(replaced.status).toBe(410)
    expect(await replaced.json()).toMatchObject({ problem: expect.stringMatching(/replaced or switched off/), partnerName: null })
    const unknown = `${vendor.tenantId}.${'x'.repeat(40)}`
    expect((await settle(publicLoader(get(`/r/${unknown}`, { token: unknown })))).status).toBe(404)
    expect((await settle(publicLoader(get('/r/garbage', { token: 'garbage' })))).status).toBe(404)
    expect((await settle(publicLoader(get(`/r/${activeToken}`, { token: activeToken })))).status).toBe(200)
  })

  it('POST to a replaced, revoked or unknown link: "This link does not work" with 410/404, never a 500', async () => {
    const replaced = await settle(publicAction(post(`/r/${revokedToken}`, submission(), { token: revokedToken })))
    expect(replaced.status).toBe(410)
    expect(await replaced.json()).toMatchObject({ ok: false, code: 'LINK_NOT_WORKING', formError: expect.stringMatching(/replaced or switched off/) })
    const unknown = `${vendor.tenantId}.${'y'.repeat(40)}`
    const missing = await settle(publicAction(post(`/r/${unknown}`, submission(), { token: unknown })))
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ ok: false, code: 'LINK_NOT_WORKING' })
    const other = await settle(publicAction(post('/r/garbage', submission(), { token: 'garbage' })))
    expect(other.status).toBe(404)

    // Revoked outright (no replacement) answers the same way.
    const extra = await createRegistrationLink(vendor.owner, { partnerId })
    const extraToken = tokenOf(extra.url)
    await revokeRegistrationLink(vendor.owner, { linkId: extra.linkId })
    expect((await settle(publicAction(post(`/r/${extraToken}`, submission(), { token: extraToken })))).status).toBe(410)
    activeToken = tokenOf((await createRegistrationLink(vendor.owner, { partnerId })).url)
  })

  it('a NUL in a field of a working link is a field message (400), and nothing is registered', async () => {
    const refused = await settle(publicAction(post(`/r/${activeToken}`, submission({ companyName: 'Link\u0000Customer' }), { token: activeToken })))
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ ok: false, code: 'VALIDATION', fieldErrors: { companyName: ['This field contains invisible control characters.'] }, values: { companyName: 'LinkCustomer' } })
    expect(await deps.ownerDb.selectFrom('registrations').select('id').where('tenant_id', '=', vendor.tenantId).where('company_name', 'like', 'Link%').execute()).toEqual([])
    const accepted = await publicAction(post(`/r/${activeToken}`, submission(), { token: activeToken }))
    expect(accepted).toMatchObject({ ok: true, caseReference: expect.stringMatching(/^R-/) })
  })
})

describe('announcement links that do not work', () => {
  const forged = () => `${ackToken.slice(0, -4)}zzzz`

  it('acknowledgement: forged, foreign or garbage 404 and withdrawn 410, for people, scanners, HEAD and POST', async () => {
    for (const token of [forged(), `00000000-0000-4000-8000-000000000000.${'a'.repeat(30)}`, 'garbage', `${vendor.tenantId}.${'-'.repeat(30)}`, `${'-'.repeat(36)}.${'a'.repeat(30)}`]) {
      expect((await settle(acknowledgeLoader(get(`/announcements/acknowledge/${token}`, { token })))).status, token).toBe(404)
      expect((await settle(acknowledgeLoader(get(`/announcements/acknowledge/${token}`, { token }, { headers: { 'user-agent': SCANNER } })))).status, token).toBe(404)
      expect((await settle(acknowledgeLoader(get(`/announcements/acknowledge/${token}`, { token }, { method: 'HEAD' })))).status, token).toBe(404)
      expect((await settle(acknowledgeAction(post(`/announcements/acknowledge/${token}`, new FormData(), { token })))).status, token).toBe(404)
    }
    const withdrawn = await settle(acknowledgeLoader(get(`/announcements/acknowledge/${withdrawnToken}`, { token: withdrawnToken })))
    expect(withdrawn.status).toBe(410)
    expect(await withdrawn.json()).toEqual({ state: 'withdrawn' })
    expect((await settle(acknowledgeLoader(get('/x', { token: withdrawnToken }, { headers: { 'user-agent': SCANNER } })))).status).toBe(410)
    // A working link: scanners get the button (nothing recorded), people acknowledge.
    const scanned = await settle(acknowledgeLoader(get('/x', { token: ackToken }, { headers: { 'user-agent': SCANNER } })))
    expect([scanned.status, await scanned.json()]).toEqual([200, { state: 'confirm' }])
    const done = await settle(acknowledgeLoader(get('/x', { token: ackToken })))
    expect([done.status, (await done.json()).state]).toEqual([200, 'done'])
  })

  it('tracked links: forged 404 and withdrawn 410 with a page instead of a redirect; working links redirect', async () => {
    for (const [token, link] of [[forged(), '0'], ['garbage', '0'], [ackToken, '99'], [ackToken, 'x']] as const) {
      const answer = await settle(clickLoader(get(`/announcements/click/${token}/${link}`, { token, link })))
      expect(answer.status, `${token} ${link}`).toBe(404)
      expect(await answer.json()).toEqual({ state: 'unknown' })
    }
    expect((await settle(clickLoader(get('/x', { token: withdrawnToken, link: '0' })))).status).toBe(410)
    const followed = await settle(clickLoader(get('/x', { token: ackToken, link: '0' })))
    expect(followed.status).toBe(302)
    expect(followed.headers.get('location')).toMatch(new RegExp(`/t/${slug}/announcements/[0-9a-f-]{36}$`))
  })
})

describe('the form boundary', () => {
  it('every page action is wrapped in it', async () => {
    const modules = [...portalPages, ...signedInPages].map((page) => page.file.replace(/^pages\//, './').replace(/\.tsx?$/, ''))
    // The tRPC endpoint takes JSON, not forms: its boundary is the tRPC middleware on every procedure.
    const ownBoundary = new Set(['./trpc'])
    const unwrapped: string[] = []
    for (const path of modules.filter((candidate) => !ownBoundary.has(candidate))) {
      const module = (await import(/* @vite-ignore */ path)) as { action?: unknown }
      if (module.action && !isFormAction(module.action)) unwrapped.push(path)
    }
    expect(unwrapped).toEqual([])
  })

  it('a control character answers 400 with the message under that field, before the action runs', async () => {
    const answer = await settle(registrationAction(post('/registrations/x', form({ intent: 'answer', answer: 'The CFO\u0007' }), { registrationId: '00000000-0000-4000-8000-000000000000' })))
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({
      ok: false,
      code: 'VALIDATION',
      formError: expect.stringMatching(/invisible control characters/),
      fieldErrors: { answer: ['This field contains invisible control characters.'] },
      values: { intent: 'answer', answer: 'The CFO' },
    })
  })
})

describe('the conflict pre-check', () => {
  it('answers 60 checks a minute per person, then 429 with a message the form shows', async () => {
    const check = (n: number) => precheckLoader(get(`/registrations/precheck?companyName=Limit+Prospect+${n}`, {}))
    for (let n = 0; n < 60; n++) expect((await settle(check(n))).status).toBe(200)
    const limited = await settle(check(60))
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await limited.json()).toMatchObject({ ready: false, verdict: null, limited: true, message: expect.stringMatching(/pauses for a moment/) })
  })
})

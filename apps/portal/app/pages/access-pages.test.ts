import { requestMagicLink } from '@accord/core'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '@accord/core/testing/factories'
import { linkFromOutbox } from '@accord/core/testing/helpers'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import type { ActionFunctionArgs, AppLoadContext, LoaderFunctionArgs } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requirePartner } from '~/server/guard.server'
import { provideRuntimeDeps } from '~/server/runtime.server'
import { startPartnerSession } from '~/server/session.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { action as loginAction } from './login'
import { action as magicAction, loader as magicLoader } from './magic'
import { action as teamAction, loader as teamLoader } from './team'

/**
 * The portal's access pages against a real database: a magic link is used
 * only by the confirming POST, the sign-in form answers alike for every
 * failed password, and the Team page's deactivation ends a colleague's open
 * session on their very next request.
 */
let deps: TestDeps
let vendor: VendorFixture
let slug: string
let partnerId: string

const context = (): AppLoadContext => ({ clientIp: '127.0.0.1' })
const base = () => `http://portal.test/t/${slug}`

async function signIn(userId: string): Promise<string> {
  const request = new Request(`${base()}/login`)
  const tenant = await requirePortalTenant(request)
  const headers = await startPartnerSession(request, { tenant, userId, clientIp: null })
  return (headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}

async function outcome(promise: Promise<unknown>): Promise<Response> {
  try {
    const result = await promise
    if (result instanceof Response) return result
    throw new Error('expected a Response')
  } catch (error) {
    if (error instanceof Response) return error
    throw error
  }
}

const get = (path: string, params: Record<string, string> = {}, cookie?: string): LoaderFunctionArgs => ({
  request: new Request(`${base()}${path}`, { headers: cookie ? { cookie } : {} }),
  context: context(),
  params: { tenantSlug: slug, ...params },
})

const post = (path: string, fields: Record<string, string>, params: Record<string, string> = {}, cookie?: string): ActionFunctionArgs => {
  const body = new FormData()
  for (const [name, value] of Object.entries(fields)) body.set(name, value)
  return { request: new Request(`${base()}${path}`, { method: 'POST', body, headers: cookie ? { cookie } : {} }), context: context(), params: { tenantSlug: slug, ...params } }
}

beforeAll(async () => {
  deps = await createTestDeps()
  provideRuntimeDeps({ ...deps, close: deps.close })
  vendor = await createVendor(deps, { companyName: 'Access Page Vendor' })
  slug = vendor.slug
  partnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Access Page Partner' })).id
})

afterAll(async () => {
  await deps?.close()
})

describe('magic link page', () => {
  it('opening the link shows whose account it is and uses nothing; only the POST signs in', async () => {
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, password: null })
    await requestMagicLink(deps, { tenantId: vendor.tenantId, email: rep.email, ip: null })
    const token = await linkFromOutbox(deps.ownerDb, rep.email, '/magic')

    for (let visit = 0; visit < 2; visit++) {
      const opened = await outcome(magicLoader(get(`/magic/${token}`, { token })))
      expect(opened.status).toBe(200)
      expect(opened.headers.get('set-cookie')).toBeNull()
      expect(await opened.json()).toEqual({ state: 'confirm', email: rep.email, signedInAs: null })
    }

    const confirmed = await outcome(magicAction(post(`/magic/${token}`, {}, { token })))
    expect(confirmed.status).toBe(302)
    expect(confirmed.headers.get('location')).toBe(`/t/${slug}`)
    const cookie = (confirmed.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const signedIn = await requirePartner(new Request(`${base()}/`, { headers: { cookie } }), context())
    expect(signedIn.session.user.id).toBe(rep.userId)

    const reused = await outcome(magicLoader(get(`/magic/${token}`, { token })))
    expect(reused.status).toBe(410)
    expect(await reused.json()).toMatchObject({ state: 'failed', code: 'TOKEN_USED' })
  })

  it('warns when the browser is signed in as someone else, and only the POST switches accounts', async () => {
    const colleague = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId })
    const sender = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId })
    const colleagueCookie = await signIn(colleague.userId)
    // The sender requests a link to their own account and passes it on.
    await requestMagicLink(deps, { tenantId: vendor.tenantId, email: sender.email, ip: null })
    const token = await linkFromOutbox(deps.ownerDb, sender.email, '/magic')

    const opened = await outcome(magicLoader(get(`/magic/${token}`, { token }, colleagueCookie)))
    expect(await opened.json()).toEqual({ state: 'confirm', email: sender.email, signedInAs: colleague.email })
    // Still the colleague: nothing changed by opening the link.
    expect((await requirePartner(new Request(`${base()}/`, { headers: { cookie: colleagueCookie } }), context())).session.user.id).toBe(colleague.userId)
  })
})

describe('sign-in form', () => {
  it('answers alike for a wrong password, an unknown address and an account without a password', async () => {
    const withPassword = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId })
    const passwordless = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, password: null })
    const bodies = []
    for (const email of [withPassword.email, passwordless.email, `nobody-${slug}@nowhere.example`]) {
      const response = await outcome(loginAction(post('/login', { intent: 'password', email, password: 'a wrong password' })))
      expect(response.status).toBe(400)
      const body = (await response.json()) as { values: Record<string, string> }
      bodies.push({ ...body, values: { ...body.values, email: '' } })
    }
    expect(bodies[1]).toEqual(bodies[0])
    expect(bodies[2]).toEqual(bodies[0])
  })
})

describe('Team page', () => {
  it('a partner admin deactivates a colleague, whose open session is signed out on the next request', async () => {
    const admin = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, role: 'partner_admin', name: 'Ada Admin' })
    const leaver = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, role: 'sales', name: 'Lee Leaver' })
    const adminCookie = await signIn(admin.userId)
    const leaverCookie = await signIn(leaver.userId)
    expect((await requirePartner(new Request(`${base()}/registrations`, { headers: { cookie: leaverCookie } }), context())).session.user.id).toBe(leaver.userId)

    const page = (await (await outcome(teamLoader(get('/team', {}, adminCookie)))).json()) as { canManage: boolean; people: Array<{ id: string; canDeactivate: boolean }> }
    expect(page.canManage).toBe(true)
    expect(page.people.find((person) => person.id === leaver.userId)?.canDeactivate).toBe(true)

    const done = await outcome(teamAction(post('/team', { intent: 'deactivate', userId: leaver.userId }, {}, adminCookie)))
    expect(await done.json()).toEqual({ ok: true, message: 'Lee Leaver is deactivated and signed out of the portal.' })

    // The cookie the leaver's browser still holds now leads to the sign-in page.
    const afterwards = await outcome(requirePartner(new Request(`${base()}/registrations`, { headers: { cookie: leaverCookie } }), context()))
    expect(afterwards.status).toBe(302)
    expect(afterwards.headers.get('location')).toBe(`/t/${slug}/login?redirectTo=${encodeURIComponent(`/t/${slug}/registrations`)}`)

    const again = await outcome(teamAction(post('/team', { intent: 'reactivate', userId: leaver.userId }, {}, adminCookie)))
    expect(await again.json()).toEqual({ ok: true, message: 'Lee Leaver can sign in again.' })
  })

  it('sales reps see the list without buttons, and the server refuses them anyway', async () => {
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, role: 'sales' })
    const colleague = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, role: 'sales' })
    const repCookie = await signIn(rep.userId)
    const page = (await (await outcome(teamLoader(get('/team', {}, repCookie)))).json()) as { canManage: boolean; people: Array<{ id: string; canDeactivate: boolean }> }
    expect(page.canManage).toBe(false)
    expect(page.people.every((person) => !person.canDeactivate)).toBe(true)
    const refused = await outcome(teamAction(post('/team', { intent: 'deactivate', userId: colleague.userId }, {}, repCookie)))
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ ok: false, message: expect.stringContaining('partner admin') })
    const status = await deps.ownerDb.selectFrom('users').select('status').where('id', '=', colleague.userId).executeTakeFirstOrThrow()
    expect(status.status).toBe('active')
  })
})

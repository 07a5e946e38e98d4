import { createSessionManager } from '@accord/auth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPartnerOrganisation, createPartnerUser, createVendor } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'

/**
 * Sessions (packages/auth) against the real database: besides the sliding
 * expiry a session has an absolute lifetime counted from sign-in, per kind
 * of user, checked with the manager's clock.
 */
let deps: TestDeps
beforeAll(async () => {
  deps = await createTestDeps()
})
afterAll(async () => {
  await deps.close()
})

const DAY = 86_400_000

describe('absolute session lifetime', () => {
  it('refuses and deletes a session older than the lifetime of its kind, however recently it was used', async () => {
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner)
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const signedInAt = new Date()
    let clock = signedInAt.getTime()
    const sessions = createSessionManager({ db: deps.db, cookieName: 'probe', secureCookies: false, maxAgeDays: { staff: 30, partner: 7 }, now: () => new Date(clock) })
    const staffSession = await sessions.create({ tenantId: vendor.tenantId, userId: vendor.ownerId })
    const partnerSession = await sessions.create({ tenantId: vendor.tenantId, userId: rep.userId })
    const stored = await deps.ownerDb.selectFrom('sessions').select('created_at').where('id', '=', staffSession.sessionId).executeTakeFirstOrThrow()
    expect(stored.created_at.getTime()).toBe(signedInAt.getTime())

    clock = signedInAt.getTime() + 6 * DAY
    expect(await sessions.validate(staffSession.sessionId)).not.toBeNull()
    expect(await sessions.validate(partnerSession.sessionId)).not.toBeNull()

    clock = signedInAt.getTime() + 7 * DAY + 1000
    expect(await sessions.validate(partnerSession.sessionId)).toBeNull()
    expect(await sessions.validate(staffSession.sessionId)).not.toBeNull()
    expect(await deps.ownerDb.selectFrom('sessions').select('id').where('id', '=', partnerSession.sessionId).execute()).toEqual([])

    clock = signedInAt.getTime() + 30 * DAY
    expect(await sessions.validate(staffSession.sessionId)).toBeNull()
  })

  it('defaults to 30 days for both kinds (SESSION_MAX_AGE_DAYS_STAFF / _PARTNER)', async () => {
    const vendor = await createVendor(deps)
    let clock = Date.now()
    const start = clock
    const sessions = createSessionManager({ db: deps.db, cookieName: 'probe', secureCookies: false, now: () => new Date(clock) })
    const { sessionId } = await sessions.create({ tenantId: vendor.tenantId, userId: vendor.ownerId })
    clock = start + 29 * DAY
    expect(await sessions.validate(sessionId)).not.toBeNull()
    clock = start + 30 * DAY + 1
    expect(await sessions.validate(sessionId)).toBeNull()
  })
})

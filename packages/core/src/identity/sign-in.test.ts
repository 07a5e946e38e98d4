import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeOf, linkFromOutbox as linkOf } from '../testing/helpers.js'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { requestMagicLink, requestPasswordReset, resetPassword, signInPartner, signInStaff, signInWithMagicLink, verifyEmail } from './sign-in.js'

let deps: TestDeps
let vendor: VendorFixture
let otherVendor: VendorFixture
beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { verified: false })
  otherVendor = await createVendor(deps)
})
afterAll(async () => {
  await deps.close()
})

const linkFromOutbox = (to: string, pathPart: string) => linkOf(deps.ownerDb, to, pathPart)

describe('staff sign-in', () => {
  it('signs in with workspace, e-mail and password; wrong password and unknown workspace are field errors', async () => {
    const ok = await signInStaff(deps, { workspace: vendor.slug.toUpperCase(), email: vendor.ownerEmail, password: vendor.ownerPassword, ip: '10.0.0.1' })
    expect(ok).toEqual({ tenantId: vendor.tenantId, userId: vendor.ownerId, kind: 'staff' })
    await expect(signInStaff(deps, { workspace: vendor.slug, email: vendor.ownerEmail, password: 'wrong password!', ip: '10.0.0.1' })).rejects.toMatchObject({
      code: 'VALIDATION',
      fieldErrors: { password: ['That e-mail and password do not match an account in this workspace.'] },
    })
    await expect(signInStaff(deps, { workspace: 'no-such-workspace', email: vendor.ownerEmail, password: 'whatever', ip: '10.0.0.1' })).rejects.toMatchObject({ fieldErrors: { workspace: expect.any(Array) } })
    // The same person's credentials do not open another workspace.
    await expect(signInStaff(deps, { workspace: otherVendor.slug, email: vendor.ownerEmail, password: vendor.ownerPassword, ip: '10.0.0.1' })).rejects.toMatchObject({ code: 'VALIDATION' })
  })

  it('rate-limits repeated attempts on one account', async () => {
    const target = await createVendor(deps)
    const attempts: string[] = []
    for (let attempt = 0; attempt < 10; attempt++) {
      attempts.push(await codeOf(signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: 'wrong password!', ip: `10.1.0.${attempt}` })))
    }
    expect(attempts.slice(0, 8).every((code) => code === 'VALIDATION')).toBe(true)
    expect(attempts.slice(8)).toEqual(['RATE_LIMITED', 'RATE_LIMITED'])
    // Even the right password waits out the window.
    expect(await codeOf(signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: '10.1.1.1' }))).toBe('RATE_LIMITED')
  })
})

describe('e-mail verification', () => {
  it('verifies once; reuse, tampering and garbage are told apart', async () => {
    const token = await linkFromOutbox(vendor.ownerEmail, '/verify-email')
    await verifyEmail(deps, { token })
    const owner = await deps.ownerDb.selectFrom('users').select('email_verified_at').where('id', '=', vendor.ownerId).executeTakeFirstOrThrow()
    expect(owner.email_verified_at).not.toBeNull()
    expect(await codeOf(verifyEmail(deps, { token }))).toBe('TOKEN_USED')
    const tampered = `${token.slice(0, -3)}${token.endsWith('aaa') ? 'bbb' : 'aaa'}`
    expect(await codeOf(verifyEmail(deps, { token: tampered }))).toBe('TOKEN_INVALID')
    expect(await codeOf(verifyEmail(deps, { token: 'nonsense' }))).toBe('TOKEN_INVALID')
    expect(await codeOf(verifyEmail(deps, { token: `${otherVendor.tenantId}.${token.split('.')[1]}` }))).toBe('TOKEN_INVALID')
  })
})

describe('password reset', () => {
  it('resets by e-mailed link, ends sessions, and the link works once', async () => {
    const target = await createVendor(deps)
    await requestPasswordReset(deps, { tenantId: target.tenantId, kind: 'staff', email: target.ownerEmail })
    // Unknown accounts get the same silent success.
    await requestPasswordReset(deps, { tenantId: target.tenantId, kind: 'staff', email: 'nobody@nowhere.example' })
    const token = await linkFromOutbox(target.ownerEmail, '/reset-password')
    const signedIn = await resetPassword(deps, { token, password: 'a brand new passphrase' })
    expect(signedIn.userId).toBe(target.ownerId)
    expect(await codeOf(resetPassword(deps, { token, password: 'another new passphrase' }))).toBe('TOKEN_USED')
    await expect(signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: 'a brand new passphrase', ip: null })).resolves.toMatchObject({ userId: target.ownerId })
  })

  it('a partner signed in by a reset is recorded as a portal sign-in (password_reset) and counts for engagement; a staff reset records none', async () => {
    const { getPartnerEngagement } = await import('../partners/engagement.js')
    const target = await createVendor(deps)
    const partner = await createPartnerOrganisation(target.owner)
    const rep = await createPartnerUser(deps, { tenantId: target.tenantId, partnerId: partner.id })
    const signInsOf = (tenantId: string) => deps.ownerDb.selectFrom('portal_sign_ins').select(['user_id', 'partner_id', 'method']).where('tenant_id', '=', tenantId).execute()

    await requestPasswordReset(deps, { tenantId: target.tenantId, kind: 'partner', email: rep.email })
    const token = await linkFromOutbox(rep.email, '/reset-password')
    await expect(resetPassword(deps, { token, password: 'a brand new passphrase', expectedTenantId: target.tenantId })).resolves.toEqual({ tenantId: target.tenantId, userId: rep.userId, kind: 'partner' })
    expect(await signInsOf(target.tenantId)).toEqual([{ user_id: rep.userId, partner_id: partner.id, method: 'password_reset' }])
    // A refused reset (link already used) records nothing more.
    expect(await codeOf(resetPassword(deps, { token, password: 'another new passphrase' }))).toBe('TOKEN_USED')
    expect(await signInsOf(target.tenantId)).toHaveLength(1)
    const user = await deps.ownerDb.selectFrom('users').select('last_login_at').where('id', '=', rep.userId).executeTakeFirstOrThrow()
    expect(user.last_login_at).not.toBeNull()
    const engagement = await getPartnerEngagement(target.owner, { partnerId: partner.id })
    expect(engagement.totals).toMatchObject({ signIns: 1, usersSignedIn: 1 })

    await requestPasswordReset(deps, { tenantId: target.tenantId, kind: 'staff', email: target.ownerEmail })
    await resetPassword(deps, { token: await linkFromOutbox(target.ownerEmail, '/reset-password'), password: 'a staff passphrase' })
    expect(await signInsOf(target.tenantId)).toHaveLength(1)
  })

  it('refuses an expired link', async () => {
    const target = await createVendor(deps)
    const past = { ...deps, now: () => new Date(Date.now() - 2 * 3600_000) }
    await requestPasswordReset(past, { tenantId: target.tenantId, kind: 'staff', email: target.ownerEmail })
    const token = await linkFromOutbox(target.ownerEmail, '/reset-password')
    expect(await codeOf(resetPassword(deps, { token, password: 'a brand new passphrase' }))).toBe('TOKEN_EXPIRED')
  })
})

describe('partner sign-in', () => {
  it('magic link: works without a password, only on its own tenant, once', async () => {
    const partner = await createPartnerOrganisation(vendor.owner)
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, password: null })
    await requestMagicLink(deps, { tenantId: vendor.tenantId, email: rep.email.toUpperCase(), ip: null })
    const token = await linkFromOutbox(rep.email, '/magic')
    expect(await codeOf(signInWithMagicLink(deps, { tenantId: otherVendor.tenantId, token }))).toBe('TOKEN_INVALID')
    await expect(signInWithMagicLink(deps, { tenantId: vendor.tenantId, token })).resolves.toEqual({ tenantId: vendor.tenantId, userId: rep.userId, kind: 'partner' })
    expect(await codeOf(signInWithMagicLink(deps, { tenantId: vendor.tenantId, token }))).toBe('TOKEN_USED')
    // A password attempt on a passwordless account explains the magic-link way.
    await expect(signInPartner(deps, { tenantId: vendor.tenantId, email: rep.email, password: 'anything at all', ip: null })).rejects.toMatchObject({ fieldErrors: { password: [expect.stringContaining('sign-in link')] } })
  })

  it('password sign-in is refused once the partner organisation is archived', async () => {
    const { setPartnerArchived } = await import('../partners/partners.js')
    const partner = await createPartnerOrganisation(vendor.owner)
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    await expect(signInPartner(deps, { tenantId: vendor.tenantId, email: rep.email, password: rep.password ?? '', ip: null })).resolves.toMatchObject({ userId: rep.userId })
    const { createSessionManager } = await import('@accord/auth')
    const sessions = createSessionManager({ db: deps.db, cookieName: 'probe', secureCookies: false })
    const { sessionId } = await sessions.create({ tenantId: vendor.tenantId, userId: rep.userId })
    await requestPasswordReset(deps, { tenantId: vendor.tenantId, kind: 'partner', email: rep.email })
    const token = await linkFromOutbox(rep.email, '/reset-password')
    await setPartnerArchived(vendor.owner, { partnerId: partner.id, archived: true })
    expect(await codeOf(signInPartner(deps, { tenantId: vendor.tenantId, email: rep.email, password: rep.password ?? '', ip: null }))).toBe('FORBIDDEN')
    // Nor through a reset link issued before, nor a new one, nor a session that survived.
    expect(await codeOf(resetPassword(deps, { token, password: 'a brand new passphrase' }))).toBe('FORBIDDEN')
    const outboxBefore = await deps.ownerDb.selectFrom('email_outbox').select('id').where('to_email', '=', rep.email).execute()
    await requestPasswordReset(deps, { tenantId: vendor.tenantId, kind: 'partner', email: rep.email })
    const outboxAfter = await deps.ownerDb.selectFrom('email_outbox').select('id').where('to_email', '=', rep.email).execute()
    expect(outboxAfter).toHaveLength(outboxBefore.length)
    expect(await sessions.validate(sessionId)).toBeNull()
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeOf, linkFromOutbox as linkOf } from '../testing/helpers.js'
import { createPartnerOrganisation, createPartnerUser, createStaffUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import type { AppError } from '../errors.js'
import { deactivateStaffMember } from './access.js'
import { describeMagicLink, requestMagicLink, requestPasswordReset, resetPassword, signInPartner, signInStaff, signInWithMagicLink, verifyEmail } from './sign-in.js'

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

  it('a deactivated account gets the wrong-password message unless the password is right', async () => {
    const target = await createVendor(deps)
    const colleague = await createStaffUser(deps, { tenantId: target.tenantId, role: 'partner_manager' })
    await deactivateStaffMember(target.owner, { userId: colleague.userId })
    await expect(signInStaff(deps, { workspace: target.slug, email: colleague.email, password: 'not the password', ip: null })).rejects.toMatchObject({
      code: 'VALIDATION',
      fieldErrors: { password: ['That e-mail and password do not match an account in this workspace.'] },
    })
    await expect(signInStaff(deps, { workspace: target.slug, email: colleague.email, password: colleague.password, ip: null })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'This account has been deactivated; ask your administrator.',
    })
  })
})

/** Failures from a fresh, unique address each time, so only the account's counter matters. */
let addressCounter = 0
const freshIp = () => `10.${200 + (addressCounter % 50)}.${Math.floor(addressCounter / 250) % 250}.${addressCounter++ % 250}`
const at = (base: Date, seconds: number) => ({ ...deps, now: () => new Date(base.getTime() + seconds * 1000) })

describe('progressive lockout', () => {
  it('locks an account after 5 failures in 15 minutes, whatever the address; even the right password waits', async () => {
    const target = await createVendor(deps)
    const start = new Date()
    const codes: string[] = []
    for (let attempt = 0; attempt < 5; attempt++) {
      codes.push(await codeOf(signInStaff(at(start, attempt), { workspace: target.slug, email: target.ownerEmail, password: 'wrong password!', ip: freshIp() })))
    }
    expect(codes).toEqual(['VALIDATION', 'VALIDATION', 'VALIDATION', 'VALIDATION', 'VALIDATION'])
    const locked = await signInStaff(at(start, 10), { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: freshIp() }).catch((error: unknown) => error)
    expect(locked).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('for this account') })
    expect((locked as AppError).retryAfterSeconds).toBeGreaterThan(0)
    expect((locked as AppError).retryAfterSeconds).toBeLessThanOrEqual(60)
    // After the minute, the right password works (and resets the count).
    await expect(signInStaff(at(start, 70), { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: freshIp() })).resolves.toMatchObject({ userId: target.ownerId })
  })

  it('doubles the lock on each further failure, up to an hour', async () => {
    const target = await createVendor(deps)
    const start = new Date()
    let clock = 0
    const fail = () => codeOf(signInStaff(at(start, clock), { workspace: target.slug, email: target.ownerEmail, password: 'wrong password!', ip: freshIp() }))
    const retryAfter = async () => {
      const error = await signInStaff(at(start, clock), { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: freshIp() }).catch((caught: unknown) => caught)
      return (error as AppError).code === 'RATE_LIMITED' ? ((error as AppError).retryAfterSeconds ?? 0) : 0
    }
    for (let attempt = 0; attempt < 5; attempt++) expect(await fail()).toBe('VALIDATION')
    const locks: number[] = [await retryAfter()]
    for (let round = 0; round < 7; round++) {
      clock += locks.at(-1) ?? 0
      // The lock has passed: one more failure locks again, twice as long.
      expect(await fail()).toBe('VALIDATION')
      locks.push(await retryAfter())
    }
    expect(locks).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600])
  })

  it('a correct password is never charged and resets the account’s count', async () => {
    const target = await createVendor(deps)
    const start = new Date()
    for (let round = 0; round < 3; round++) {
      for (let attempt = 0; attempt < 4; attempt++) {
        expect(await codeOf(signInStaff(at(start, round * 10 + attempt), { workspace: target.slug, email: target.ownerEmail, password: 'wrong password!', ip: freshIp() }))).toBe('VALIDATION')
      }
      expect(await codeOf(signInStaff(at(start, round * 10 + 5), { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: freshIp() }))).toBe('OK')
    }
  })

  it('forgets failures older than the window', async () => {
    const target = await createVendor(deps)
    const start = new Date()
    for (let attempt = 0; attempt < 4; attempt++) {
      expect(await codeOf(signInStaff(at(start, attempt), { workspace: target.slug, email: target.ownerEmail, password: 'wrong password!', ip: freshIp() }))).toBe('VALIDATION')
    }
    // Sixteen minutes later the earlier four no longer count.
    for (let attempt = 0; attempt < 4; attempt++) {
      expect(await codeOf(signInStaff(at(start, 16 * 60 + attempt), { workspace: target.slug, email: target.ownerEmail, password: 'wrong password!', ip: freshIp() }))).toBe('VALIDATION')
    }
    expect(await codeOf(signInStaff(at(start, 16 * 60 + 10), { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: freshIp() }))).toBe('OK')
  })

  it('a locked account’s owner still gets in by a reset link or a sign-in link, which end the lock', async () => {
    const target = await createVendor(deps)
    for (let attempt = 0; attempt < 5; attempt++) await codeOf(signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: 'wrong password!', ip: freshIp() }))
    expect(await codeOf(signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: freshIp() }))).toBe('RATE_LIMITED')
    await requestPasswordReset(deps, { tenantId: target.tenantId, kind: 'staff', email: target.ownerEmail })
    await resetPassword(deps, { token: await linkFromOutbox(target.ownerEmail, '/reset-password'), password: 'a brand new passphrase' })
    expect(await codeOf(signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: 'a brand new passphrase', ip: freshIp() }))).toBe('OK')

    const partner = await createPartnerOrganisation(target.owner)
    const rep = await createPartnerUser(deps, { tenantId: target.tenantId, partnerId: partner.id })
    for (let attempt = 0; attempt < 5; attempt++) await codeOf(signInPartner(deps, { tenantId: target.tenantId, email: rep.email, password: 'wrong password!', ip: freshIp() }))
    expect(await codeOf(signInPartner(deps, { tenantId: target.tenantId, email: rep.email, password: rep.password ?? '', ip: freshIp() }))).toBe('RATE_LIMITED')
    await requestMagicLink(deps, { tenantId: target.tenantId, email: rep.email, ip: null })
    await signInWithMagicLink(deps, { tenantId: target.tenantId, token: await linkFromOutbox(rep.email, '/magic') })
    expect(await codeOf(signInPartner(deps, { tenantId: target.tenantId, email: rep.email, password: rep.password ?? '', ip: freshIp() }))).toBe('OK')
  })

  it('locks an address that fails across many accounts, but not the accounts from elsewhere, and never a shared “unknown” address', async () => {
    const target = await createVendor(deps)
    const sprayer = `10.250.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`
    const codes: string[] = []
    // Fifty different (mostly non-existent) accounts, one failure each: no account reaches its threshold.
    for (let attempt = 0; attempt < 50; attempt++) {
      codes.push(await codeOf(signInStaff(deps, { workspace: target.slug, email: `guess-${attempt}@${target.slug}.example`, password: 'Winter2026!', ip: sprayer })))
    }
    expect(new Set(codes)).toEqual(new Set(['VALIDATION']))
    const blocked = await signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: sprayer }).catch((error: unknown) => error)
    expect(blocked).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('from your network') })
    // The same address written IPv4-mapped is the same client.
    expect(await codeOf(signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: `::ffff:${sprayer}` }))).toBe('RATE_LIMITED')
    // Everyone else, and the owner from their own address, are unaffected.
    expect(await codeOf(signInStaff(deps, { workspace: target.slug, email: target.ownerEmail, password: target.ownerPassword, ip: freshIp() }))).toBe('OK')
    // Requests without a known address share no bucket: fifty failures there lock no one else.
    const other = await createVendor(deps)
    for (let attempt = 0; attempt < 50; attempt++) await codeOf(signInStaff(deps, { workspace: other.slug, email: `nobody-${attempt}@x.example`, password: 'Winter2026!', ip: null }))
    expect(await codeOf(signInStaff(deps, { workspace: other.slug, email: other.ownerEmail, password: other.ownerPassword, ip: null }))).toBe('OK')
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
  })

  it('answers a wrong password, an unknown address and an account without a password with the same message', async () => {
    const partner = await createPartnerOrganisation(vendor.owner)
    const withPassword = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    const passwordless = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, password: null })
    const answers = await Promise.all(
      [
        { email: withPassword.email, password: 'not the password' },
        { email: passwordless.email, password: 'anything at all' },
        { email: `nobody-${vendor.slug}@nowhere.example`, password: 'anything at all' },
      ].map((attempt) => signInPartner(deps, { tenantId: vendor.tenantId, ...attempt, ip: null }).catch((error: unknown) => error as AppError)),
    )
    const shapes = answers.map((error) => ({ code: (error as AppError).code, message: (error as AppError).message, fieldErrors: (error as AppError).fieldErrors }))
    expect(shapes[0]).toEqual(shapes[1])
    expect(shapes[1]).toEqual(shapes[2])
    expect(shapes[0]?.fieldErrors?.password?.[0]).toContain('do not match')
  })

  it('opening a magic link only describes it; the confirming use consumes it', async () => {
    const partner = await createPartnerOrganisation(vendor.owner)
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, password: null })
    await requestMagicLink(deps, { tenantId: vendor.tenantId, email: rep.email, ip: null })
    const token = await linkFromOutbox(rep.email, '/magic')
    await expect(describeMagicLink(deps, { tenantId: vendor.tenantId, token })).resolves.toEqual({ email: rep.email })
    await expect(describeMagicLink(deps, { tenantId: vendor.tenantId, token })).resolves.toEqual({ email: rep.email })
    expect(await codeOf(describeMagicLink(deps, { tenantId: otherVendor.tenantId, token }))).toBe('TOKEN_INVALID')
    await signInWithMagicLink(deps, { tenantId: vendor.tenantId, token })
    expect(await codeOf(describeMagicLink(deps, { tenantId: vendor.tenantId, token }))).toBe('TOKEN_USED')
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

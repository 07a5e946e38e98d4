import { createHash } from 'node:crypto'
import { hashPassword, verifyPassword } from '@accord/auth'
import { type TenantTransaction, withTenant } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { enqueueEmail } from '../email/index.js'
import { AppError } from '../errors.js'
import { clearLockout, clientAddressKey, consumeRateLimit, lockoutRemaining, recordLockoutFailure, signInLockouts } from '../security/rate-limit.js'
import { brandOf } from '../tenants/brand.js'
import { findTenantBySlug } from '../tenants/lookup.js'
import { emailAddress, newPassword, parseInput } from '../validation.js'
import { DEACTIVATED_MESSAGE } from './access.js'
import { consumeToken, inspectToken, issueToken } from './one-time-tokens.js'
import { type PortalSignInMethod, recordPortalSignIn } from './portal-sign-ins.js'

export const MAGIC_LINK_MINUTES = 15
export const PASSWORD_RESET_MINUTES = 60
/**
 * One message for every failed password sign-in: unknown e-mail, wrong
 * password, no password set (portal accounts may sign in by link only) and a
 * deactivated account. Only a correct password earns a more specific answer.
 */
const BAD_CREDENTIALS = {
  staff: 'That e-mail and password do not match an account in this workspace.',
  partner: 'That e-mail and password do not match an account on this partner portal. No password yet? Use “E-mail me a sign-in link”.',
}
const ARCHIVED_PARTNER_MESSAGE = 'This account is disabled. Contact your partner manager.'

export interface SignedInUser {
  tenantId: string
  userId: string
  kind: 'staff' | 'partner'
}

export const staffSignInInput = z.object({
  workspace: z.string({ required_error: 'Enter your workspace address.' }).trim().toLowerCase().min(1, 'Enter your workspace address.').max(63),
  email: emailAddress,
  password: z.string({ required_error: 'Enter your password.' }).min(1, 'Enter your password.').max(200),
})

/** Lockout key of one account: hashed, so the global table holds no e-mail addresses. */
function accountLockKey(tenantId: string, kind: 'staff' | 'partner', email: string): string {
  return `account:${createHash('sha256').update(`${tenantId}:${kind}:${email}`).digest('hex')}`
}

function lockedOut(seconds: number, scope: 'account' | 'address'): AppError {
  const minutes = Math.ceil(seconds / 60)
  const wait = `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}`
  const message =
    scope === 'account'
      ? `Too many failed sign-ins for this account. ${wait}, or sign in with a password reset or sign-in link instead.`
      : `Too many failed sign-ins from your network. ${wait}.`
  return new AppError('RATE_LIMITED', message, { retryAfterSeconds: seconds })
}

/**
 * Password sign-in with progressive lockout, keyed by the account and by the
 * client's address (never a shared "unknown" bucket). Locks are checked
 * before the password; only a failed check is charged, so a correct
 * password costs nothing and resets the account's count. Unknown accounts
 * are charged like real ones, so the lockout reveals nothing either.
 */
async function signInWithPassword(deps: Pick<CoreDeps, 'db' | 'now'>, input: { tenantId: string; kind: 'staff' | 'partner'; email: string; password: string; ip: string | null }): Promise<SignedInUser> {
  const accountKey = accountLockKey(input.tenantId, input.kind, input.email)
  const address = clientAddressKey(input.ip)
  const addressKey = address ? `address:${address}` : null
  if (addressKey) {
    const remaining = await lockoutRemaining(deps.db, addressKey, deps.now())
    if (remaining > 0) throw lockedOut(remaining, 'address')
  }
  const accountRemaining = await lockoutRemaining(deps.db, accountKey, deps.now())
  if (accountRemaining > 0) throw lockedOut(accountRemaining, 'account')

  const user = await withTenant(deps.db, { tenantId: input.tenantId }, (trx) =>
    trx
      .selectFrom('users as u')
      .leftJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.id', 'u.password_hash', 'u.status', 'u.partner_id', 'p.status as partner_status'])
      .where('u.kind', '=', input.kind)
      .where('u.email', '=', input.email)
      .executeTakeFirst(),
  )
  const passwordMatches = await verifyPassword(input.password, user?.password_hash)
  if (!user || !passwordMatches) {
    await recordLockoutFailure(deps.db, accountKey, signInLockouts.perAccount, deps.now())
    if (addressKey) await recordLockoutFailure(deps.db, addressKey, signInLockouts.perAddress, deps.now())
    throw AppError.validation({ password: [BAD_CREDENTIALS[input.kind]] }, BAD_CREDENTIALS[input.kind])
  }
  // The right password: now, and only now, the account's state may be told.
  if (user.status !== 'active') throw new AppError('FORBIDDEN', DEACTIVATED_MESSAGE)
  if (input.kind === 'partner' && user.partner_status !== 'active') throw new AppError('FORBIDDEN', ARCHIVED_PARTNER_MESSAGE)
  await clearLockout(deps.db, accountKey)
  await markSignedIn(deps, { tenantId: input.tenantId, userId: user.id, partnerId: input.kind === 'partner' ? user.partner_id : null, method: 'password' })
  return { tenantId: input.tenantId, userId: user.id, kind: input.kind }
}

async function markSignedIn(deps: Pick<CoreDeps, 'db' | 'now'>, input: { tenantId: string; userId: string; partnerId: string | null; method: PortalSignInMethod }) {
  await withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    await trx.updateTable('users').set({ last_login_at: deps.now() }).where('id', '=', input.userId).execute()
    if (input.partnerId) await recordPortalSignIn(trx, { tenantId: input.tenantId, partnerId: input.partnerId, userId: input.userId, method: input.method, at: deps.now() })
    await recordAudit(trx, { tenantId: input.tenantId, actorUserId: input.userId, action: 'user.signed_in', targetType: 'user', targetId: input.userId, details: { method: input.method } })
  })
}

/** Staff sign in with workspace + e-mail + password (users are per workspace). */
export async function signInStaff(deps: Pick<CoreDeps, 'db' | 'now'>, rawInput: z.input<typeof staffSignInInput> & { ip: string | null }): Promise<SignedInUser> {
  const input = parseInput(staffSignInInput, rawInput)
  const tenant = await findTenantBySlug(deps.db, input.workspace)
  if (!tenant || tenant.status !== 'active') throw AppError.validation({ workspace: [`There is no workspace at "${input.workspace.slice(0, 63)}".`] })
  return signInWithPassword(deps, { tenantId: tenant.id, kind: 'staff', email: input.email, password: input.password, ip: rawInput.ip })
}

export const partnerSignInInput = z.object({
  email: emailAddress,
  password: z.string({ required_error: 'Enter your password.' }).min(1, 'Enter your password.').max(200),
})

export async function signInPartner(deps: Pick<CoreDeps, 'db' | 'now'>, rawInput: z.input<typeof partnerSignInInput> & { tenantId: string; ip: string | null }): Promise<SignedInUser> {
  const input = parseInput(partnerSignInInput, rawInput)
  return signInWithPassword(deps, { tenantId: rawInput.tenantId, kind: 'partner', email: input.email, password: input.password, ip: rawInput.ip })
}

/**
 * Send a magic sign-in link to a partner user. Answers the same whether or
 * not the address has an account, so it cannot be used to probe for users.
 */
export async function requestMagicLink(deps: CoreDeps, rawInput: { tenantId: string; email: string; ip: string | null }): Promise<void> {
  const email = parseInput(z.object({ email: emailAddress }), { email: rawInput.email }).email
  const verdict = await consumeRateLimit(deps.db, `magic:${rawInput.tenantId}:${email}`, { limit: 5, windowSeconds: 15 * 60 }, deps.now())
  if (!verdict.allowed) throw new AppError('RATE_LIMITED', 'We just sent you a link. Check your inbox, or try again in a few minutes.', { retryAfterSeconds: verdict.retryAfterSeconds })
  await withTenant(deps.db, { tenantId: rawInput.tenantId }, async (trx) => {
    const user = await trx
      .selectFrom('users as u')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.id', 'u.name'])
      .where('u.kind', '=', 'partner')
      .where('u.email', '=', email)
      .where('u.status', '=', 'active')
      .where('p.status', '=', 'active')
      .executeTakeFirst()
    if (!user) return
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const token = await issueToken(trx, deps, { tenantId: rawInput.tenantId, userId: user.id, purpose: 'magic_link', validMinutes: MAGIC_LINK_MINUTES })
    await enqueueEmail(trx, deps, {
      tenantId: rawInput.tenantId,
      to: email,
      template: { name: 'magic-link', props: { brand: brandOf(deps, tenant), recipientName: user.name, signInUrl: `${portalBaseUrl(deps.portal, tenant.slug)}/magic/${encodeURIComponent(token)}`, expiresInMinutes: MAGIC_LINK_MINUTES } },
    })
  })
}

/**
 * What the magic-link page shows before anything happens: the address the
 * link signs in as. Opening the link (a GET) never uses it; only the
 * confirming POST does (`signInWithMagicLink`). Refuses exactly like the
 * sign-in would: invalid, used, expired, deactivated.
 */
export async function describeMagicLink(deps: Pick<CoreDeps, 'db' | 'now'>, input: { tenantId: string; token: string }): Promise<{ email: string }> {
  return inspectToken(deps, { token: input.token, purpose: 'magic_link', expectedTenantId: input.tenantId }, async (trx, claim) => {
    const user = await magicLinkUser(trx, claim.userId)
    return { email: user.email }
  })
}

async function magicLinkUser(trx: TenantTransaction, userId: string) {
  const user = await trx
    .selectFrom('users as u')
    .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
    .select(['u.id', 'u.email', 'u.status', 'u.partner_id', 'p.status as partner_status', 'u.email_verified_at'])
    .where('u.id', '=', userId)
    .where('u.kind', '=', 'partner')
    .executeTakeFirst()
  if (!user) throw new AppError('TOKEN_INVALID', 'This sign-in link is not valid. Check that you used the whole link, or request a new one.')
  if (user.status !== 'active') throw new AppError('FORBIDDEN', DEACTIVATED_MESSAGE)
  if (user.partner_status !== 'active') throw new AppError('FORBIDDEN', ARCHIVED_PARTNER_MESSAGE)
  return user
}

export async function signInWithMagicLink(deps: Pick<CoreDeps, 'db' | 'now'>, input: { tenantId: string; token: string }): Promise<SignedInUser> {
  const signedIn = await consumeToken(deps, { token: input.token, purpose: 'magic_link', expectedTenantId: input.tenantId }, async (trx, claim) => {
    const user = await magicLinkUser(trx, claim.userId)
    if (!user.email_verified_at) await trx.updateTable('users').set({ email_verified_at: deps.now() }).where('id', '=', user.id).execute()
    return { tenantId: claim.tenantId, userId: claim.userId, kind: 'partner' as const, partnerId: user.partner_id, email: user.email }
  })
  // The mailbox proved itself: a password lockout on this account no longer applies.
  await clearLockout(deps.db, accountLockKey(signedIn.tenantId, 'partner', signedIn.email))
  await markSignedIn(deps, { tenantId: signedIn.tenantId, userId: signedIn.userId, partnerId: signedIn.partnerId, method: 'magic_link' })
  return { tenantId: signedIn.tenantId, userId: signedIn.userId, kind: signedIn.kind }
}

export async function verifyEmail(deps: Pick<CoreDeps, 'db' | 'now'>, input: { token: string }): Promise<{ tenantId: string; userId: string }> {
  return consumeToken(deps, { token: input.token, purpose: 'verify_email' }, async (trx, claim) => {
    await trx.updateTable('users').set({ email_verified_at: deps.now() }).where('id', '=', claim.userId).execute()
    await recordAudit(trx, { tenantId: claim.tenantId, actorUserId: claim.userId, action: 'user.email_verified', targetType: 'user', targetId: claim.userId })
    return claim
  })
}

export async function resendEmailVerification(deps: CoreDeps, input: { tenantId: string; userId: string }): Promise<void> {
  const verdict = await consumeRateLimit(deps.db, `verify:${input.tenantId}:${input.userId}`, { limit: 5, windowSeconds: 3600 }, deps.now())
  if (!verdict.allowed) throw new AppError('RATE_LIMITED', 'We have sent several links already. Check your inbox (and spam folder), or try again later.', { retryAfterSeconds: verdict.retryAfterSeconds })
  await withTenant(deps.db, { tenantId: input.tenantId }, async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'name', 'email', 'email_verified_at']).where('id', '=', input.userId).executeTakeFirst()
    if (!user || user.email_verified_at) return
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const token = await issueToken(trx, deps, { tenantId: input.tenantId, userId: user.id, purpose: 'verify_email', validMinutes: 48 * 60 })
    await enqueueEmail(trx, deps, { tenantId: input.tenantId, to: user.email, template: { name: 'verify-email', props: { brand: brandOf(deps, tenant), recipientName: user.name, verifyUrl: `${deps.adminUrl}/verify-email/${encodeURIComponent(token)}` } } })
  })
}

export const passwordResetRequestInput = z.object({ email: emailAddress })

/** Same answer whether or not the account exists. `tenantId` comes from the portal host or the workspace field. */
export async function requestPasswordReset(deps: CoreDeps, rawInput: { tenantId: string; kind: 'staff' | 'partner'; email: string }): Promise<void> {
  const { email } = parseInput(passwordResetRequestInput, { email: rawInput.email })
  const verdict = await consumeRateLimit(deps.db, `reset:${rawInput.tenantId}:${email}`, { limit: 5, windowSeconds: 3600 }, deps.now())
  if (!verdict.allowed) throw new AppError('RATE_LIMITED', 'We have sent several reset links already. Check your inbox, or try again later.', { retryAfterSeconds: verdict.retryAfterSeconds })
  await withTenant(deps.db, { tenantId: rawInput.tenantId }, async (trx) => {
    const user = await trx
      .selectFrom('users as u')
      .leftJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.id', 'u.name', 'p.status as partner_status'])
      .where('u.kind', '=', rawInput.kind)
      .where('u.email', '=', email)
      .where('u.status', '=', 'active')
      .executeTakeFirst()
    // Users of an archived partner organisation get no reset link (they could sign in with it).
    if (!user || (rawInput.kind === 'partner' && user.partner_status !== 'active')) return
    const tenant = await trx.selectFrom('tenants').selectAll().executeTakeFirstOrThrow()
    const token = await issueToken(trx, deps, { tenantId: rawInput.tenantId, userId: user.id, purpose: 'password_reset', validMinutes: PASSWORD_RESET_MINUTES })
    const base = rawInput.kind === 'staff' ? deps.adminUrl : portalBaseUrl(deps.portal, tenant.slug)
    await enqueueEmail(trx, deps, {
      tenantId: rawInput.tenantId,
      to: email,
      template: { name: 'password-reset', props: { brand: rawInput.kind === 'staff' ? { ...brandOf(deps, tenant), name: tenant.name } : brandOf(deps, tenant), recipientName: user.name, resetUrl: `${base}/reset-password/${encodeURIComponent(token)}`, expiresInMinutes: PASSWORD_RESET_MINUTES } },
    })
  })
}

export const resetPasswordInput = z.object({ token: z.string().min(1), password: newPassword })

/**
 * Sets the new password; the caller then ends every other session of the user
 * and signs them in. For a partner user that sign-in is recorded (method
 * `password_reset`) in the same transaction, like every other portal sign-in.
 */
export async function resetPassword(deps: Pick<CoreDeps, 'db' | 'now'>, rawInput: z.input<typeof resetPasswordInput> & { expectedTenantId?: string }): Promise<SignedInUser> {
  const input = parseInput(resetPasswordInput, rawInput)
  const passwordHash = await hashPassword(input.password)
  const signedIn = await consumeToken(deps, { token: input.token, purpose: 'password_reset', expectedTenantId: rawInput.expectedTenantId }, async (trx, claim) => {
    const account = await trx
      .selectFrom('users as u')
      .leftJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.status', 'u.kind', 'u.email', 'u.partner_id', 'p.status as partner_status'])
      .where('u.id', '=', claim.userId)
      .executeTakeFirst()
    if (!account) throw new AppError('TOKEN_INVALID', 'This password reset link is not valid. Check that you used the whole link, or request a new one.')
    if (account.status !== 'active') throw new AppError('FORBIDDEN', DEACTIVATED_MESSAGE)
    if (account.kind === 'partner' && account.partner_status !== 'active') throw new AppError('FORBIDDEN', ARCHIVED_PARTNER_MESSAGE)
    const signsIntoPortal = account.kind === 'partner' && account.partner_id !== null ? account.partner_id : null
    const user = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, email_verified_at: deps.now(), updated_at: deps.now(), ...(signsIntoPortal ? { last_login_at: deps.now() } : {}) })
      .where('id', '=', claim.userId)
      .returning(['id', 'kind'])
      .executeTakeFirstOrThrow()
    await trx.deleteFrom('sessions').where('user_id', '=', claim.userId).execute()
    await recordAudit(trx, { tenantId: claim.tenantId, actorUserId: claim.userId, action: 'user.password_reset', targetType: 'user', targetId: claim.userId })
    if (signsIntoPortal) await recordPortalSignIn(trx, { tenantId: claim.tenantId, partnerId: signsIntoPortal, userId: claim.userId, method: 'password_reset', at: deps.now() })
    return { tenantId: claim.tenantId, userId: user.id, kind: user.kind as 'staff' | 'partner', email: account.email }
  })
  // A new password set through the mailbox ends any lockout of the account.
  await clearLockout(deps.db, accountLockKey(signedIn.tenantId, signedIn.kind, signedIn.email))
  return { tenantId: signedIn.tenantId, userId: signedIn.userId, kind: signedIn.kind }
}

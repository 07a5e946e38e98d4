import { hashPassword, verifyPassword } from '@accord/auth'
import { withTenant } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { enqueueEmail } from '../email/index.js'
import { AppError } from '../errors.js'
import { consumeRateLimit, loginRateLimits, resetRateLimit } from '../security/rate-limit.js'
import { brandOf } from '../tenants/brand.js'
import { findTenantBySlug } from '../tenants/lookup.js'
import { emailAddress, newPassword, parseInput } from '../validation.js'
import { consumeToken, issueToken } from './one-time-tokens.js'
import { type PortalSignInMethod, recordPortalSignIn } from './portal-sign-ins.js'

export const MAGIC_LINK_MINUTES = 15
export const PASSWORD_RESET_MINUTES = 60
const BAD_CREDENTIALS = {
  staff: 'That e-mail and password do not match an account in this workspace.',
  partner: 'That e-mail and password do not match an account on this partner portal.',
}

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

async function throttle(deps: Pick<CoreDeps, 'db' | 'now'>, ip: string | null, accountKey: string) {
  for (const [key, rule] of [
    [`login:ip:${ip ?? 'unknown'}`, loginRateLimits.perIp],
    [`login:account:${accountKey}`, loginRateLimits.perAccount],
  ] as const) {
    const verdict = await consumeRateLimit(deps.db, key, rule, deps.now())
    if (!verdict.allowed) {
      const minutes = Math.ceil(verdict.retryAfterSeconds / 60)
      throw new AppError('RATE_LIMITED', `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or reset your password.`, { retryAfterSeconds: verdict.retryAfterSeconds })
    }
  }
}

async function signInWithPassword(deps: Pick<CoreDeps, 'db' | 'now'>, input: { tenantId: string; kind: 'staff' | 'partner'; email: string; password: string; ip: string | null }): Promise<SignedInUser> {
  const accountKey = `${input.tenantId}:${input.kind}:${input.email}`
  await throttle(deps, input.ip, accountKey)
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
    if (user && !user.password_hash && input.kind === 'partner') {
      throw AppError.validation({ password: ['This account signs in with an e-mailed link. Use "E-mail me a sign-in link" instead.'] })
    }
    throw AppError.validation({ password: [BAD_CREDENTIALS[input.kind]] }, BAD_CREDENTIALS[input.kind])
  }
  if (user.status !== 'active' || (input.kind === 'partner' && user.partner_status !== 'active')) {
    throw new AppError('FORBIDDEN', 'This account is disabled. Contact your partner manager.')
  }
  await resetRateLimit(deps.db, `login:account:${accountKey}`)
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

export async function signInWithMagicLink(deps: Pick<CoreDeps, 'db' | 'now'>, input: { tenantId: string; token: string }): Promise<SignedInUser> {
  const signedIn = await consumeToken(deps, { token: input.token, purpose: 'magic_link', expectedTenantId: input.tenantId }, async (trx, claim) => {
    const user = await trx
      .selectFrom('users as u')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.id', 'u.status', 'u.partner_id', 'p.status as partner_status', 'u.email_verified_at'])
      .where('u.id', '=', claim.userId)
      .executeTakeFirst()
    if (!user || user.status !== 'active' || user.partner_status !== 'active') throw new AppError('FORBIDDEN', 'This account is disabled. Contact your partner manager.')
    if (!user.email_verified_at) await trx.updateTable('users').set({ email_verified_at: deps.now() }).where('id', '=', user.id).execute()
    return { tenantId: claim.tenantId, userId: claim.userId, kind: 'partner' as const, partnerId: user.partner_id }
  })
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
  return consumeToken(deps, { token: input.token, purpose: 'password_reset', expectedTenantId: rawInput.expectedTenantId }, async (trx, claim) => {
    const account = await trx
      .selectFrom('users as u')
      .leftJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.status', 'u.kind', 'u.partner_id', 'p.status as partner_status'])
      .where('u.id', '=', claim.userId)
      .executeTakeFirst()
    if (!account || account.status !== 'active' || (account.kind === 'partner' && account.partner_status !== 'active')) {
      throw new AppError('FORBIDDEN', 'This account is disabled. Contact your partner manager.')
    }
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
    return { tenantId: claim.tenantId, userId: user.id, kind: user.kind as 'staff' | 'partner' }
  })
}

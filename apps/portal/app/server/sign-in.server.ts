import { acceptInvitation, AppError, describeMagicLink, getInvitation, MAGIC_LINK_MINUTES, requestMagicLink, requestPasswordReset, resetPassword, signInPartner, signInWithMagicLink } from '@accord/core'
import { coreDeps } from './guard.server'
import { runtimeDeps } from './runtime.server'
import { startPartnerSession } from './session.server'
import type { PortalTenant } from './tenant.server'

/**
 * The portal's sign-in paths: each calls core, then opens a session scoped
 * to this portal (and ends any session the browser presented for it).
 * Returns the Set-Cookie headers for the redirect.
 */
export async function signInWithPassword(request: Request, input: { tenant: PortalTenant; email: string; password: string; clientIp: string | null }): Promise<Headers> {
  const deps = coreDeps(await runtimeDeps())
  const user = await signInPartner(deps, { tenantId: input.tenant.id, email: input.email, password: input.password, ip: input.clientIp })
  return startPartnerSession(request, { tenant: input.tenant, userId: user.userId, clientIp: input.clientIp })
}

/** "E-mail me a sign-in link": the same answer whether or not the account exists. */
export async function requestSignInLink(input: { tenant: PortalTenant; email: string; clientIp: string | null }) {
  const deps = coreDeps(await runtimeDeps())
  await requestMagicLink(deps, { tenantId: input.tenant.id, email: input.email, ip: input.clientIp })
  return { ok: true as const, email: input.email.trim().toLowerCase(), minutes: MAGIC_LINK_MINUTES }
}

/** Whose account a sign-in link is for, without using it (the page before the confirming POST). */
export async function describeSignInLink(input: { tenant: PortalTenant; token: string }): Promise<{ email: string }> {
  const deps = coreDeps(await runtimeDeps())
  return describeMagicLink(deps, { tenantId: input.tenant.id, token: input.token })
}

export async function signInWithLink(request: Request, input: { tenant: PortalTenant; token: string; clientIp: string | null }): Promise<Headers> {
  const deps = coreDeps(await runtimeDeps())
  const user = await signInWithMagicLink(deps, { tenantId: input.tenant.id, token: input.token })
  return startPartnerSession(request, { tenant: input.tenant, userId: user.userId, clientIp: input.clientIp })
}

export const STAFF_INVITATION_MESSAGE = 'This invitation is for the vendor’s admin app, not the partner portal. Open it from the e-mail on the device you use for work.'

export type SignInMethod = 'password' | 'magic_link'

/** Accept a partner invitation and sign the new user in straight away (the link proved the e-mail). */
export async function acceptPartnerInvitation(
  request: Request,
  input: { tenant: PortalTenant; token: string; name: string; signInMethod: SignInMethod; password: string; clientIp: string | null },
): Promise<Headers> {
  const deps = coreDeps(await runtimeDeps())
  // Staff invitations share the token format; they must never create an account from the portal.
  const invitation = await getInvitation(deps, { token: input.token, expectedTenantId: input.tenant.id })
  if (invitation.kind !== 'partner') throw new AppError('TOKEN_INVALID', STAFF_INVITATION_MESSAGE)
  const common = { token: input.token, name: input.name, expectedTenantId: input.tenant.id }
  const accepted = await acceptInvitation(deps, input.signInMethod === 'password' ? { ...common, signInMethod: 'password', password: input.password } : { ...common, signInMethod: 'magic_link' })
  return startPartnerSession(request, { tenant: input.tenant, userId: accepted.userId, clientIp: input.clientIp })
}

export async function requestPartnerPasswordReset(input: { tenant: PortalTenant; email: string }) {
  const deps = coreDeps(await runtimeDeps())
  await requestPasswordReset(deps, { tenantId: input.tenant.id, kind: 'partner', email: input.email })
  return { ok: true as const, email: input.email.trim().toLowerCase() }
}

/**
 * Set a new password from a reset link. Core ends every session of the user;
 * a partner user is then signed in here. Returns null for a non-partner
 * account (nothing to sign in to on the portal).
 */
export async function resetPartnerPassword(request: Request, input: { tenant: PortalTenant; token: string; password: string; clientIp: string | null }): Promise<Headers | null> {
  const deps = coreDeps(await runtimeDeps())
  const user = await resetPassword(deps, { token: input.token, password: input.password, expectedTenantId: input.tenant.id })
  if (user.kind !== 'partner') return null
  return startPartnerSession(request, { tenant: input.tenant, userId: user.userId, clientIp: input.clientIp })
}

import { createOneTimeToken, parseOneTimeToken } from '@accord/auth'
import { type TenantTransaction, withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { AppError } from '../errors.js'

export type TokenPurpose = 'verify_email' | 'password_reset' | 'magic_link'

const purposeWords: Record<TokenPurpose, string> = {
  verify_email: 'verification link',
  password_reset: 'password reset link',
  magic_link: 'sign-in link',
}

export async function issueToken(trx: TenantTransaction, deps: Pick<CoreDeps, 'now'>, input: { tenantId: string; userId: string; purpose: TokenPurpose; validMinutes: number }): Promise<string> {
  // Only the newest link of a purpose works: older unused ones are retired.
  await trx.updateTable('auth_tokens').set({ used_at: deps.now() }).where('user_id', '=', input.userId).where('purpose', '=', input.purpose).where('used_at', 'is', null).execute()
  const { token, tokenHash } = createOneTimeToken(input.tenantId)
  await trx
    .insertInto('auth_tokens')
    .values({ tenant_id: input.tenantId, user_id: input.userId, purpose: input.purpose, token_hash: tokenHash, expires_at: new Date(deps.now().getTime() + input.validMinutes * 60_000) })
    .execute()
  return token
}

type TokenRow = { id: string; tenant_id: string; user_id: string; used_at: Date | null; expires_at: Date }

function parseOrRefuse(input: { token: string; purpose: TokenPurpose; expectedTenantId?: string }) {
  const parsed = parseOneTimeToken(input.token)
  if (!parsed || (input.expectedTenantId && parsed.tenantId !== input.expectedTenantId)) {
    throw new AppError('TOKEN_INVALID', `This ${purposeWords[input.purpose]} is not valid. Check that you used the whole link, or request a new one.`)
  }
  return parsed
}

/** The one place that tells a usable token from an unknown, used or expired one (each with its own message). */
function checkToken(token: TokenRow | undefined, purpose: TokenPurpose, now: Date): TokenRow {
  const words = purposeWords[purpose]
  if (!token) throw new AppError('TOKEN_INVALID', `This ${words} is not valid. Check that you used the whole link, or request a new one.`)
  if (token.used_at) throw new AppError('TOKEN_USED', `This ${words} has already been used. Request a new one if you still need it.`)
  if (token.expires_at <= now) throw new AppError('TOKEN_EXPIRED', `This ${words} has expired. Request a new one.`)
  return token
}

/**
 * Look at a one-time token without using it (a confirmation page before the
 * real, POSTed use): same checks and messages as `consumeToken`.
 */
export async function inspectToken<Result>(
  deps: Pick<CoreDeps, 'db' | 'now'>,
  input: { token: string; purpose: TokenPurpose; expectedTenantId?: string },
  read: (trx: TenantTransaction, claim: { tenantId: string; userId: string }) => Promise<Result>,
): Promise<Result> {
  const parsed = parseOrRefuse(input)
  return withTenant(deps.db, { tenantId: parsed.tenantId }, async (trx) => {
    const row = await trx.selectFrom('auth_tokens').select(['id', 'tenant_id', 'user_id', 'used_at', 'expires_at']).where('token_hash', '=', parsed.tokenHash).where('purpose', '=', input.purpose).executeTakeFirst()
    const token = checkToken(row, input.purpose, deps.now())
    return read(trx, { tenantId: token.tenant_id, userId: token.user_id })
  })
}

/**
 * Use a one-time token: checks tenant, purpose, expiry and single use, and
 * marks it used in the same transaction as `onValid`, so nothing half-happens.
 */
export async function consumeToken<Result>(
  deps: Pick<CoreDeps, 'db' | 'now'>,
  input: { token: string; purpose: TokenPurpose; expectedTenantId?: string },
  onValid: (trx: TenantTransaction, claim: { tenantId: string; userId: string }) => Promise<Result>,
): Promise<Result> {
  const parsed = parseOrRefuse(input)
  return withTenant(deps.db, { tenantId: parsed.tenantId }, async (trx) => {
    const row = await trx.selectFrom('auth_tokens').select(['id', 'tenant_id', 'user_id', 'used_at', 'expires_at']).where('token_hash', '=', parsed.tokenHash).where('purpose', '=', input.purpose).forUpdate().executeTakeFirst()
    const token = checkToken(row, input.purpose, deps.now())
    await trx.updateTable('auth_tokens').set({ used_at: deps.now() }).where('id', '=', token.id).execute()
    return onValid(trx, { tenantId: token.tenant_id, userId: token.user_id })
  })
}

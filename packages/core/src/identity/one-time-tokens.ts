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

/**
 * Use a one-time token: checks tenant, purpose, expiry and single use, and
 * marks it used in the same transaction as `onValid`, so nothing half-happens.
 */
export async function consumeToken<Result>(
  deps: Pick<CoreDeps, 'db' | 'now'>,
  input: { token: string; purpose: TokenPurpose; expectedTenantId?: string },
  onValid: (trx: TenantTransaction, claim: { tenantId: string; userId: string }) => Promise<Result>,
): Promise<Result> {
  const words = purposeWords[input.purpose]
  const parsed = parseOneTimeToken(input.token)
  if (!parsed || (input.expectedTenantId && parsed.tenantId !== input.expectedTenantId)) {
    throw new AppError('TOKEN_INVALID', `This ${words} is not valid. Check that you used the whole link, or request a new one.`)
  }
  return withTenant(deps.db, { tenantId: parsed.tenantId }, async (trx) => {
    const token = await trx.selectFrom('auth_tokens').selectAll().where('token_hash', '=', parsed.tokenHash).where('purpose', '=', input.purpose).forUpdate().executeTakeFirst()
    if (!token) throw new AppError('TOKEN_INVALID', `This ${words} is not valid. Check that you used the whole link, or request a new one.`)
    if (token.used_at) throw new AppError('TOKEN_USED', `This ${words} has already been used. Request a new one if you still need it.`)
    if (token.expires_at <= deps.now()) throw new AppError('TOKEN_EXPIRED', `This ${words} has expired. Request a new one.`)
    await trx.updateTable('auth_tokens').set({ used_at: deps.now() }).where('id', '=', token.id).execute()
    return onValid(trx, { tenantId: token.tenant_id, userId: token.user_id })
  })
}

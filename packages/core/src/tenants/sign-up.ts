import { randomUUID } from 'node:crypto'
import { createOneTimeToken, hashPassword } from '@accord/auth'
import { withTenant } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreDeps } from '../context.js'
import { enqueueEmail } from '../email/index.js'
import { AppError, isUniqueViolation } from '../errors.js'
import { consumeRateLimit } from '../security/rate-limit.js'
import { defaultProgrammeSettings } from '../settings.js'
import { emailAddress, newPassword, organisationName, parseInput, personName } from '../validation.js'
import { brandOf } from './brand.js'
import { workspaceSlug } from './slug.js'

export const signUpInput = z.object({
  companyName: organisationName,
  slug: workspaceSlug,
  ownerName: personName,
  email: emailAddress,
  password: newPassword,
})
export type SignUpInput = z.input<typeof signUpInput>

export const EMAIL_VERIFICATION_HOURS = 48

/**
 * Self-serve sign-up: the workspace, its owner, default programme settings
 * and a verification e-mail, in one transaction (all or nothing).
 */
export const signUpRateLimit = { limit: 10, windowSeconds: 3600 }

export async function signUpVendor(deps: CoreDeps, rawInput: SignUpInput & { ip?: string | null }): Promise<{ tenantId: string; userId: string; slug: string }> {
  const input = parseInput(signUpInput, rawInput)
  if (rawInput.ip !== undefined) {
    // Workspaces are free to create; this keeps a script from creating thousands.
    const verdict = await consumeRateLimit(deps.db, `signup:ip:${rawInput.ip ?? 'unknown'}`, signUpRateLimit, deps.now())
    if (!verdict.allowed) {
      const minutes = Math.ceil(verdict.retryAfterSeconds / 60)
      throw new AppError('RATE_LIMITED', `Too many workspaces were created from your network recently. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, { retryAfterSeconds: verdict.retryAfterSeconds })
    }
  }
  const tenantId = randomUUID()
  const passwordHash = await hashPassword(input.password)
  try {
    return await withTenant(deps.db, { tenantId }, async (trx) => {
      const tenant = await trx
        .insertInto('tenants')
        .values({ id: tenantId, slug: input.slug, name: input.companyName, settings: JSON.stringify(defaultProgrammeSettings()) })
        .returningAll()
        .executeTakeFirstOrThrow()
      const owner = await trx
        .insertInto('users')
        .values({ tenant_id: tenantId, kind: 'staff', staff_role: 'owner', email: input.email, name: input.ownerName, password_hash: passwordHash })
        .returning('id')
        .executeTakeFirstOrThrow()
      const { token, tokenHash } = createOneTimeToken(tenantId)
      await trx
        .insertInto('auth_tokens')
        .values({ tenant_id: tenantId, user_id: owner.id, purpose: 'verify_email', token_hash: tokenHash, expires_at: new Date(deps.now().getTime() + EMAIL_VERIFICATION_HOURS * 3600_000) })
        .execute()
      await enqueueEmail(trx, deps, {
        tenantId,
        to: input.email,
        template: { name: 'verify-email', props: { brand: brandOf(deps, tenant), recipientName: input.ownerName, verifyUrl: `${deps.adminUrl}/verify-email/${encodeURIComponent(token)}` } },
      })
      await recordAudit(trx, { tenantId, actorUserId: owner.id, action: 'workspace.created', targetType: 'tenant', targetId: tenantId, details: { slug: input.slug } })
      return { tenantId, userId: owner.id, slug: input.slug }
    })
  } catch (error) {
    if (isUniqueViolation(error, 'tenants_slug_key')) {
      throw AppError.validation({ slug: ['This address is already taken.'] })
    }
    throw error
  }
}

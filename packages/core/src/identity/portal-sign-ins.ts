import type { TenantTransaction } from '@accord/db'

export type PortalSignInMethod = 'password' | 'magic_link' | 'invitation' | 'password_reset'

/**
 * One append-only row per partner sign-in to the portal (engagement
 * analytics). Called inside the sign-in's own tenant transaction; staff
 * sign-ins are not recorded here.
 */
export async function recordPortalSignIn(trx: TenantTransaction, input: { tenantId: string; partnerId: string; userId: string; method: PortalSignInMethod; at: Date }): Promise<void> {
  await trx
    .insertInto('portal_sign_ins')
    .values({ tenant_id: input.tenantId, partner_id: input.partnerId, user_id: input.userId, method: input.method, created_at: input.at })
    .execute()
}

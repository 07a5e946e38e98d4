import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requireStaff } from '../scope.js'

/**
 * What a staff member may only do with a verified e-mail address: each of
 * these sends mail or messages to third parties in the workspace's name, so
 * a sign-up with someone else's address must not be able to use them as a
 * relay (and bounces must not land on a stranger).
 */
export type VerifiedOnlyAction = 'invite' | 'announce' | 'connect_crm' | 'connect_slack'

const actionWords: Record<VerifiedOnlyAction, string> = {
  invite: 'invite people',
  announce: 'publish announcements',
  connect_crm: 'connect a CRM',
  connect_slack: 'connect Slack',
}

/** Refuses (FORBIDDEN, with a clear message) unless the acting staff member has verified their e-mail address. */
export async function requireVerifiedEmail(ctx: CoreContext, action: VerifiedOnlyAction): Promise<void> {
  requireStaff(ctx)
  const actor = ctx.actor
  const user = await inActorScope(ctx, (trx) => trx.selectFrom('users').select('email_verified_at').where('id', '=', actor.userId).executeTakeFirst())
  if (!user?.email_verified_at) {
    throw new AppError(
      'FORBIDDEN',
      `Verify your e-mail address before you ${actionWords[action]}: open the link we e-mailed you, or use “Resend verification” at the top of the page to get a new one.`,
    )
  }
}

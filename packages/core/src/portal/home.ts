import type { CoreContext } from '../context.js'
import { partnerRoleLabels } from '../invitations/invitations.js'
import { partnerTypeLabels, type PartnerType } from '../partners/partners.js'
import { inActorScope, requirePartner } from '../scope.js'
import { logoPath } from '../tenants/lookup.js'

export interface FirstStep {
  id: string
  title: string
  description: string
  done: boolean
}

/**
 * The partner's home: vendor brand, their organisation, and a first-steps
 * checklist. Steps for capabilities that do not exist yet are listed, not
 * faked as done; they light up as those capabilities land.
 */
export async function getPortalHome(ctx: CoreContext) {
  requirePartner(ctx)
  const actor = ctx.actor
  return inActorScope(ctx, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select(['slug', 'name', 'portal_name', 'logo_key', 'primary_color', 'support_email']).executeTakeFirstOrThrow()
    const partner = await trx.selectFrom('partner_organisations').select(['id', 'name', 'type', 'region']).where('id', '=', actor.partnerId).executeTakeFirstOrThrow()
    const user = await trx.selectFrom('users').select(['id', 'name', 'email', 'partner_role', 'password_hash']).where('id', '=', actor.userId).executeTakeFirstOrThrow()
    const colleagues = await trx.selectFrom('users').select('id').where('partner_id', '=', actor.partnerId).execute()
    const firstSteps: FirstStep[] = [
      { id: 'account', title: 'Set up your account', description: 'You accepted your invitation and can sign in.', done: true },
      { id: 'programme', title: 'Read the programme rules', description: 'How registrations, protection windows and conflicts work.', done: false },
      { id: 'register', title: 'Register your first lead', description: 'Claim a prospect and get a protection window.', done: false },
      { id: 'team', title: 'Bring your team', description: 'Ask your partner manager to invite your colleagues.', done: colleagues.length > 1 },
    ]
    return {
      vendor: { name: tenant.name, portalName: tenant.portal_name ?? `${tenant.name} Partner Portal`, logoUrl: logoPath(tenant.slug, tenant.logo_key), primaryColor: tenant.primary_color, supportEmail: tenant.support_email },
      partner: { id: partner.id, name: partner.name, type: partner.type as PartnerType, typeLabel: partnerTypeLabels[partner.type as PartnerType], region: partner.region },
      user: { id: user.id, name: user.name, email: user.email, role: actor.role, roleLabel: partnerRoleLabels[actor.role], hasPassword: user.password_hash !== null },
      firstSteps,
    }
  })
}

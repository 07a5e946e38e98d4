import { isUuid, sql } from '@accord/db'
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
  /** Where in the portal the step is done (portal-relative), if anywhere. */
  href: string | null
}

/**
 * The partner's home: vendor brand, their organisation, and a first-steps
 * checklist whose steps are done when the partner has actually done them
 * (read a rules page, registered a lead, has colleagues).
 */
export async function getPortalHome(ctx: CoreContext, input: { openingAnnouncementId?: string | null } = {}) {
  requirePartner(ctx)
  const actor = ctx.actor
  // The announcement this very request opens is read by the time the page shows; only a real id can match.
  const opening = input.openingAnnouncementId && isUuid(input.openingAnnouncementId) ? input.openingAnnouncementId : null
  return inActorScope(ctx, async (trx) => {
    // One round trip: the portal home is the page partners open most.
    const row = await trx
      .selectFrom('users as u')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .innerJoin('tenants as t', 't.id', 'u.tenant_id')
      .select((eb) => [
        'u.id as user_id', 'u.name as user_name', 'u.email as user_email', 'u.password_hash',
        'p.id as partner_id', 'p.name as partner_name', 'p.type as partner_type', 'p.region as partner_region',
        't.slug', 't.name as tenant_name', 't.portal_name', 't.logo_key', 't.primary_color', 't.support_email',
        eb.selectFrom('users as colleague').whereRef('colleague.partner_id', '=', 'p.id').select(sql<number>`count(*)::int`.as('n')).as('colleague_count'),
        sql<boolean>`exists (select 1 from registrations r where r.tenant_id = p.tenant_id and r.partner_id = p.id)`.as('has_registered'),
        sql<boolean>`exists (select 1 from programme_page_reads pr where pr.tenant_id = u.tenant_id and pr.user_id = u.id)`.as('has_read_rules'),
        // The nav badge, in the same statement: every signed-in page shows it.
        sql<number>`(select count(*)::int from announcement_receipts r join announcements a on a.tenant_id = r.tenant_id and a.id = r.announcement_id
          where r.user_id = u.id and r.opened_at is null and a.status = 'published' and (${opening}::uuid is null or r.announcement_id <> ${opening}::uuid))`.as('unread_announcements'),
      ])
      .where('u.id', '=', actor.userId)
      .where('p.id', '=', actor.partnerId)
      .executeTakeFirstOrThrow()
    const tenant = { slug: row.slug, name: row.tenant_name, portal_name: row.portal_name, logo_key: row.logo_key, primary_color: row.primary_color, support_email: row.support_email }
    const partner = { id: row.partner_id, name: row.partner_name, type: row.partner_type, region: row.partner_region }
    const user = { id: row.user_id, name: row.user_name, email: row.user_email, password_hash: row.password_hash }
    const firstSteps: FirstStep[] = [
      { id: 'account', title: 'Set up your account', description: 'You accepted your invitation and can sign in.', done: true, href: null },
      { id: 'programme', title: 'Read the programme rules', description: 'How registrations, protection windows and conflicts work.', done: Boolean(row.has_read_rules), href: '/programme' },
      // Done for the organisation: a colleague's registration counts too.
      { id: 'register', title: 'Register your first lead', description: 'Claim a prospect and get a protection window.', done: Boolean(row.has_registered), href: '/registrations/new' },
      { id: 'team', title: 'Bring your team', description: 'Ask your partner manager to invite your colleagues.', done: (row.colleague_count ?? 0) > 1, href: null },
    ]
    return {
      vendor: { name: tenant.name, portalName: tenant.portal_name ?? `${tenant.name} Partner Portal`, logoUrl: logoPath(tenant.slug, tenant.logo_key), primaryColor: tenant.primary_color, supportEmail: tenant.support_email },
      partner: { id: partner.id, name: partner.name, type: partner.type as PartnerType, typeLabel: partnerTypeLabels[partner.type as PartnerType], region: partner.region },
      user: { id: user.id, name: user.name, email: user.email, role: actor.role, roleLabel: partnerRoleLabels[actor.role], hasPassword: user.password_hash !== null },
      firstSteps,
      unreadAnnouncements: row.unread_announcements ?? 0,
    }
  })
}

import { staffCan } from '@accord/core'
import { type LoaderFunctionArgs, data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { CopyField } from '~/components/copy-field'
import { ErrorContent } from '~/components/error-page'
import { pageMeta } from '~/lib/meta'
import { requireStaff } from '~/server/guard.server'

export const meta = pageMeta('Dashboard')

/** The colour every workspace starts with; changing it counts as branding the portal. */
const DEFAULT_BRAND_COLOUR = '#2563eb'

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'workspace.view')
  const [workspace, partners] = await Promise.all([caller.admin.workspace.get(), caller.admin.partners.list({ status: 'all' })])
  const active = partners.filter((partner) => partner.status === 'active')
  const counts = {
    activePartners: active.length,
    partnerUsers: active.reduce((sum, partner) => sum + partner.userCount, 0),
    pendingInvitations: active.reduce((sum, partner) => sum + partner.pendingInvitationCount, 0),
  }
  const invitedSomeone = partners.some((partner) => partner.userCount > 0 || partner.pendingInvitationCount > 0)
  const firstPartner = active[0] ?? null
  const canManagePartners = staffCan(user.staffRole, 'partners.manage')
  const steps = [
    {
      id: 'brand',
      title: 'Brand your portal',
      description: 'Add your logo and colour so partners recognise you.',
      done: Boolean(workspace.logoUrl) || !workspace.portalNameIsDefault || workspace.primaryColor !== DEFAULT_BRAND_COLOUR,
      href: '/settings/branding',
      action: 'Open branding',
    },
    {
      id: 'partner',
      title: 'Add your first partner',
      description: 'Create the organisation of a reseller, referral or services partner.',
      done: partners.length > 0,
      href: canManagePartners ? '/partners/new' : '/partners',
      action: canManagePartners ? 'Add a partner' : 'View partners',
    },
    {
      id: 'invite',
      title: 'Invite a partner user',
      description: 'Send someone at a partner an invitation to your portal.',
      done: invitedSomeone,
      href: firstPartner ? `/partners/${firstPartner.id}#invite` : canManagePartners ? '/partners/new' : '/partners',
      action: 'Invite someone',
    },
  ]
  return data({ workspace: { name: workspace.name, portalName: workspace.portalName, portalUrl: workspace.portalUrl }, counts, steps }, { headers })
}

export default function Dashboard() {
  const { workspace, counts, steps } = useLoaderData<typeof loader>()
  const done = steps.filter((step) => step.done).length
  return (
    <>
      <h1>Dashboard</h1>
      <p className="muted">{workspace.name} partner programme at a glance.</p>

      <section aria-labelledby="stats-title">
        <h2 id="stats-title" className="sr-only">
          Key numbers
        </h2>
        <ul className="stats">
          <li className="card stat">
            <span className="stat-value">{counts.activePartners}</span>
            <span className="stat-label">Active partners</span>
          </li>
          <li className="card stat">
            <span className="stat-value">{counts.partnerUsers}</span>
            <span className="stat-label">Partner users</span>
          </li>
          <li className="card stat">
            <span className="stat-value">{counts.pendingInvitations}</span>
            <span className="stat-label">Pending invitations</span>
          </li>
        </ul>
      </section>

      {done < steps.length ? (
        <section className="card" aria-labelledby="setup-title">
          <h2 id="setup-title">Set up your programme</h2>
          <p className="muted" id="setup-progress">
            {done} of {steps.length} steps done
          </p>
          <progress max={steps.length} value={done} aria-labelledby="setup-progress" />
          <ol className="checklist">
            {steps.map((step) => (
              <li key={step.id} className={step.done ? 'done' : undefined}>
                <span className="tick" aria-hidden="true">
                  {step.done ? '✓' : ''}
                </span>
                <div className="checklist-body">
                  <strong>
                    {step.title}
                    <span className="sr-only">{step.done ? ' (done)' : ' (to do)'}</span>
                  </strong>
                  <span className="muted">{step.description}</span>
                </div>
                {step.done ? null : (
                  <Link className="button secondary" to={step.href} aria-label={`${step.action}: ${step.title}`}>
                    {step.action}
                  </Link>
                )}
              </li>
            ))}
          </ol>
        </section>
      ) : (
        <section className="card" aria-labelledby="setup-title">
          <h2 id="setup-title">Your programme is set up</h2>
          <p className="muted">Branding done, partners added and invited. Next: keep inviting partner people from each partner’s page.</p>
        </section>
      )}

      <section className="card" aria-labelledby="portal-title">
        <h2 id="portal-title">Your partner portal</h2>
        <p className="muted">Share this address with your partners; invitations link to it automatically.</p>
        <CopyField label="Portal address" value={workspace.portalUrl} />
      </section>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

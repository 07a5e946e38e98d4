import { type ActionFunctionArgs, type LoaderFunctionArgs, redirect } from '@remix-run/node'
import { joinPortalPath } from '~/lib/portal-address'
import { loginPath } from '~/server/guard.server'
import { endPartnerSession } from '~/server/session.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

/** Signing out is a POST (the same-origin check guards it); a GET just goes home. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const tenant = await requirePortalTenant(request, params, context)
  throw redirect(joinPortalPath(tenant.basePath, '/'))
}

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  const headers = await endPartnerSession(request, tenant)
  throw redirect(loginPath(tenant, { notice: 'signed-out' }), { headers })
})

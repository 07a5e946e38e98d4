import { handleTrpcRequest } from '@accord/api'
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { optionalStaffContext } from '~/server/guard.server'

/** tRPC for the browser: the signed-in staff member, or anonymous (public procedures only). */
function handle({ request }: LoaderFunctionArgs | ActionFunctionArgs) {
  return handleTrpcRequest(request, async () => ({ core: await optionalStaffContext(request), app: 'admin', portalTenantId: null }))
}

export const loader = handle
export const action = handle

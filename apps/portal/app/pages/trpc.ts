import { type ApiContext, handleTrpcRequest } from '@accord/api'
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { anonymousContext, partnerContextFor } from '~/server/guard.server'
import { NO_PORTAL_MESSAGE, resolvePortalTenant } from '~/server/tenant.server'

/**
 * tRPC for the portal at `/api/trpc/*` and `/t/<slug>/api/trpc/*`. Partner
 * procedures see the partner only when signed in to THIS portal's tenant.
 */
async function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs): Promise<Response> {
  const url = new URL(request.url)
  const prefix = /^\/t\/[^/]+(?=\/api\/trpc(?:\/|$))/.exec(url.pathname)?.[0] ?? ''
  const tenant = await resolvePortalTenant(request, context)
  // A path naming an unknown vendor is not a portal at all.
  if (prefix && !tenant) return new Response(NO_PORTAL_MESSAGE, { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  const createContext = async (): Promise<ApiContext> => ({
    core: tenant ? ((await partnerContextFor(request, tenant)) ?? (await anonymousContext())) : await anonymousContext(),
    app: 'portal',
    portalTenantId: tenant?.id ?? null,
  })
  return handleTrpcRequest(request, createContext, `${prefix}/api/trpc`)
}

export const loader = handle
export const action = handle

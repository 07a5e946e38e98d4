import type { AppLoadContext, LoaderFunctionArgs } from '@remix-run/node'
import { requirePartner, type SignedInPartner } from './guard.server'
import { oncePerRequest } from './request-cache.server'

type PortalHome = Awaited<ReturnType<SignedInPartner['caller']['portal']['home']>>

/**
 * The signed-in partner and `portal.home`, once per request (the layout's
 * top bar and the home page both need it). Redirects to sign-in when signed out.
 */
export function loadPortalHome(request: Request, context: AppLoadContext, params: LoaderFunctionArgs['params']): Promise<{ signedIn: SignedInPartner; home: PortalHome }> {
  return oncePerRequest(context, 'portal-home', async () => {
    const signedIn = await requirePartner(request, context, params)
    return { signedIn, home: await signedIn.caller.portal.home({ openingAnnouncementId: params.announcementId ?? null }) }
  })
}

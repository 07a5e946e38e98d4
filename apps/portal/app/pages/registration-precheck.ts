import { appErrorOf } from '@accord/api'
import { json, type LoaderFunctionArgs } from '@remix-run/node'
import type { Verdict } from '~/lib/registrations'
import { requirePartner, type SignedInPartner } from '~/server/guard.server'

/**
 * The registration form's instant conflict check:
 * `GET registrations/precheck?companyName=…&website=…&contactEmail=…` answers
 * JSON `{ ready, verdict, message }` for the signed-in partner's own claim.
 * Nothing is written. Signed out, it answers 401 (not a redirect) so the
 * form being filled in stays where it is.
 */
export interface PrecheckResult {
  ready: boolean
  verdict: Verdict | null
  message: string
  /** Too many checks in the last minute (429): `message` says so and the form shows it. */
  limited?: boolean
}

const NOTHING: PrecheckResult = { ready: false, verdict: null, message: '' }

// The longest value the procedure accepts per parameter; longer input is cut, not refused.
const limits = { companyName: 200, website: 300, contactEmail: 254, region: 80, productInterest: 2000 } as const

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  let signedIn: SignedInPartner
  try {
    signedIn = await requirePartner(request, context, params)
  } catch (error) {
    if (error instanceof Response && error.status >= 300 && error.status < 400) return json(NOTHING, { status: 401, headers: { 'Cache-Control': 'no-store' } })
    throw error
  }
  const headers = new Headers(signedIn.headers)
  headers.set('Cache-Control', 'no-store')
  const url = new URL(request.url)
  const input = Object.fromEntries(Object.entries(limits).map(([name, max]) => [name, (url.searchParams.get(name) ?? '').slice(0, max)])) as Record<keyof typeof limits, string>
  try {
    const result = await signedIn.caller.portal.registrations.precheck(input)
    return json<PrecheckResult>({ ready: result.ready, verdict: result.verdict, message: result.message }, { headers })
  } catch (error) {
    const appError = appErrorOf(error)
    if (appError?.code === 'RATE_LIMITED') {
      headers.set('Retry-After', String(appError.retryAfterSeconds ?? 60))
      return json<PrecheckResult>({ ready: false, verdict: null, message: appError.message, limited: true }, { status: 429, headers })
    }
    if (!appError || appError.code === 'INTERNAL') console.error('[portal] registration pre-check failed:', error)
    // The check is a courtesy: when it cannot answer, the form simply shows nothing.
    return json(NOTHING, { status: appError?.httpStatus ?? 500, headers })
  }
}

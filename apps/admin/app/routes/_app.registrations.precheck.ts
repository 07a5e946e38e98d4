import { appErrorOf } from '@accord/api'
import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireStaff } from '~/server/guard.server'

/**
 * The "register for a partner" form's instant conflict check:
 * `GET /registrations/precheck?partnerId=…&companyName=…&website=…&contactEmail=…`
 * answers JSON `{ ready, verdict, message, staffSummary }` (staff also see who else
 * claims the customer). Nothing is written.
 * Signed out, it answers 401 (not a redirect) so the form being filled in stays put.
 */
export interface StaffPrecheckResult {
  ready: boolean
  verdict: 'clear' | 'possible_conflict' | 'needs_review' | null
  message: string
  staffSummary: string | null
  /** Too many checks in the last minute (429): `message` says so and the form shows it. */
  limited?: boolean
}

const NOTHING: StaffPrecheckResult = { ready: false, verdict: null, message: '', staffSummary: null }

// The longest value the procedure accepts per parameter; longer input is cut, not refused.
const limits = { companyName: 200, website: 300, contactEmail: 254, region: 80, productInterest: 2000 } as const

export async function loader({ request, context }: LoaderFunctionArgs) {
  let signedIn: Awaited<ReturnType<typeof requireStaff>>
  try {
    signedIn = await requireStaff(request, context, 'registrations.view')
  } catch (error) {
    if (error instanceof Response && error.status >= 300 && error.status < 400) return Response.json(NOTHING, { status: 401, headers: { 'Cache-Control': 'no-store' } })
    throw error
  }
  const headers = new Headers(signedIn.headers)
  headers.set('Cache-Control', 'no-store')
  const url = new URL(request.url)
  const partnerId = url.searchParams.get('partnerId') ?? ''
  if (!partnerId) return Response.json(NOTHING, { headers })
  const input = Object.fromEntries(Object.entries(limits).map(([name, max]) => [name, (url.searchParams.get(name) ?? '').slice(0, max)])) as Record<keyof typeof limits, string>
  try {
    const result = await signedIn.caller.admin.registrations.precheck({ ...input, partnerId })
    return Response.json({ ready: result.ready, verdict: result.verdict, message: result.message, staffSummary: result.staffSummary } satisfies StaffPrecheckResult, { headers })
  } catch (error) {
    const appError = appErrorOf(error)
    if (appError?.code === 'RATE_LIMITED') {
      headers.set('Retry-After', String(appError.retryAfterSeconds ?? 60))
      return Response.json({ ready: false, verdict: null, message: appError.message, staffSummary: null, limited: true } satisfies StaffPrecheckResult, { status: 429, headers })
    }
    if (!appError || appError.code === 'INTERNAL') console.error('[admin] registration pre-check failed:', error)
    // The check is a courtesy: when it cannot answer, the form simply shows nothing.
    return Response.json(NOTHING, { status: appError?.httpStatus ?? 500, headers })
  }
}

import type { ActionFunctionArgs } from '@remix-run/node'
import { submitNewResource, submitReplacementFile } from '~/lib/resources.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

/**
 * POST /resources/upload[?replace=<id>] — the resource forms' uploads sent
 * with XMLHttpRequest (for a progress bar). Answers JSON: where to go next,
 * or the form's errors. The same server code runs when the form posts to
 * its page without JavaScript.
 */
export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const staff = await requireStaff(request, context, 'resources.manage')
  const replace = new URL(request.url).searchParams.get('replace')
  const result = replace ? await submitReplacementFile(staff, request, replace) : await submitNewResource(staff, request)
  const headers = new Headers(staff.headers)
  headers.set('Cache-Control', 'no-store')
  if (result.ok) return Response.json(result, { headers })
  return Response.json({ ok: false, failure: result.failure }, { status: result.status, headers })
}, {
  // The XMLHttpRequest reads { ok, failure } (see useUploadWithProgress).
  respond: (failure, request) =>
    Response.json({ ok: false, failure: { ...failure, intent: new URL(request.url).searchParams.has('replace') ? 'replace' : 'resource' } }, { status: 400, headers: { 'Cache-Control': 'no-store' } }),
})

export function loader() {
  return new Response('Not found', { status: 404 })
}

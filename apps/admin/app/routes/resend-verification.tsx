import { appErrorOf } from '@accord/api'
import { resendEmailVerification } from '@accord/core'
import { type ActionFunctionArgs, redirect } from '@remix-run/node'
import { safeRedirectPath } from '~/lib/paths'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export async function loader() {
  return redirect('/')
}

/** "Resend verification" from the unverified banner or the verify page; answers with a notice on the page it came from. */
export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { user, deps } = await requireStaff(request, context)
  const form = await request.formData()
  const back = new URL(safeRedirectPath(form.get('redirectTo')), 'http://admin.invalid')
  let notice = 'verification-sent'
  if (user.emailVerified) notice = 'already-verified'
  else {
    try {
      await resendEmailVerification(deps, { tenantId: user.tenantId, userId: user.id })
    } catch (error) {
      if (appErrorOf(error)?.code !== 'RATE_LIMITED') throw error
      notice = 'verification-rate-limited'
    }
  }
  back.searchParams.set('notice', notice)
  return redirect(`${back.pathname}${back.search}`)
})

import { type ActionFunctionArgs, redirect } from '@remix-run/node'
import { endStaffSession } from '~/server/session.server'
import { formAction } from '~/server/form-boundary.server'

// Signing out is a POST (a link or prefetch must not sign anyone out).
export async function loader() {
  return redirect('/')
}

export const action = formAction(async ({ request }: ActionFunctionArgs) => {
  const headers = await endStaffSession(request)
  return redirect('/login?notice=signed-out', { headers })
})

import { appErrorOf } from '@accord/api'
import { data, redirect } from '@remix-run/node'
import { type FormSuccess, failureFromAppError, unexpectedFailure } from '~/lib/forms'

/**
 * Turn anything an action's core/tRPC call threw into a form result with the
 * right status: AppError → field and form messages; a thrown Response
 * (redirect, 404) passes through; anything else is logged and answered with a
 * generic message instead of an error page, so the form keeps its values.
 */
export function actionFailure(
  error: unknown,
  options: { fields?: readonly string[]; values?: Record<string, string>; intent?: string | null } = {},
) {
  if (error instanceof Response) throw error
  const appError = appErrorOf(error)
  if (appError?.code === 'UNAUTHENTICATED') throw redirect('/login')
  if (!appError || appError.code === 'INTERNAL') {
    console.error('[admin] action failed:', error)
    const { status, body } = unexpectedFailure(options)
    return data(body, { status })
  }
  const { status, body } = failureFromAppError(appError, options)
  return data(body, { status })
}

export function actionSuccess(intent: string | null, notice: string | null = null, init?: ResponseInit) {
  const body: FormSuccess = { ok: true, intent, notice }
  return data(body, init)
}

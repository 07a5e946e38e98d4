import { scanFormData } from '@accord/core'
import { type ActionFunctionArgs, json } from '@remix-run/node'
import type { FormFailure } from '~/lib/forms'

const GUARDED = Symbol.for('accord.formBoundary')

export const CONTROL_CHARACTER_FORM_ERROR = 'A field contains invisible control characters (perhaps from a copy and paste). Remove them and try again.'

/** Form bodies only: JSON and other bodies have their own boundary (tRPC). */
function isFormBody(request: Request): boolean {
  const type = request.headers.get('content-type')?.toLowerCase() ?? ''
  return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')
}

/**
 * The portal's form boundary: every action is wrapped in it, so a control
 * character (NUL, other C0 controls, DEL, lone surrogates) in any submitted
 * field answers 400 with a message under that field before the action runs,
 * instead of reaching Postgres as a 500. A test checks that every page's
 * action is wrapped.
 */
export function formAction<Args extends ActionFunctionArgs, Result>(action: (args: Args) => Promise<Result>) {
  const guarded = async (args: Args) => {
    if (isFormBody(args.request)) {
      let form: FormData | null = null
      try {
        form = await args.request.clone().formData()
      } catch {
        // Unreadable bodies are the action's to answer (it reads the same body).
      }
      const scan = form ? scanFormData(form) : null
      if (scan?.fieldErrors) {
        return json<FormFailure>({ ok: false, formError: CONTROL_CHARACTER_FORM_ERROR, fieldErrors: scan.fieldErrors, values: scan.values, code: 'VALIDATION' }, { status: 400 })
      }
    }
    return action(args)
  }
  return Object.assign(guarded, { [GUARDED]: true as const })
}

/** True for an action wrapped in formAction (for the test that every action is). */
export function isFormAction(action: unknown): boolean {
  return typeof action === 'function' && (action as unknown as Record<symbol, unknown>)[GUARDED] === true
}

import { scanFormData } from '@accord/core'
import { type ActionFunctionArgs, data } from '@remix-run/node'
import type { FormFailure } from '~/lib/forms'

const GUARDED = Symbol.for('accord.formBoundary')

export const CONTROL_CHARACTER_FORM_ERROR = 'A field contains invisible control characters (perhaps from a copy and paste). Remove them and try again.'

/** Form bodies only: JSON and other bodies have their own boundary (tRPC, webhooks). */
function isFormBody(request: Request): boolean {
  const type = request.headers.get('content-type')?.toLowerCase() ?? ''
  return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')
}

/**
 * The admin app's form boundary: every action is wrapped in it, so a
 * control character (NUL, other C0 controls, DEL, lone surrogates) in any
 * submitted field answers 400 with a message under that field before the
 * action runs, instead of reaching Postgres as a 500. A test checks that
 * every route's action is wrapped.
 */
export interface FormBoundaryOptions {
  /** The intent the page shows this form's errors under, when it is not the submitted `intent` field (editors, per-row forms). */
  intent?: (form: FormData) => string | null
  /** Answer in the route's own shape (resource routes answering XMLHttpRequest). */
  respond?: (failure: FormFailure, request: Request) => Response
}

export function formAction<Args extends ActionFunctionArgs, Result>(action: (args: Args) => Promise<Result>, options: FormBoundaryOptions = {}) {
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
        const intent = form && options.intent ? options.intent(form) : (scan.values.intent ?? null)
        const body: FormFailure = { ok: false, intent, formError: CONTROL_CHARACTER_FORM_ERROR, fieldErrors: scan.fieldErrors, values: scan.values, code: 'VALIDATION' }
        if (options.respond) return options.respond(body, args.request) as never
        return data(body, { status: 400 })
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

import { appErrorOf } from '@accord/api'
import { json } from '@remix-run/node'
import type { FormFailure } from '~/lib/forms'

const GENERIC = 'Something went wrong on our side. Please try again in a moment.'

/**
 * Turn what a core call threw into a form failure the page can show: field
 * messages under their fields, everything else above the form. Unexpected
 * errors are logged and answered with a generic message.
 */
export function formFailure(error: unknown, options: { fields: readonly string[]; values?: Record<string, string> }) {
  const appError = appErrorOf(error)
  if (!appError || appError.code === 'INTERNAL') {
    console.error('[portal] unexpected error in a form action:', error)
    return json<FormFailure>({ ok: false, formError: GENERIC, fieldErrors: {}, values: options.values ?? {}, code: 'INTERNAL' }, { status: 500 })
  }
  const fieldErrors: Record<string, string[]> = {}
  const loose: string[] = []
  for (const [field, messages] of Object.entries(appError.fieldErrors ?? {})) {
    if (options.fields.includes(field)) fieldErrors[field] = messages
    else loose.push(...messages)
  }
  const hasFieldErrors = Object.keys(fieldErrors).length > 0
  // "Please correct the highlighted fields" adds nothing when the fields say it.
  const formError = loose.length > 0 ? loose.join(' ') : hasFieldErrors && appError.code === 'VALIDATION' ? null : appError.message
  return json<FormFailure>({ ok: false, formError, fieldErrors, values: options.values ?? {}, code: appError.code }, { status: appError.httpStatus })
}

/** A failure the route itself detected while parsing the form. */
export function fieldFailure(fieldErrors: Record<string, string[]>, values: Record<string, string> = {}) {
  return json<FormFailure>({ ok: false, formError: null, fieldErrors, values, code: 'VALIDATION' }, { status: 400 })
}

/** A form field as a string ('' when missing or a file). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name)
  return typeof value === 'string' ? value : ''
}

/**
 * For `.catch()` in a loader's lookup: unknown, malformed, another partner's
 * or another vendor's id all end as the same branded 404 (`message`);
 * anything else is rethrown.
 */
export function rethrowAsNotFound(headers: Headers, message = 'We could not find that page'): (error: unknown) => never {
  return (error) => {
    const code = appErrorOf(error)?.code
    if (code === 'NOT_FOUND' || code === 'VALIDATION' || code === 'BAD_REQUEST') throw json({ message }, { status: 404, headers })
    throw error
  }
}

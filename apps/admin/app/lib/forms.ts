/** Field name → messages, as core's AppError carries them. */
export type FieldErrors = Record<string, string[]>

/** What an action returns when the form must be shown again. */
export interface FormFailure {
  ok: false
  /** Which form on the page was submitted (pages with several forms). */
  intent: string | null
  /** A message for the whole form (top of the form, role=alert). */
  formError: string | null
  fieldErrors: FieldErrors
  /** What the person typed, so the form keeps it (never passwords). */
  values: Record<string, string>
  /** The AppError code, for pages that explain some codes specially (expired links). */
  code?: string
}

export interface FormSuccess {
  ok: true
  intent: string | null
  notice: string | null
}

export type FormResult = FormFailure | FormSuccess

/** The fields of an AppError this mapping needs (kept structural so the helper stays pure). */
export interface AppErrorLike {
  code: string
  message: string
  fieldErrors?: FieldErrors
  httpStatus: number
}

export const GENERIC_FAILURE = 'Something went wrong on our side. Your changes were not saved; please try again in a moment.'

/**
 * Text fields of a submitted form as strings ('' when missing or a file).
 * Core validates and trims; this only picks the names the form is meant to send.
 */
export function formValues<const Name extends string>(formData: FormData, names: readonly Name[]): Record<Name, string> {
  const values = {} as Record<Name, string>
  for (const name of names) {
    const value = formData.get(name)
    values[name] = typeof value === 'string' ? value : ''
  }
  return values
}

/** The submitted values worth echoing back into the form: passwords are dropped. */
export function echoValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !/password/i.test(name)))
}

/**
 * AppError → what the form shows. Messages for the form's `fields` go next to
 * them; messages for anything else (`_form`, ids, or every field of a form
 * without visible fields such as a row's button) join the form-level message,
 * so nothing the server said is lost. A form-level message that only repeats a
 * field message is dropped (the field already says it).
 */
export function failureFromAppError(
  error: AppErrorLike,
  options: { fields?: readonly string[]; values?: Record<string, string>; intent?: string | null } = {},
): { status: number; body: FormFailure } {
  const fieldErrors: FieldErrors = {}
  const otherMessages: string[] = []
  const fields = options.fields ?? []
  for (const [key, messages] of Object.entries(error.fieldErrors ?? {})) {
    if (fields.includes(key)) fieldErrors[key] = messages
    else otherMessages.push(...messages)
  }
  const fieldMessages = Object.values(fieldErrors).flat()
  let formError: string | null
  if (otherMessages.length > 0) formError = otherMessages.join(' ')
  else if (fieldMessages.length === 0) formError = error.message
  else formError = fieldMessages.includes(error.message) ? null : error.message
  return {
    status: error.httpStatus >= 400 && error.httpStatus < 600 ? error.httpStatus : 400,
    body: { ok: false, intent: options.intent ?? null, formError, fieldErrors, values: echoValues(options.values ?? {}), code: error.code },
  }
}

/** Anything that is not an AppError: the person sees a calm message, the log gets the details. */
export function unexpectedFailure(options: { values?: Record<string, string>; intent?: string | null } = {}): { status: number; body: FormFailure } {
  return { status: 500, body: { ok: false, intent: options.intent ?? null, formError: GENERIC_FAILURE, fieldErrors: {}, values: echoValues(options.values ?? {}) } }
}

/** Field errors of a result, when it belongs to the given form. */
export function errorsFor(result: FormResult | undefined | null, intent: string | null = null): FormFailure | null {
  if (!result || result.ok) return null
  return result.intent === intent ? result : null
}

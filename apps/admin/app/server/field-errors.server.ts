import { appErrorOf } from '@accord/api'
import { AppError } from '@accord/core'

/**
 * The same error with its field keys renamed, for forms whose field names
 * differ from the procedure's input (e.g. core's `partners.0.percent` for the
 * form's third row, or `contentBase64` for the file input). Anything that is
 * not an AppError with field errors is returned unchanged.
 */
export function renameFieldErrors(error: unknown, rename: (key: string) => string): unknown {
  const appError = appErrorOf(error)
  if (!appError?.fieldErrors) return error
  const fieldErrors: Record<string, string[]> = {}
  for (const [key, messages] of Object.entries(appError.fieldErrors)) {
    const target = rename(key)
    fieldErrors[target] = [...(fieldErrors[target] ?? []), ...messages.filter((message) => !(fieldErrors[target] ?? []).includes(message))]
  }
  return new AppError(appError.code, appError.message, { fieldErrors, retryAfterSeconds: appError.retryAfterSeconds, cause: error })
}

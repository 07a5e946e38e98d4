import { useNavigation } from '@remix-run/react'
import { type RefObject, useEffect } from 'react'

/** What a form action returns when it did not go through. */
export interface FormFailure {
  ok: false
  /** Shown above the form (role="alert"). */
  formError: string | null
  /** Messages per field name, shown under the field. */
  fieldErrors: Record<string, string[]>
  /** Echo of what was typed (never passwords), so nothing is lost without JavaScript. */
  values: Record<string, string>
  /** Machine-readable reason, e.g. RATE_LIMITED. */
  code: string | null
}

export function isFormFailure(value: unknown): value is FormFailure {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false
}

/**
 * After a failed submission, move focus to the first invalid field, or to
 * the form's error message, so keyboard and screen-reader users land on it.
 */
export function useFocusOnFailure(failure: FormFailure | null | undefined, formRef: RefObject<HTMLElement>) {
  useEffect(() => {
    if (!failure || !formRef.current) return
    const invalid = formRef.current.querySelector<HTMLElement>('[aria-invalid="true"]')
    // An invalid group (radio buttons) is not focusable itself: focus its first control.
    const control = invalid && !invalid.matches('input, select, textarea, button') ? invalid.querySelector<HTMLElement>('input, select, textarea') : invalid
    const target = control ?? formRef.current.ownerDocument.querySelector<HTMLElement>('[data-form-error]')
    target?.focus()
  }, [failure, formRef])
}

/** True while this page's form is being submitted, optionally with a given `intent` button. */
export function useSubmitting(intent?: string): boolean {
  const navigation = useNavigation()
  if (navigation.state === 'idle' || !navigation.formData) return false
  return intent === undefined || navigation.formData.get('intent') === intent
}

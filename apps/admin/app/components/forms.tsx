import { Form, useLocation, useNavigation } from '@remix-run/react'
import { Alert } from '@accord/ui'
import { type ReactNode, useEffect, useRef } from 'react'
import type { FormFailure, FormResult } from '~/lib/forms'
import { useDismissableDetails } from './disclosure'

/**
 * True while this page's form with the given intent is being submitted (or,
 * without an intent, while any form posts to this page), for pending buttons.
 */
export function useSubmitting(intent?: string): boolean {
  const navigation = useNavigation()
  if (navigation.state === 'idle' || !navigation.formData) return false
  if (intent === undefined) return true
  return navigation.formData.get('intent') === intent
}

/**
 * This page's URL without its one-off `?notice=`: forms post here, so the
 * confirmation from the previous step does not linger after the next action.
 */
export function usePageAction(): string {
  const location = useLocation()
  const params = new URLSearchParams(location.search)
  params.delete('notice')
  const search = params.toString()
  return `${location.pathname}${search ? `?${search}` : ''}`
}

/**
 * After the server answers with errors, move keyboard focus to the first
 * invalid field (or the form's message) so nobody has to hunt for it.
 */
export function useFocusOnErrors(failure: FormFailure | null) {
  const formRef = useRef<HTMLFormElement>(null)
  useEffect(() => {
    if (!failure || !formRef.current) return
    const target = formRef.current.querySelector<HTMLElement>('[aria-invalid="true"]') ?? formRef.current.querySelector<HTMLElement>('[data-form-error]')
    target?.focus()
  }, [failure])
  return formRef
}

/**
 * For pages with several forms: focus the first error of this form after a
 * failed submit, and (optionally) empty it after a successful one, e.g. an
 * invitation form ready for the next person.
 */
export function useFormFeedback(result: FormResult | null | undefined, intent: string, options: { resetOnSuccess?: boolean } = {}) {
  const formRef = useRef<HTMLFormElement>(null)
  const { resetOnSuccess = false } = options
  useEffect(() => {
    const form = formRef.current
    if (!result || result.intent !== intent || !form) return
    if (result.ok) {
      if (resetOnSuccess) form.reset()
      return
    }
    const target = form.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form.querySelector<HTMLElement>('[data-form-error]')
    target?.focus()
  }, [result, intent, resetOnSuccess])
  return formRef
}

/** A success message for one form of the page, when that form was the one submitted. */
export function FormNotice({ result, intent }: { result: FormResult | null | undefined; intent: string }) {
  if (!result?.ok || result.intent !== intent || !result.notice) return null
  return <Alert tone="success">{result.notice}</Alert>
}

/** The whole-form message at the top of a form. */
export function FormError({ failure }: { failure: FormFailure | null }) {
  if (!failure?.formError) return null
  return (
    <div data-form-error tabIndex={-1}>
      <Alert tone="error">{failure.formError}</Alert>
    </div>
  )
}

/** Value to show in a field: what was typed (after an error), else the saved value. */
export function valueOf(failure: FormFailure | null, name: string, saved?: string | null): string {
  return failure?.values[name] ?? saved ?? ''
}

/**
 * Two-step destructive action without `window.confirm`: the first button only
 * opens an explanation with the real (danger) button. Works without JavaScript.
 */
export function ConfirmAction(props: {
  label: string
  confirmLabel: string
  pendingLabel?: string
  pending?: boolean
  intent: string
  hidden?: Record<string, string>
  action?: string
  children: ReactNode
  variant?: 'danger' | 'secondary'
}) {
  const pageAction = usePageAction()
  const details = useDismissableDetails()
  return (
    <details className="confirm" ref={details}>
      <summary className={`button ${props.variant === 'secondary' ? 'secondary' : 'danger-outline'}`}>{props.label}</summary>
      <div className="confirm-panel" role="group" aria-label={props.label}>
        <div className="confirm-text">{props.children}</div>
        <Form method="post" action={props.action ?? pageAction}>
          <input type="hidden" name="intent" value={props.intent} />
          {Object.entries(props.hidden ?? {}).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <button type="submit" className="button danger" disabled={props.pending} aria-busy={props.pending || undefined}>
            {props.pending ? (props.pendingLabel ?? 'Working…') : props.confirmLabel}
          </button>
        </Form>
      </div>
    </details>
  )
}

import { FieldError } from '@accord/ui'
import { type ReactNode, useId } from 'react'

/**
 * Controls the shared `Field` does not cover (dates, decimals, suggestions
 * lists, text areas, check boxes), wired the same way: label, hint and error
 * tied to the control with aria-describedby, aria-invalid when in error.
 */

function describedBy(id: string, hint: ReactNode, errors: string[] | null | undefined): string | undefined {
  return [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(' ') || undefined
}

function Label({ id, label, required }: { id: string; label: string; required?: boolean }) {
  return (
    <label htmlFor={id}>
      {label}
      {required ? null : <span className="muted"> (optional)</span>}
    </label>
  )
}

function Hint({ id, hint }: { id: string; hint: ReactNode }) {
  return hint ? (
    <p className="hint" id={`${id}-hint`}>
      {hint}
    </p>
  ) : null
}

export function InputField(props: {
  label: string
  name: string
  type?: 'text' | 'date' | 'email' | 'url'
  defaultValue?: string | null
  errors?: string[] | null
  hint?: ReactNode
  required?: boolean
  autoComplete?: string
  inputMode?: 'text' | 'decimal' | 'email' | 'url'
  maxLength?: number
  list?: string
  placeholder?: string
  autoCapitalize?: string
  className?: string
}) {
  const id = useId()
  return (
    <div className={['field', props.className].filter(Boolean).join(' ')}>
      <Label id={id} label={props.label} required={props.required} />
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        defaultValue={props.defaultValue ?? undefined}
        required={props.required}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        maxLength={props.maxLength}
        list={props.list}
        placeholder={props.placeholder}
        autoCapitalize={props.autoCapitalize}
        aria-invalid={props.errors?.length ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.errors)}
      />
      <Hint id={id} hint={props.hint} />
      <FieldError id={`${id}-error`} messages={props.errors} />
    </div>
  )
}

export function TextAreaField(props: { label: string; name: string; defaultValue?: string | null; errors?: string[] | null; hint?: ReactNode; required?: boolean; rows?: number; maxLength?: number }) {
  const id = useId()
  return (
    <div className="field">
      <Label id={id} label={props.label} required={props.required} />
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        defaultValue={props.defaultValue ?? undefined}
        required={props.required}
        maxLength={props.maxLength}
        aria-invalid={props.errors?.length ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.errors)}
      />
      <Hint id={id} hint={props.hint} />
      <FieldError id={`${id}-error`} messages={props.errors} />
    </div>
  )
}

/** A check box with its label beside it (no "(optional)": a box is optional unless an error says otherwise). */
export function CheckboxField(props: { label: ReactNode; name: string; defaultChecked?: boolean; errors?: string[] | null; hint?: ReactNode; required?: boolean }) {
  const id = useId()
  return (
    <div className="field checkbox-field">
      <div className="checkbox-line">
        <input
          id={id}
          name={props.name}
          type="checkbox"
          defaultChecked={props.defaultChecked}
          required={props.required}
          aria-invalid={props.errors?.length ? true : undefined}
          aria-describedby={describedBy(id, props.hint, props.errors)}
        />
        <label htmlFor={id}>{props.label}</label>
      </div>
      <Hint id={id} hint={props.hint} />
      <FieldError id={`${id}-error`} messages={props.errors} />
    </div>
  )
}

/** A file picker, wired like the other fields. Browsers never refill it after a failed submission. */
export function FileField(props: { label: string; name: string; accept?: string; errors?: string[] | null; hint?: ReactNode; required?: boolean; onChange?: (file: File | null) => void }) {
  const id = useId()
  return (
    <div className="field file-field">
      <Label id={id} label={props.label} required={props.required} />
      <input
        id={id}
        name={props.name}
        type="file"
        accept={props.accept}
        required={props.required}
        aria-invalid={props.errors?.length ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.errors)}
        onChange={props.onChange ? (event) => props.onChange?.(event.currentTarget.files?.[0] ?? null) : undefined}
      />
      <Hint id={id} hint={props.hint} />
      <FieldError id={`${id}-error`} messages={props.errors} />
    </div>
  )
}

import { FieldError } from '@accord/ui'
import { type ReactNode, useId } from 'react'

/**
 * Controls the shared `Field` / `SelectField` do not cover (numbers, dates,
 * text areas, check boxes, selects with a change handler), wired the same
 * way: label, hint and error tied to the control with aria-describedby, and
 * aria-invalid while the server reports an error for it.
 */

function describedBy(id: string, hint: ReactNode, errors: string[] | null | undefined): string | undefined {
  return [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(' ') || undefined
}

function Label({ id, label, required, optionalMark = true }: { id: string; label: ReactNode; required?: boolean; optionalMark?: boolean }) {
  return (
    <label htmlFor={id}>
      {label}
      {required ? <span className="muted"> (required)</span> : optionalMark ? <span className="muted"> (optional)</span> : null}
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
  label: ReactNode
  name: string
  type?: 'text' | 'date' | 'number' | 'email' | 'url'
  defaultValue?: string | null
  errors?: string[] | null
  hint?: ReactNode
  required?: boolean
  /** Show "(optional)" after the label when not required (default true). */
  optionalMark?: boolean
  autoComplete?: string
  inputMode?: 'text' | 'decimal' | 'numeric' | 'email' | 'url'
  maxLength?: number
  min?: number
  max?: number
  step?: number | 'any'
  list?: string
  placeholder?: string
  autoCapitalize?: string
  className?: string
  suffix?: string
}) {
  const id = useId()
  const input = (
    <input
      id={id}
      name={props.name}
      type={props.type ?? 'text'}
      defaultValue={props.defaultValue ?? undefined}
      required={props.required}
      autoComplete={props.autoComplete ?? 'off'}
      inputMode={props.inputMode}
      maxLength={props.maxLength}
      min={props.min}
      max={props.max}
      step={props.step}
      list={props.list}
      placeholder={props.placeholder}
      autoCapitalize={props.autoCapitalize}
      aria-invalid={props.errors?.length ? true : undefined}
      aria-describedby={[props.suffix ? `${id}-unit` : null, describedBy(id, props.hint, props.errors)].filter(Boolean).join(' ') || undefined}
    />
  )
  return (
    <div className={['field', props.className].filter(Boolean).join(' ')}>
      <Label id={id} label={props.label} required={props.required} optionalMark={props.optionalMark} />
      {props.suffix ? (
        <div className="input-affix">
          {input}
          <span className="unit" id={`${id}-unit`}>
            {props.suffix}
          </span>
        </div>
      ) : (
        input
      )}
      <Hint id={id} hint={props.hint} />
      <FieldError id={`${id}-error`} messages={props.errors} />
    </div>
  )
}

export function TextAreaField(props: { label: ReactNode; name: string; defaultValue?: string | null; errors?: string[] | null; hint?: ReactNode; required?: boolean; rows?: number; maxLength?: number }) {
  const id = useId()
  return (
    <div className="field">
      <Label id={id} label={props.label} required={props.required} />
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
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

/** A check box with its label beside it. */
export function CheckboxField(props: { label: ReactNode; name: string; value?: string; defaultChecked?: boolean; errors?: string[] | null; hint?: ReactNode; required?: boolean }) {
  const id = useId()
  return (
    <div className="field checkbox-field">
      <div className="checkbox-line">
        <input
          id={id}
          name={props.name}
          type="checkbox"
          value={props.value}
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

/** A select like `SelectField`, with an optional change handler and required/optional marks. */
export function SelectControl(props: {
  label: ReactNode
  name: string
  options: Array<{ value: string; label: string }>
  defaultValue?: string | null
  value?: string
  onChange?: (value: string) => void
  errors?: string[] | null
  hint?: ReactNode
  required?: boolean
  optionalMark?: boolean
  className?: string
}) {
  const id = useId()
  const controlled = props.value !== undefined
  return (
    <div className={['field', props.className].filter(Boolean).join(' ')}>
      <Label id={id} label={props.label} required={props.required} optionalMark={props.optionalMark} />
      <select
        id={id}
        name={props.name}
        {...(controlled ? { value: props.value } : { defaultValue: props.defaultValue ?? '' })}
        onChange={props.onChange ? (event) => props.onChange?.(event.target.value) : undefined}
        required={props.required}
        aria-invalid={props.errors?.length ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.errors)}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Hint id={id} hint={props.hint} />
      <FieldError id={`${id}-error`} messages={props.errors} />
    </div>
  )
}

/** Check boxes sharing one name (a list field), with legend, hint and the server's message. */
export function CheckboxGroup(props: { legend: string; name: string; options: Array<{ value: string; label: string }>; checked: string[]; errors?: string[] | null; hint?: ReactNode; className?: string }) {
  const id = useId()
  const checked = new Set(props.checked)
  return (
    <fieldset className={['checkbox-group', props.className].filter(Boolean).join(' ')} aria-describedby={describedBy(id, props.hint, props.errors)}>
      <legend>{props.legend}</legend>
      {props.hint ? (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <div className="checkbox-options">
        {props.options.map((option) => (
          <label key={option.value} className="checkbox-line">
            <input type="checkbox" name={props.name} value={option.value} defaultChecked={checked.has(option.value)} aria-invalid={props.errors?.length ? true : undefined} />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
      <FieldError id={`${id}-error`} messages={props.errors} />
    </fieldset>
  )
}

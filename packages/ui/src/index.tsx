import { type ReactNode, useId } from 'react'

export function FieldError({ id, messages }: { id: string; messages?: string[] | null }) {
  if (!messages?.length) return null
  return (
    <p className="error" id={id} role="alert">
      {messages.join(' ')}
    </p>
  )
}

/**
 * Label, control, hint and error wired together for screen readers:
 * aria-invalid and aria-describedby are set on the control.
 */
export function Field(props: {
  label: string
  name: string
  type?: 'text' | 'email' | 'password' | 'url' | 'search'
  defaultValue?: string | null
  errors?: string[] | null
  hint?: ReactNode
  required?: boolean
  autoComplete?: string
  autoFocus?: boolean
  placeholder?: string
  maxLength?: number
  prefix?: string
  suffix?: string
  inputMode?: 'text' | 'email' | 'url'
  onChange?: (value: string) => void
}) {
  const id = useId()
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const describedBy = [props.hint ? hintId : null, props.errors?.length ? errorId : null].filter(Boolean).join(' ') || undefined
  const input = (
    <input
      id={id}
      name={props.name}
      type={props.type ?? 'text'}
      defaultValue={props.defaultValue ?? undefined}
      required={props.required}
      autoComplete={props.autoComplete}
      autoFocus={props.autoFocus}
      placeholder={props.placeholder}
      maxLength={props.maxLength}
      inputMode={props.inputMode}
      aria-invalid={props.errors?.length ? true : undefined}
      aria-describedby={describedBy}
      onChange={props.onChange ? (event) => props.onChange?.(event.target.value) : undefined}
    />
  )
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required ? null : <span className="muted"> (optional)</span>}
      </label>
      {props.prefix || props.suffix ? (
        <div className="input-affix">
          {props.prefix ? <span aria-hidden="true">{props.prefix}</span> : null}
          {input}
          {props.suffix ? <span aria-hidden="true">{props.suffix}</span> : null}
        </div>
      ) : (
        input
      )}
      {props.hint ? (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      <FieldError id={errorId} messages={props.errors} />
    </div>
  )
}

export function SelectField(props: {
  label: string
  name: string
  options: Array<{ value: string; label: string }>
  defaultValue?: string | null
  errors?: string[] | null
  hint?: ReactNode
  required?: boolean
  placeholder?: string
}) {
  const id = useId()
  const errorId = `${id}-error`
  const hintId = `${id}-hint`
  const describedBy = [props.hint ? hintId : null, props.errors?.length ? errorId : null].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required ? null : <span className="muted"> (optional)</span>}
      </label>
      <select id={id} name={props.name} defaultValue={props.defaultValue ?? ''} required={props.required} aria-invalid={props.errors?.length ? true : undefined} aria-describedby={describedBy}>
        {props.placeholder ? (
          <option value="" disabled>
            {props.placeholder}
          </option>
        ) : null}
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {props.hint ? (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      <FieldError id={errorId} messages={props.errors} />
    </div>
  )
}

export function Alert({ tone, children, title }: { tone: 'error' | 'success' | 'warning' | 'info'; children: ReactNode; title?: string }) {
  return (
    <div className={`alert ${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title ? <strong>{title} </strong> : null}
      {children}
    </div>
  )
}

export function SubmitButton({ children, pending, pendingLabel, variant, name, value, full }: { children: ReactNode; pending?: boolean; pendingLabel?: string; variant?: 'secondary' | 'danger'; name?: string; value?: string; full?: boolean }) {
  return (
    <button type="submit" className={['button', variant, full ? 'full' : null].filter(Boolean).join(' ')} disabled={pending} aria-busy={pending || undefined} name={name} value={value}>
      {pending ? (pendingLabel ?? 'Working…') : children}
    </button>
  )
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="card empty">
      <h2>{title}</h2>
      {children ? <p>{children}</p> : null}
      {action}
    </div>
  )
}

export function Badge({ tone, children }: { tone?: 'success' | 'warning' | 'danger'; children: ReactNode }) {
  return <span className={['badge', tone].filter(Boolean).join(' ')}>{children}</span>
}

/** Readable text colour (black/white) on a brand background, by WCAG relative luminance. */
export function contrastText(hex: string): '#000000' | '#ffffff' {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
  if (!match) return '#ffffff'
  const channel = (value: string) => {
    const c = Number.parseInt(value, 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(match[1] ?? '0') + 0.7152 * channel(match[2] ?? '0') + 0.0722 * channel(match[3] ?? '0')
  // Whichever of black or white contrasts more (WCAG ratio); the crossover is at L ≈ 0.179.
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff'
}

export { RichTextEditor, type RichTextEditorProps } from './rich-text-editor'

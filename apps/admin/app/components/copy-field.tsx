import { useId, useState } from 'react'

/** A read-only value with a Copy button (the field stays selectable without JavaScript). */
export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId()
  const [copied, setCopied] = useState(false)
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} type="text" readOnly value={value} onFocus={(event) => event.currentTarget.select()} />
        <button
          type="button"
          className="button secondary"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => {
              setCopied(true)
              setTimeout(() => setCopied(false), 2000)
            })
          }}
        >
          Copy
        </button>
        <a className="button secondary" href={value} target="_blank" rel="noreferrer">
          Open<span className="sr-only"> (new tab)</span>
        </a>
      </div>
      <p className="hint" aria-live="polite">
        {copied ? 'Copied to the clipboard.' : ''}
      </p>
    </div>
  )
}

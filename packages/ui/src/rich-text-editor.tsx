import { type ComponentType, type ReactNode, useEffect, useId, useState } from 'react'
import { FieldError } from './index'

/**
 * A rich-text field (Tiptap) whose HTML travels in an ordinary form field
 * named `name`. The server and the first paint render a plain text area
 * with the same name (the form works before hydration and without
 * JavaScript); the editor is loaded in the browser only, as its own chunk,
 * so ProseMirror never runs during SSR.
 */
export interface RichTextEditorProps {
  label: string
  name: string
  defaultValue?: string | null
  errors?: string[] | null
  hint?: ReactNode
  required?: boolean
  /** Longest HTML accepted (the fallback text area's maxLength). */
  maxLength?: number
  placeholder?: string
  /** Library resources the editor can link to ("Resource" button): absolute URL, title and kind. */
  resources?: ReadonlyArray<{ url: string; title: string; kind: string }>
}

export interface RichTextEditorImplProps extends RichTextEditorProps {
  id: string
  labelId: string
  describedBy: string | undefined
}

export function RichTextEditor(props: RichTextEditorProps) {
  const id = useId()
  const labelId = `${id}-label`
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const describedBy = [props.hint ? hintId : null, props.errors?.length ? errorId : null].filter(Boolean).join(' ') || undefined
  const [Editor, setEditor] = useState<ComponentType<RichTextEditorImplProps> | null>(null)
  useEffect(() => {
    let cancelled = false
    import('./rich-text-editor-client')
      .then((module) => {
        if (!cancelled) setEditor(() => module.TiptapEditor)
      })
      .catch((error: unknown) => {
        // The text area keeps working; HTML typed there is sanitised on the server all the same.
        console.error('[ui] the rich-text editor could not be loaded:', error)
      })
    return () => {
      cancelled = true
    }
  }, [])

  return (
    <div className="field rich-text-field">
      <label id={labelId} htmlFor={id}>
        {props.label}
        {props.required ? null : <span className="muted"> (optional)</span>}
      </label>
      {Editor ? (
        <Editor {...props} id={id} labelId={labelId} describedBy={describedBy} />
      ) : (
        <textarea
          id={id}
          name={props.name}
          rows={10}
          className="rich-text-fallback"
          defaultValue={props.defaultValue ?? ''}
          maxLength={props.maxLength}
          placeholder={props.placeholder}
          aria-invalid={props.errors?.length ? true : undefined}
          aria-describedby={describedBy}
        />
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

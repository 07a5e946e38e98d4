import { FieldError, SelectField } from '@accord/ui'
import { useNavigate } from '@remix-run/react'
import { type FormEvent, useCallback, useId, useState } from 'react'
import { CheckboxGroup, InputField, TextAreaField } from '~/components/form-controls'
import { valueOf } from '~/components/forms'
import type { FormFailure } from './forms'
import { CONTENT_TYPE_OPTIONS, formatBytes, MOTION_OPTIONS } from './resources'

/**
 * The resource form's metadata fields (new and edit pages), the file field
 * with its size check, and an upload with a progress bar.
 */

export interface EditableResource {
  title: string
  description: string
  contentType: string
  motions: string[]
  industries: string[]
  useCases: string[]
  visibleTiers: string[]
  visibleMotions: string[]
  status: string
  url: string | null
}

const lines = (value: string) => value.split('\n').filter(Boolean)

export function ResourceFields(props: { resource: EditableResource | null; failure: FormFailure | null; tierOptions: string[]; industrySuggestions: string[]; useCaseSuggestions: string[]; showStatus: boolean }) {
  const { resource, failure } = props
  const errors = (name: string) => failure?.fieldErrors[name]
  const list = (name: string, saved: string[]) => (failure ? lines(failure.values[name] ?? '') : saved)
  const industriesList = useId()
  const useCasesList = useId()
  const visibleTiers = list('visibleTiers', resource?.visibleTiers ?? [])
  const tierChoices = [...new Set([...props.tierOptions, ...visibleTiers])].map((tier) => ({ value: tier, label: tier }))
  const status = valueOf(failure, 'status', resource?.status ?? 'published')
  return (
    <>
      <InputField label="Title" name="title" required maxLength={200} defaultValue={valueOf(failure, 'title', resource?.title)} errors={errors('title')} />
      <TextAreaField label="Description" name="description" rows={3} maxLength={2000} defaultValue={valueOf(failure, 'description', resource?.description)} errors={errors('description')} hint="What it is for and when to use it. Partners see this on the card and it is searched." />
      <SelectField label="Kind of resource" name="contentType" required placeholder="Choose…" options={[...CONTENT_TYPE_OPTIONS]} defaultValue={valueOf(failure, 'contentType', resource?.contentType)} errors={errors('contentType')} />
      <fieldset className="settings-group stack">
        <legend>Tags</legend>
        <p className="hint">Partners filter the library by these.</p>
        <CheckboxGroup legend="Motions" name="motions" options={[...MOTION_OPTIONS]} checked={list('motions', resource?.motions ?? [])} errors={errors('motions')} className="inline" />
        <InputField label="Industries" name="industries" maxLength={600} list={industriesList} defaultValue={valueOf(failure, 'industries', resource?.industries.join(', '))} errors={errors('industries')} hint="Comma-separated, e.g. Manufacturing, Retail." />
        <datalist id={industriesList}>
          {props.industrySuggestions.map((tag) => (
            <option key={tag} value={tag} />
          ))}
        </datalist>
        <InputField label="Use cases" name="useCases" maxLength={600} list={useCasesList} defaultValue={valueOf(failure, 'useCases', resource?.useCases.join(', '))} errors={errors('useCases')} hint="Comma-separated, e.g. Competitive, Renewals, Onboarding." />
        <datalist id={useCasesList}>
          {props.useCaseSuggestions.map((tag) => (
            <option key={tag} value={tag} />
          ))}
        </datalist>
      </fieldset>
      <fieldset className="settings-group stack">
        <legend>Who can see it</legend>
        <p className="hint">Nothing ticked: every partner. Ticking tiers or motions limits it to partners in one of them (both: in both).</p>
        <CheckboxGroup legend="Only these tiers" name="visibleTiers" options={tierChoices} checked={visibleTiers} errors={errors('visibleTiers')} className="inline" />
        <CheckboxGroup legend="Only these motions" name="visibleMotions" options={[...MOTION_OPTIONS]} checked={list('visibleMotions', resource?.visibleMotions ?? [])} errors={errors('visibleMotions')} className="inline" />
      </fieldset>
      {props.showStatus ? (
        <fieldset className="radio-group">
          <legend>Publish</legend>
          <label className="checkbox-line">
            <input type="radio" name="status" value="published" defaultChecked={status !== 'draft'} />
            <span>Publish now: partners see it in the library</span>
          </label>
          <label className="checkbox-line">
            <input type="radio" name="status" value="draft" defaultChecked={status === 'draft'} />
            <span>Save as draft: only staff see it</span>
          </label>
          <FieldError id="status-error" messages={errors('status')} />
        </fieldset>
      ) : null}
    </>
  )
}

/** The file picker: says the limit, and refuses an oversized file before it is sent. */
export function FileField(props: { label: string; accept: string; maxBytes: number; errors?: string[] | null; required?: boolean; hint?: string }) {
  const id = useId()
  const [tooLarge, setTooLarge] = useState<string | null>(null)
  const messages = tooLarge ? [tooLarge] : props.errors
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required ? null : <span className="muted"> (optional)</span>}
      </label>
      <input
        id={id}
        type="file"
        name="file"
        accept={props.accept}
        aria-invalid={messages?.length ? true : undefined}
        aria-describedby={`${id}-hint${messages?.length ? ` ${id}-error` : ''}`}
        onChange={(event) => {
          const file = event.currentTarget.files?.[0]
          const message = file && file.size > props.maxBytes ? `This file is ${formatBytes(file.size)}; files can be at most ${formatBytes(props.maxBytes)}. Share larger files as a link.` : null
          event.currentTarget.setCustomValidity(message ?? '')
          setTooLarge(message)
        }}
      />
      <p className="hint" id={`${id}-hint`}>
        {props.hint ?? `PDF, PowerPoint, Word, Excel or an image (PNG, JPEG, GIF, WebP), up to ${formatBytes(props.maxBytes)}.`}
      </p>
      <FieldError id={`${id}-error`} messages={messages} />
    </div>
  )
}

type UploadAnswer = { ok: true; redirectTo: string } | { ok: false; failure: FormFailure }

/**
 * Sends a form with a file through XMLHttpRequest to `endpoint` (which
 * answers JSON), so the page can show upload progress; then follows the
 * answer's redirect or shows its field errors. Without JavaScript the form
 * posts normally to its page and the same server code runs.
 */
export function useUploadWithProgress(endpoint: string) {
  const navigate = useNavigate()
  const [progress, setProgress] = useState<number | null>(null)
  const [failure, setFailure] = useState<FormFailure | null>(null)
  const onSubmit = useCallback(
    (event: FormEvent<HTMLFormElement>) => {
      const form = event.currentTarget
      const body = new FormData(form)
      const file = body.get('file')
      // Links (no file) go the normal way: nothing to show progress for.
      if (!(file instanceof File) || file.size === 0 || body.get('kind') === 'link') return
      if (!form.checkValidity()) return
      event.preventDefault()
      const request = new XMLHttpRequest()
      request.open('POST', endpoint)
      request.setRequestHeader('Accept', 'application/json')
      request.upload.onprogress = (progressEvent) => {
        if (progressEvent.lengthComputable) setProgress(Math.round((progressEvent.loaded / progressEvent.total) * 100))
      }
      const fail = (message: string, field = false) => {
        setProgress(null)
        setFailure({ ok: false, intent: 'resource', formError: field ? null : message, fieldErrors: field ? { file: [message] } : {}, values: {} })
      }
      request.onerror = () => fail('The upload was interrupted. Check your connection and try again.')
      request.onload = () => {
        let answer: UploadAnswer | null = null
        try {
          answer = JSON.parse(request.responseText) as UploadAnswer
        } catch {
          answer = null
        }
        if (answer?.ok) {
          setProgress(100)
          navigate(answer.redirectTo)
          return
        }
        if (answer && !answer.ok) {
          setProgress(null)
          // Keep what was typed: the form's fields are uncontrolled and still hold it.
          setFailure(answer.failure)
          return
        }
        if (request.status === 413) return fail('The file is larger than the server accepts. Share it as a link instead.', true)
        fail('Something went wrong on our side. Nothing was saved; please try again in a moment.')
      }
      setFailure(null)
      setProgress(0)
      request.send(body)
    },
    [endpoint, navigate],
  )
  return { onSubmit, progress, failure }
}

export function UploadProgress({ progress }: { progress: number | null }) {
  if (progress === null) return null
  return (
    <div className="upload-progress" role="status">
      <progress max={100} value={progress} aria-label="Upload progress">
        {progress}%
      </progress>
      <span>{progress < 100 ? `Uploading… ${progress}%` : 'Uploaded, saving…'}</span>
    </div>
  )
}

import { ACCEPTED_RESOURCE_EXTENSIONS, MAX_RESOURCE_FILE_BYTES } from '@accord/core'
import { SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useState } from 'react'
import { InputField } from '~/components/form-controls'
import { ErrorContent } from '~/components/error-page'
import { FormError, useFocusOnErrors, useSubmitting, valueOf } from '~/components/forms'
import { pageMeta } from '~/lib/meta'
import { FileField, ResourceFields, UploadProgress, useUploadWithProgress } from '~/lib/resources-form'
import { submitNewResource } from '~/lib/resources.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('New resource')

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'resources.manage')
  const suggestions = await caller.admin.resources.tagSuggestions()
  return data({ ...suggestions, maxBytes: MAX_RESOURCE_FILE_BYTES, accept: ACCEPTED_RESOURCE_EXTENSIONS.join(',') }, { headers })
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const staff = await requireStaff(request, context, 'resources.manage')
  const result = await submitNewResource(staff, request)
  if (result.ok) throw redirect(result.redirectTo, { headers: staff.headers })
  return data(result.failure, { status: result.status })
}, { intent: () => 'resource' })

export default function NewResource() {
  const { tiers, industries, useCases, maxBytes, accept } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const upload = useUploadWithProgress('/resources/upload')
  const failure = upload.failure ?? (result && !result.ok ? result : null)
  const formRef = useFocusOnErrors(failure)
  const [kind, setKind] = useState<'file' | 'link'>(failure?.values.kind === 'link' ? 'link' : 'file')
  const submitting = useSubmitting() || upload.progress !== null
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/resources">Resources</Link> <span aria-hidden="true">/</span> <span aria-current="page">New</span>
      </nav>
      <h1 id="resource-new-title">New resource</h1>
      <p className="muted">Upload a file or add a link. Partners find it in the portal’s library by its tags and by the words in it.</p>
      <Form method="post" encType="multipart/form-data" className="stack resource-form" noValidate ref={formRef} aria-labelledby="resource-new-title" onSubmit={upload.onSubmit}>
        <FormError failure={failure} />
        <section className="card stack" aria-labelledby="resource-source-title">
          <h2 id="resource-source-title">File or link</h2>
          <fieldset className="radio-group">
            <legend className="sr-only">What are you adding?</legend>
            <label className="checkbox-line">
              <input type="radio" name="kind" value="file" checked={kind === 'file'} onChange={() => setKind('file')} />
              <span>Upload a file</span>
            </label>
            <label className="checkbox-line">
              <input type="radio" name="kind" value="link" checked={kind === 'link'} onChange={() => setKind('link')} />
              <span>Link to a page (video, website, shared drive)</span>
            </label>
          </fieldset>
          {kind === 'file' ? (
            <FileField label="File" accept={accept} maxBytes={maxBytes} errors={failure?.fieldErrors.file} required />
          ) : (
            <InputField label="Web address" name="url" type="url" required maxLength={2000} placeholder="https://" defaultValue={valueOf(failure, 'url')} errors={failure?.fieldErrors.url} />
          )}
        </section>
        <section className="card stack" aria-labelledby="resource-details-title">
          <h2 id="resource-details-title">Details</h2>
          <ResourceFields resource={null} failure={failure} tierOptions={tiers} industrySuggestions={industries} useCaseSuggestions={useCases} showStatus />
        </section>
        <UploadProgress progress={upload.progress} />
        <div className="button-row">
          <SubmitButton pending={submitting} pendingLabel={kind === 'file' ? 'Uploading…' : 'Saving…'}>
            {kind === 'file' ? 'Upload resource' : 'Add link'}
          </SubmitButton>
          <Link to="/resources">Cancel</Link>
        </div>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/resources', label: 'Back to resources' }} />
}

import { AppError, MAX_IMPORT_BYTES, staffCan } from '@accord/core'
import { Badge, EmptyState, SelectField, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useId, useState } from 'react'
import { ErrorContent } from '~/components/error-page'
import { FormError, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { errorsFor } from '~/lib/forms'
import { formatDateTime } from '~/lib/format'
import { formatBytes, importStatus } from '~/lib/imports'
import { pageMeta } from '~/lib/meta'
import { actionFailure } from '~/server/action-result.server'
import { renameFieldErrors } from '~/server/field-errors.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Registration imports')

const UPLOAD_FIELDS = ['partnerId', 'file'] as const
/** Room for the multipart framing and the other fields around a file at the limit. */
const BODY_SLACK_BYTES = 64 * 1024

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'registrations.view')
  const canDecide = staffCan(user.staffRole, 'registrations.decide')
  const [imports, partners] = await Promise.all([caller.admin.registrations.imports(), canDecide ? caller.admin.partners.list() : Promise.resolve([])])
  return data({ imports, partnerOptions: partners.map((partner) => ({ value: partner.id, label: partner.name })), canDecide, maxBytes: MAX_IMPORT_BYTES }, { headers })
}

const tooLarge = () => AppError.validation({ file: [`The file is larger than ${formatBytes(MAX_IMPORT_BYTES)}; split it into smaller files.`] })

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller, headers } = await requireStaff(request, context, 'registrations.decide')
  const intent = 'upload'
  // A body far above the limit is refused before it is read into memory.
  if (Number(request.headers.get('content-length') ?? '0') > MAX_IMPORT_BYTES + BODY_SLACK_BYTES) return actionFailure(tooLarge(), { intent, fields: UPLOAD_FIELDS })
  const form = await request.formData()
  const partnerValue = form.get('partnerId')
  const partnerId = typeof partnerValue === 'string' ? partnerValue : ''
  const values = { partnerId }
  const file = form.get('file')
  if (file === null || typeof file === 'string' || file.size === 0) {
    const message = file !== null && typeof file !== 'string' && file.name ? 'The file is empty.' : 'Choose a CSV file.'
    return actionFailure(AppError.validation({ file: [message], ...(partnerId ? {} : { partnerId: ['Choose the partner organisation to import for.'] }) }), { intent, fields: UPLOAD_FIELDS, values })
  }
  if (file.size > MAX_IMPORT_BYTES) return actionFailure(tooLarge(), { intent, fields: UPLOAD_FIELDS, values })
  let importId: string
  try {
    const contentBase64 = Buffer.from(await file.arrayBuffer()).toString('base64')
    const created = await caller.admin.registrations.createImport({ fileName: (file.name || 'import.csv').slice(0, 200), contentBase64, partnerId: partnerId || undefined })
    importId = created.importId
  } catch (error) {
    return actionFailure(renameFieldErrors(error, (key) => (key === 'fileName' || key === 'contentBase64' ? 'file' : key)), { intent, fields: UPLOAD_FIELDS, values })
  }
  throw redirect(`/registrations/imports/${importId}?notice=import-uploaded`, { headers })
})

export default function RegistrationImports() {
  const pageAction = usePageAction()
  const { imports, partnerOptions, canDecide, maxBytes } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = errorsFor(result, 'upload')
  const formRef = useFormFeedback(result, 'upload')
  const uploading = useSubmitting('upload')
  const fileId = useId()
  const [chosenTooLarge, setChosenTooLarge] = useState(false)
  const fileErrors = chosenTooLarge ? [`This file is larger than ${formatBytes(maxBytes)}; split it into smaller files.`] : failure?.fieldErrors.file

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/registrations">Registrations</Link> <span aria-hidden="true">/</span> <span aria-current="page">Imports</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>Registration imports</h1>
          <p className="muted">Register many customers for a partner at once from a CSV file. Every row goes through the same checks as a single registration.</p>
        </div>
      </div>

      {canDecide ? (
        <section className="card form-card" aria-labelledby="upload-title">
          <h2 id="upload-title">Upload a CSV file</h2>
          <Form
            method="post"
            action={pageAction}
            encType="multipart/form-data"
            className="stack"
            noValidate
            ref={formRef}
            aria-labelledby="upload-title"
            onSubmit={(event) => {
              // Saves a pointless upload; the server checks the size again.
              if (chosenTooLarge) event.preventDefault()
            }}
          >
            <input type="hidden" name="intent" value="upload" />
            <FormError failure={failure} />
            {partnerOptions.length === 0 ? (
              <p className="muted">
                There is no active partner organisation yet. <Link to="/partners/new">Add a partner</Link> first.
              </p>
            ) : (
              <>
                <SelectField label="Partner" name="partnerId" required placeholder="Choose a partner…" options={partnerOptions} hint="The registrations are made for this partner, as if they had uploaded the file." defaultValue={valueOf(failure, 'partnerId')} errors={failure?.fieldErrors.partnerId} />
                <div className="field">
                  <label htmlFor={fileId}>CSV file</label>
                  <input
                    id={fileId}
                    name="file"
                    type="file"
                    accept=".csv,text/csv"
                    required
                    aria-invalid={fileErrors?.length ? true : undefined}
                    aria-describedby={`${fileId}-hint${fileErrors?.length ? ` ${fileId}-error` : ''}`}
                    onChange={(event) => {
                      const chosen = event.target.files?.[0]
                      setChosenTooLarge(chosen ? chosen.size > maxBytes : false)
                    }}
                  />
                  <p className="hint" id={`${fileId}-hint`}>
                    Up to {formatBytes(maxBytes)}, with a header row. Comma, semicolon or tab separated. CSV UTF-8 is safest; Excel’s regional encodings (Western and Central European, Cyrillic, Greek, Turkish, Japanese, Chinese, Korean) are recognised. You choose which column is which in the next step.
                  </p>
                  {fileErrors?.length ? (
                    <p className="error" id={`${fileId}-error`} role="alert">
                      {fileErrors.join(' ')}
                    </p>
                  ) : null}
                </div>
                <div>
                  <SubmitButton pending={uploading} pendingLabel="Uploading…">
                    Upload and map columns
                  </SubmitButton>
                </div>
              </>
            )}
          </Form>
        </section>
      ) : null}

      <h2>Recent imports</h2>
      {imports.length === 0 ? (
        <EmptyState title="No imports yet">Files you or your partners upload appear here with their results.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">Recent registration imports, newest first</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Partner</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col" className="num">
                  Accepted
                </th>
                <th scope="col" className="num">
                  Flagged
                </th>
                <th scope="col" className="num">
                  Rejected
                </th>
                <th scope="col">Uploaded</th>
              </tr>
            </thead>
            <tbody>
              {imports.map((entry) => {
                const status = importStatus(entry.status)
                const finished = entry.status === 'succeeded'
                return (
                  <tr key={entry.id}>
                    <td className="wrap-anywhere">
                      <Link to={`/registrations/imports/${entry.id}`}>{entry.fileName}</Link>
                    </td>
                    <td className="wrap-anywhere">{entry.partnerName}</td>
                    <td>
                      <Badge tone={status.tone}>{status.label}</Badge>
                    </td>
                    <td className="num">{entry.rowCount}</td>
                    <td className="num">{finished ? entry.accepted : '—'}</td>
                    <td className="num">{finished ? entry.conflicts : '—'}</td>
                    <td className="num">{finished ? entry.rejected : '—'}</td>
                    <td className="nowrap">{formatDateTime(entry.createdAt)}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/registrations', label: 'Back to registrations' }} />
}

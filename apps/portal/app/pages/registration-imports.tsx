import { appErrorOf } from '@accord/api'
import { Alert, Badge, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { FileField } from '~/components/form-controls'
import { isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { formatCount, importStatus, MAX_UPLOAD_BYTES, plural, UPLOAD_TOO_LARGE } from '~/lib/imports'
import { joinPortalPath } from '~/lib/portal-address'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { fieldFailure, formFailure } from '~/server/errors.server'
import { requirePartner } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Import registrations') }]

const CHOOSE_FILE = 'Choose a CSV file.'

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const imports = await caller.portal.registrations.imports()
  return json(
    {
      imports: imports.map((item) => ({
        id: item.id,
        fileName: item.fileName,
        status: item.status,
        rowCount: item.rowCount,
        accepted: item.accepted,
        rejected: item.rejected,
        conflicts: item.conflicts,
        createdAt: item.createdAt,
      })),
    },
    { headers },
  )
}

/** Core accepts names up to 200 characters: longer ones are shortened, keeping the extension. */
function storedFileName(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').trim()
  if (base.length <= 200) return base
  const extension = /\.[^.\s]{1,10}$/.exec(base)?.[0] ?? ''
  return `${base.slice(0, 200 - extension.length).trimEnd()}${extension}`
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller, headers, tenant } = await requirePartner(request, context, params)
  const form = await request.formData()
  const file = form.get('file')
  if (!file || typeof file === 'string' || file.size === 0 || !file.name) return fieldFailure({ file: [file && typeof file !== 'string' && file.name ? 'The file is empty.' : CHOOSE_FILE] })
  if (file.size > MAX_UPLOAD_BYTES) return fieldFailure({ file: [UPLOAD_TOO_LARGE] })
  let created: { importId: string }
  try {
    const contentBase64 = Buffer.from(await file.arrayBuffer()).toString('base64')
    created = await caller.portal.registrations.createImport({ fileName: storedFileName(file.name), contentBase64 })
  } catch (error) {
    // Whatever core found wrong with the upload (empty, not readable as CSV, no header…) is about the file.
    const appError = appErrorOf(error)
    if (appError?.code === 'VALIDATION' && appError.fieldErrors && Object.keys(appError.fieldErrors).length > 0) {
      return fieldFailure({ file: Object.values(appError.fieldErrors).flat() })
    }
    return formFailure(error, { fields: ['file'] })
  }
  throw redirect(joinPortalPath(tenant.basePath, `/registrations/imports/${encodeURIComponent(created.importId)}`), { headers })
})

export default function RegistrationImports() {
  const { imports } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = isFormFailure(result) ? result : null
  const href = usePortalHref()
  const formRef = useRef<HTMLFormElement>(null)
  const submitting = useSubmitting()
  useFocusOnFailure(failure, formRef)

  // Checked in the browser too, so a file that is too large is not sent first.
  const [localError, setLocalError] = useState<string | null>(null)
  const [focusFile, setFocusFile] = useState(0)
  useEffect(() => setLocalError(null), [failure])
  useEffect(() => {
    if (focusFile) formRef.current?.querySelector<HTMLInputElement>('input[type="file"]')?.focus()
  }, [focusFile])
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const input = event.currentTarget.querySelector<HTMLInputElement>('input[type="file"]')
    const file = input?.files?.[0]
    const problem = !file ? CHOOSE_FILE : file.size > MAX_UPLOAD_BYTES ? UPLOAD_TOO_LARGE : null
    if (problem) {
      event.preventDefault()
      setLocalError(problem)
      setFocusFile((count) => count + 1)
    }
  }
  const fileErrors = localError ? [localError] : failure?.fieldErrors.file

  return (
    <main id="main" tabIndex={-1} className="content imports-page">
      <p className="breadcrumb">
        <Link to={href('/registrations')}>Registrations</Link>
      </p>
      <h1>Import registrations from a CSV file</h1>
      <p className="muted">Register many leads at once. You check which column holds what before anything is registered; every row gets a verdict you can download.</p>

      {failure?.formError ? (
        <div data-form-error tabIndex={-1}>
          <Alert tone="error">{failure.formError}</Alert>
        </div>
      ) : null}

      <Form method="post" encType="multipart/form-data" ref={formRef} noValidate className="stack card upload-form" onSubmit={onSubmit}>
        <h2 className="form-section">Upload a file</h2>
        <FileField
          label="CSV file"
          name="file"
          accept=".csv,text/csv"
          required
          errors={fileErrors}
          hint="Up to 10,000 rows and 5 MB; comma, semicolon or tab separated. CSV UTF-8 is safest; Excel’s regional encodings (European, Cyrillic, Japanese, Chinese, Korean …) are recognised."
          onChange={() => setLocalError(null)}
        />
        <div className="row">
          <SubmitButton pending={submitting} pendingLabel="Uploading…">
            Upload and map columns
          </SubmitButton>
          <Link to={href('/registrations')}>Cancel</Link>
        </div>
      </Form>

      <section aria-labelledby="imports-heading">
        <h2 id="imports-heading">Your imports</h2>
        {imports.length === 0 ? (
          <p className="muted">No imports yet. Files you upload are listed here with their verdicts.</p>
        ) : (
          <div className="table-wrap">
            <table className="data imports-table">
              <caption className="sr-only">Your imports, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="numeric">
                    Rows
                  </th>
                  <th scope="col" className="numeric">
                    Accepted
                  </th>
                  <th scope="col" className="numeric">
                    Flagged for review
                  </th>
                  <th scope="col" className="numeric">
                    Rejected
                  </th>
                  <th scope="col">Uploaded</th>
                </tr>
              </thead>
              <tbody>
                {imports.map((item) => {
                  const status = importStatus(item.status)
                  const finished = item.status === 'succeeded'
                  return (
                    <tr key={item.id}>
                      <td className="file-name">
                        <Link to={href(`/registrations/imports/${item.id}`)}>{item.fileName}</Link>
                      </td>
                      <td>
                        <Badge tone={status.tone}>{status.label}</Badge>
                      </td>
                      <td className="numeric">{formatCount(item.rowCount)}</td>
                      <td className="numeric">{finished ? formatCount(item.accepted) : <NoValue />}</td>
                      <td className="numeric">{finished ? formatCount(item.conflicts) : <NoValue />}</td>
                      <td className="numeric">{finished ? formatCount(item.rejected) : <NoValue />}</td>
                      <td className="nowrap">
                        <time dateTime={isoOf(item.createdAt)}>{formatDay(item.createdAt)}</time>
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        )}
        {imports.length >= 50 ? <p className="muted">Showing the latest {plural(50, 'import')}.</p> : null}
      </section>
    </main>
  )
}

function NoValue() {
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="sr-only">Not yet</span>
    </>
  )
}

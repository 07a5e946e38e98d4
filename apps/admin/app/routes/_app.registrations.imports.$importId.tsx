import { registrationFieldLabels, staffCan } from '@accord/core'
import { Alert, Badge, EmptyState, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useState } from 'react'
import { ErrorContent } from '~/components/error-page'
import { CheckboxField, SelectControl } from '~/components/form-controls'
import { FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { errorsFor } from '~/lib/forms'
import { formatDateTime } from '~/lib/format'
import { IMPORT_ROW_FILTERS, importRowFilterLabels, importStatus, importVerdict, mappingValue, parseImportRowFilter, readMapping } from '~/lib/imports'
import { APP_NAME, errorTitle } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { requireStaff, rethrowAsNotFound } from '~/server/guard.server'
import { useRefreshWhile } from '~/lib/use-refresh-while'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ data: loaded, error }) => [{ title: `${error || !loaded ? errorTitle(error) : `${loaded.detail.fileName} · Imports`} · ${APP_NAME}` }]


export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'registrations.view')
  const filter = parseImportRowFilter(new URL(request.url).searchParams.get('rows'))
  const detail = await caller.admin.registrations.importDetail({ importId: params.importId ?? '', rows: filter }).catch(rethrowAsNotFound('This import does not exist.'))
  return data({ detail, filter, canDecide: staffCan(user.staffRole, 'registrations.decide') }, { headers })
}

const FIELD_KEYS = Object.keys(registrationFieldLabels)
const START_FIELDS = [...FIELD_KEYS.map((key) => `mapping.${key}`), 'consentConfirmed']

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'registrations.decide')
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  if (intent !== 'start') return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  const { mapping, values } = readMapping(form, FIELD_KEYS)
  const consentConfirmed = form.get('consentConfirmed') === 'on'
  try {
    await caller.admin.registrations.startImport({ importId: params.importId ?? '', mapping, consentConfirmed })
    return actionSuccess(intent, 'Import started. You can leave this page: you get an e-mail when it has finished.')
  } catch (error) {
    return actionFailure(error, { intent, fields: START_FIELDS, values: { ...values, consentConfirmed: consentConfirmed ? 'on' : '' } })
  }
})

type Detail = ReturnType<typeof useLoaderData<typeof loader>>['detail']

function MappingForm({ detail, canDecide }: { detail: Detail; canDecide: boolean }) {
  const pageAction = usePageAction()
  const result = useActionData<typeof action>()
  const failure = errorsFor(result, 'start')
  const formRef = useFormFeedback(result, 'start')
  const starting = useSubmitting('start')
  const mapping = detail.mapping as Record<string, number | undefined>
  const [consentColumn, setConsentColumn] = useState(() => valueOf(failure, 'mapping.consent', mappingValue(mapping, 'consent', false)))
  const consentMapped = consentColumn !== '' && consentColumn !== '-1'
  const columnOptions = detail.headers.map((header, index) => ({ value: String(index), label: `Column ${index + 1}: ${header.trim() || '(no heading)'}` }))
  const required = detail.fields.filter((field) => field.required)
  const optional = detail.fields.filter((field) => !field.required)

  const select = (field: Detail['fields'][number]) => {
    const name = `mapping.${field.key}`
    const options = [field.required ? { value: '', label: 'Choose a column…' } : { value: '-1', label: 'Not in the file' }, ...columnOptions]
    const common = { label: field.label, name, options, required: field.required, errors: failure?.fieldErrors[name] }
    return field.key === 'consent' ? (
      <SelectControl key={field.key} {...common} value={consentColumn} onChange={setConsentColumn} hint="A column saying yes/no per contact." />
    ) : (
      <SelectControl key={field.key} {...common} defaultValue={valueOf(failure, name, mappingValue(mapping, field.key, field.required))} />
    )
  }

  return (
    <>
      <section className="card" aria-labelledby="preview-title">
        <h2 id="preview-title">The file</h2>
        <p className="muted">
          {detail.rowCount} {detail.rowCount === 1 ? 'row' : 'rows'} · {detail.headers.length} columns · {detail.encoding} · separated by{' '}
          {detail.delimiter === '\t' ? 'tabs' : detail.delimiter === ';' ? 'semicolons' : 'commas'}
        </p>
        {detail.preview.length === 0 ? (
          <p className="muted">The file has a header row but no data rows to preview.</p>
        ) : (
          <div className="table-wrap">
            <table className="data preview-table">
              <caption>The first {detail.preview.length} rows of the file, as read</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Line
                  </th>
                  {detail.headers.map((header, index) => (
                    <th scope="col" key={index}>
                      {header.trim() || `Column ${index + 1}`}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {detail.preview.map((row) => (
                  <tr key={row.line}>
                    <th scope="row" className="num">
                      {row.line}
                    </th>
                    {detail.headers.map((_, index) => (
                      <td key={index} className="wrap-anywhere">
                        {row.cells[index] ?? ''}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="mapping-title">
        <h2 id="mapping-title">Which column is which?</h2>
        <p className="muted">We guessed from the column headings; check them. Fields marked required must come from a column.</p>
        <Form method="post" action={pageAction} className="stack" noValidate ref={formRef} aria-labelledby="mapping-title">
          <input type="hidden" name="intent" value="start" />
          <FormError failure={failure} />
          <fieldset disabled={!canDecide} className="plain stack">
            <legend className="sr-only">Column for each field</legend>
            <fieldset className="settings-group">
              <legend>Required</legend>
              <div className="grid-2">{required.map(select)}</div>
            </fieldset>
            <fieldset className="settings-group">
              <legend>Optional</legend>
              <div className="grid-2">{optional.map(select)}</div>
            </fieldset>
            {consentMapped ? null : (
              <CheckboxField
                label="Every contact in this file agreed to be contacted by us"
                name="consentConfirmed"
                defaultChecked={valueOf(failure, 'consentConfirmed', detail.consentConfirmed ? 'on' : '') === 'on'}
                errors={failure?.fieldErrors.consentConfirmed}
                hint="Needed because no consent column is mapped. The partner confirmed this for each contact."
              />
            )}
          </fieldset>
          {canDecide ? (
            <div>
              <SubmitButton pending={starting} pendingLabel="Starting…">
                Start import
              </SubmitButton>
            </div>
          ) : (
            <p className="muted">Your role cannot start imports.</p>
          )}
        </Form>
      </section>
    </>
  )
}

function Progress({ detail }: { detail: Detail }) {
  const { done, total, message } = detail.progress
  const percent = total > 0 ? Math.round((done / total) * 100) : 0
  return (
    <section className="card" aria-labelledby="progress-title">
      <h2 id="progress-title">{detail.status === 'queued' ? 'Waiting to start' : 'Importing'}</h2>
      <progress id="import-progress" max={Math.max(total, 1)} value={done} aria-labelledby="progress-title" aria-describedby="import-progress-text">
        {percent} %
      </progress>
      <p id="import-progress-text" aria-live="polite" aria-atomic="true">
        {done} of {total} rows checked ({percent} %){message ? ` · ${message}` : ''}
      </p>
      <p className="muted small">
        This page updates by itself. You can leave it: you get an e-mail when the import has finished. <Link to={`/registrations/imports/${detail.id}`}>Refresh now</Link>
      </p>
    </section>
  )
}

function Results({ detail, filter }: { detail: Detail; filter: string }) {
  const total = detail.counts.accepted + detail.counts.conflicts + detail.counts.rejected
  return (
    <>
      <ul className="stats import-stats" aria-label="Results">
        <li className="card stat">
          <span className="stat-value">{detail.counts.accepted}</span>
          <span className="stat-label">Accepted</span>
        </li>
        <li className="card stat">
          <span className="stat-value">{detail.counts.conflicts}</span>
          <span className="stat-label">Flagged: possible conflict (in review)</span>
        </li>
        <li className="card stat">
          <span className="stat-value">{detail.counts.rejected}</span>
          <span className="stat-label">Rejected</span>
        </li>
      </ul>

      <section className="card" aria-labelledby="rows-title">
        <div className="page-header">
          <h2 id="rows-title">Every row</h2>
          <a className="button secondary" href={`/registrations/imports/${detail.id}/results.csv`} download>
            Download results (CSV)
          </a>
        </div>
        <nav aria-label="Rows to show" className="tabs">
          {IMPORT_ROW_FILTERS.map((candidate) => (
            <Link key={candidate} to={`/registrations/imports/${detail.id}?rows=${candidate}`} aria-current={candidate === filter ? 'page' : undefined} className={candidate === filter ? 'tab active' : 'tab'} preventScrollReset>
              {importRowFilterLabels[candidate]}
            </Link>
          ))}
        </nav>
        {detail.rows.length === 0 ? (
          <p className="muted">{filter === 'problems' ? 'No problems: every row was accepted.' : total === 0 ? 'The file had no data rows.' : 'No rows to show.'}</p>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">{filter === 'problems' ? 'Rows that were rejected or flagged' : 'Every row of the file'} with its verdict</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Line
                  </th>
                  <th scope="col">Company</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Registration</th>
                </tr>
              </thead>
              <tbody>
                {detail.rows.map((row) => {
                  const verdict = importVerdict(row.verdict)
                  return (
                    <tr key={row.line}>
                      <td className="num">{row.line}</td>
                      <td className="wrap-anywhere">{row.companyName ?? <span className="muted">—</span>}</td>
                      <td>
                        <Badge tone={verdict.tone}>{verdict.label}</Badge>
                      </td>
                      <td className="wrap-anywhere">{row.reason}</td>
                      <td>{row.registrationId ? <Link to={`/registrations/${row.registrationId}`}>{row.caseReference ?? 'Open'}</Link> : <span className="muted">—</span>}</td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  )
}

export default function RegistrationImport() {
  const { detail, filter, canDecide } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const status = importStatus(detail.status)
  const working = detail.status === 'queued' || detail.status === 'running'
  useRefreshWhile(working)

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/registrations">Registrations</Link> <span aria-hidden="true">/</span> <Link to="/registrations/imports">Imports</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{detail.fileName}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="wrap-anywhere">{detail.fileName}</h1>
          <p className="muted wrap-anywhere">
            For <Link to={`/partners/${detail.partnerId}`}>{detail.partnerName}</Link> · uploaded {formatDateTime(detail.createdAt)}
            {detail.finishedAt ? ` · finished ${formatDateTime(detail.finishedAt)}` : ''}
          </p>
        </div>
        <Badge tone={status.tone}>{status.label}</Badge>
      </div>

      <FormNotice result={result} intent="start" />
      {detail.status === 'draft' ? <MappingForm detail={detail} canDecide={canDecide} /> : null}
      {working ? <Progress detail={detail} /> : null}
      {detail.status === 'succeeded' ? <Results detail={detail} filter={filter} /> : null}
      {detail.status === 'failed' ? (
        <>
          <Alert tone="error" title="The import failed.">
            {detail.error ?? 'Something went wrong while importing.'} Nothing from this file was registered.
          </Alert>
          <EmptyState title="Try again" action={<Link className="button secondary" to="/registrations/imports">Upload the file again</Link>}>
            Fix the file if the message above says what is wrong, then upload it again.
          </EmptyState>
        </>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/registrations/imports', label: 'Back to imports' }} />
}

import { appErrorOf } from '@accord/api'
import { Alert, Badge, SelectField, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect, type SerializeFrom } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useRevalidator } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import { CheckboxField } from '~/components/form-controls'
import { type FormFailure, isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { columnLabel, formatCount, importInProgress, importStatus, parseRowFilter, plural, ROW_FILTERS, type RowFilter, rowFilterLabels, rowVerdictDisplay } from '~/lib/imports'
import { joinPortalPath } from '~/lib/portal-address'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { formFailure, formText } from '~/server/errors.server'
import { requirePartner } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => [{ title: portalTitle(matches, data ? `Import: ${data.import.fileName}` : 'Import') }]

/** Rows shown on the page; the CSV download always has every row. */
const ROWS_SHOWN = 1000
/** A failed import is retried by the job queue a little later: keep looking for a few minutes. */
const RETRY_WATCH_MS = 3 * 60_000

const notFound = (headers?: Headers) => json({ message: 'We could not find that page' }, { status: 404, headers })

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const filter = parseRowFilter(new URL(request.url).searchParams.get('rows'))
  let detail: Awaited<ReturnType<typeof caller.portal.registrations.importDetail>>
  try {
    // Rows come back only for a finished import; before that the filter is ignored.
    detail = await caller.portal.registrations.importDetail({ importId: params.importId ?? '', rows: filter })
  } catch (error) {
    // Unknown, malformed or another partner's import: all the same "not found".
    const code = appErrorOf(error)?.code
    if (code === 'NOT_FOUND' || code === 'VALIDATION' || code === 'BAD_REQUEST') throw notFound(headers)
    throw error
  }
  const failedAt = detail.status === 'failed' ? (detail.finishedAt ?? detail.startedAt ?? detail.createdAt).getTime() : null
  const pollMs = importInProgress(detail.status) ? 1000 : failedAt !== null && Date.now() - failedAt < RETRY_WATCH_MS ? 5000 : null
  return json(
    {
      filter,
      pollMs,
      import: {
        id: detail.id,
        fileName: detail.fileName,
        encoding: detail.encoding,
        delimiter: detail.delimiter,
        headers: detail.headers,
        rowCount: detail.rowCount,
        mapping: detail.mapping,
        consentConfirmed: detail.consentConfirmed,
        status: detail.status,
        progress: detail.progress,
        counts: detail.counts,
        error: detail.error,
        createdAt: detail.createdAt,
        preview: detail.preview,
        fields: detail.fields,
      },
      rows: detail.rows.slice(0, ROWS_SHOWN),
      rowsTotal: detail.rows.length,
    },
    { headers },
  )
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller, headers, tenant } = await requirePartner(request, context, params)
  const importId = params.importId ?? ''
  const form = await request.formData()
  const mapping: Record<string, number | string> = {}
  const values: Record<string, string> = {}
  for (const [name, value] of form) {
    const key = /^mapping\.([A-Za-z][A-Za-z0-9]{0,39})$/.exec(name)?.[1]
    if (!key || typeof value !== 'string' || key in mapping || Object.keys(mapping).length >= 60) continue
    values[name] = value
    const index = Number(value)
    // Anything but a column number goes on as typed, so core names the field instead of quietly dropping it.
    mapping[key] = value.trim() !== '' && Number.isInteger(index) ? index : value
  }
  const consentConfirmed = formText(form, 'consentConfirmed') === 'on'
  values.consentConfirmed = consentConfirmed ? 'on' : ''
  try {
    await caller.portal.registrations.startImport({ importId, mapping, consentConfirmed })
  } catch (error) {
    if (appErrorOf(error)?.code === 'NOT_FOUND') throw notFound(headers)
    return formFailure(error, { fields: [...Object.keys(mapping).map((key) => `mapping.${key}`), 'consentConfirmed'], values })
  }
  throw redirect(joinPortalPath(tenant.basePath, `/registrations/imports/${encodeURIComponent(importId)}`), { headers })
})

type Data = SerializeFrom<typeof loader>
type Import = Data['import']

/** Re-reads the page's data (no reload) every `ms` while set, as long as the tab is visible. */
function usePolling(ms: number | null) {
  const { revalidate, state } = useRevalidator()
  const idle = useRef(true)
  idle.current = state === 'idle'
  useEffect(() => {
    if (!ms) return
    const timer = setInterval(() => {
      if (idle.current && document.visibilityState === 'visible') revalidate()
    }, ms)
    return () => clearInterval(timer)
  }, [ms, revalidate])
}

function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  return hydrated
}

const delimiterNames: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' }

function liveMessage(item: Import): string {
  switch (item.status) {
    case 'queued':
    case 'running':
      return item.progress.message ?? (item.status === 'queued' ? 'Waiting for a worker…' : 'Importing…')
    case 'succeeded': {
      const { accepted, conflicts, rejected } = item.counts
      return `Import finished: ${plural(accepted + conflicts, 'row')} registered${conflicts ? ` (${formatCount(conflicts)} flagged for review)` : ''}, ${formatCount(rejected)} rejected.`
    }
    case 'failed':
      return 'The import stopped. Nothing was imported.'
    default:
      return ''
  }
}

export default function RegistrationImport() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = isFormFailure(result) ? result : null
  const href = usePortalHref()
  const mainRef = useRef<HTMLElement>(null)
  useFocusOnFailure(failure, mainRef)
  usePolling(data.pollMs)
  const hydrated = useHydrated()
  const item = data.import
  const status = importStatus(item.status)
  const inProgress = importInProgress(item.status)
  const pagePath = href(`/registrations/imports/${item.id}`)

  return (
    <main id="main" tabIndex={-1} className="content import-page" ref={mainRef}>
      <p className="breadcrumb">
        <Link to={href('/registrations/imports')}>Imports</Link>
      </p>

      {failure?.formError ? (
        <div data-form-error tabIndex={-1}>
          <Alert tone="error">{failure.formError}</Alert>
        </div>
      ) : null}

      <header className="registration-heading">
        <h1 className="wrap-anywhere">{item.fileName}</h1>
        <p className="meta">
          <Badge tone={status.tone}>{status.label}</Badge>
          <span>{plural(item.rowCount, 'row')}</span>
          <span aria-hidden="true">·</span>
          <span>
            uploaded <time dateTime={isoOf(item.createdAt)}>{formatDay(item.createdAt)}</time>
          </span>
        </p>
      </header>

      {/* Always rendered, so screen readers hear each progress message and the end of the import. */}
      <section className={inProgress ? 'card import-progress' : 'import-progress'} aria-labelledby={inProgress ? 'progress-heading' : undefined}>
        {inProgress ? (
          <>
            <h2 id="progress-heading">{item.status === 'queued' ? 'Waiting to start' : 'Importing'}</h2>
            <div className="progress-line">
              <progress max={Math.max(item.progress.total, 1)} value={Math.min(item.progress.done, Math.max(item.progress.total, 1))} aria-labelledby="import-progress-text" />
              <span id="import-progress-text">
                {formatCount(item.progress.done)} of {plural(item.progress.total, 'row')} done
              </span>
            </div>
          </>
        ) : null}
        <p className={`import-live${item.status === 'succeeded' ? ' summary' : ''}`} role="status" aria-live="polite" aria-atomic="true">
          {liveMessage(item)}
        </p>
        {inProgress ? (
          <p className="muted">
            All rows are registered together, or none are. You can leave this page: you will get an e-mail when the import has finished.{' '}
            {/* The page checks by itself once its script runs; until then (or without it), a link does. */}
            {hydrated ? null : <Link to={pagePath}>Check again</Link>}
          </p>
        ) : null}
      </section>

      {item.status === 'draft' ? <MappingStep item={item} failure={failure} /> : null}
      {item.status === 'succeeded' ? <Results data={data} pagePath={pagePath} /> : null}
      {item.status === 'failed' ? (
        <section className="card" aria-labelledby="failed-heading">
          <h2 id="failed-heading">What went wrong</h2>
          <Alert tone="error">{item.error ?? 'The import stopped because of an error on our side.'}</Alert>
          <p>No registration was created from this file. Correct the file and upload it again, or register the leads one by one.</p>
          <p>
            <Link to={href('/registrations/imports')}>Upload a file</Link>
            {' · '}
            <Link to={href('/registrations/new')}>Register a lead by hand</Link>
          </p>
        </section>
      ) : null}
    </main>
  )
}

function MappingStep({ item, failure }: { item: Import; failure: FormFailure | null }) {
  const brand = usePortalBrand()
  const href = usePortalHref()
  const submitting = useSubmitting()
  const vendor = brand?.name ?? 'the vendor'
  const options = [{ value: '-1', label: '— not in file —' }, ...item.headers.map((header, index) => ({ value: String(index), label: columnLabel(header, index) }))]
  const required = item.fields.filter((field) => field.required)
  const optional = item.fields.filter((field) => !field.required)
  const mapped = (key: string) => failure?.values[`mapping.${key}`] ?? String((item.mapping as Record<string, number | undefined>)[key] ?? -1)
  const select = (field: Import['fields'][number]) => (
    <SelectField key={field.key} label={field.label} name={`mapping.${field.key}`} required={field.required} options={options} defaultValue={mapped(field.key)} errors={failure?.fieldErrors[`mapping.${field.key}`]} />
  )
  const consentChecked = failure ? failure.values.consentConfirmed === 'on' : item.consentConfirmed

  return (
    <>
      <section className="card" aria-labelledby="preview-heading">
        <h2 id="preview-heading">What is in the file</h2>
        <p className="muted">
          {plural(item.rowCount, 'row')} below the header · {item.encoding.toUpperCase()} · {delimiterNames[item.delimiter] ?? item.delimiter}-separated
        </p>
        {item.preview.length === 0 ? (
          <p>The file has a header but no rows to import.</p>
        ) : (
          <div className="table-wrap">
            <table className="data preview-table">
              <caption className="sr-only">The first {plural(item.preview.length, 'row')} of the file</caption>
              <thead>
                <tr>
                  <th scope="col" className="numeric">
                    Line
                  </th>
                  {item.headers.map((header, index) => (
                    <th scope="col" key={index}>
                      {columnLabel(header, index)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {item.preview.map((row) => (
                  <tr key={row.line}>
                    <td className="numeric">{row.line}</td>
                    {item.headers.map((_, index) => (
                      <td key={index}>{row.cells[index] ?? ''}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <Form method="post" noValidate className="stack card mapping-form">
        <h2>Which column holds what?</h2>
        <p className="muted">We matched the columns by their names; check them. Nothing is registered until you start the import.</p>
        <fieldset className="mapping-group">
          <legend>Required</legend>
          <div className="grid-2">{required.map(select)}</div>
        </fieldset>
        <fieldset className="mapping-group">
          <legend>Optional</legend>
          <div className="grid-2">{optional.map(select)}</div>
        </fieldset>
        <CheckboxField
          label={`Every contact in this file agreed to be contacted by ${vendor}`}
          name="consentConfirmed"
          defaultChecked={consentChecked}
          errors={failure?.fieldErrors.consentConfirmed}
          hint="Needed unless a column of the file records each contact’s consent (map it above)."
        />
        <div className="row">
          <SubmitButton pending={submitting} pendingLabel="Starting…">
            Import {plural(item.rowCount, 'row')}
          </SubmitButton>
          <Link to={href('/registrations/imports')}>Upload a different file</Link>
        </div>
      </Form>
    </>
  )
}

function Results({ data, pagePath }: { data: Data; pagePath: string }) {
  const href = usePortalHref()
  const { counts } = data.import
  const filter: RowFilter = data.filter
  const filterHref = (option: RowFilter) => (option === 'all' ? pagePath : `${pagePath}?rows=${option}`)
  const caption = data.filter === 'problems' ? 'Rows that were rejected or flagged for review' : 'Every row of the file with its verdict'
  return (
    <section aria-labelledby="results-heading" className="import-results">
      <h2 id="results-heading">Results</h2>
      <ul className="stat-tiles">
        <li className="stat-tile accepted">
          <span className="stat-value">{formatCount(counts.accepted)}</span> <span className="stat-label">accepted</span>
        </li>
        <li className="stat-tile conflict">
          <span className="stat-value">{formatCount(counts.conflicts)}</span> <span className="stat-label">flagged for review</span>
        </li>
        <li className="stat-tile rejected">
          <span className="stat-value">{formatCount(counts.rejected)}</span> <span className="stat-label">rejected</span>
        </li>
      </ul>
      <p className="muted">Rows flagged for review were registered; the partner team checks them for a possible conflict with another claim. Rejected rows were not registered.</p>

      <div className="list-tools">
        <nav aria-label="Filter rows" className="tabs">
          <ul>
            {ROW_FILTERS.map((option) => (
              <li key={option}>
                <Link to={filterHref(option)} aria-current={option === filter ? 'page' : undefined} preventScrollReset>
                  {rowFilterLabels[option]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {/* A plain link: the file comes from a resource route, not a page. */}
        <a href={`${pagePath}/results.csv`} download className="button secondary">
          Download all verdicts (CSV)
        </a>
      </div>

      {data.rows.length === 0 ? (
        <p className="card empty-note">{filter === 'problems' ? 'No problems: every row was registered without a conflict.' : 'The file had no rows.'}</p>
      ) : (
        <>
          <div className="table-wrap">
            <table className="data verdicts-table">
              <caption className="sr-only">{caption}</caption>
              <thead>
                <tr>
                  <th scope="col" className="numeric">
                    Line
                  </th>
                  <th scope="col">Company</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Case</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((row) => {
                  const verdict = rowVerdictDisplay[row.verdict]
                  return (
                    <tr key={row.line}>
                      <td className="numeric">{row.line}</td>
                      <td className="company">{row.companyName || <NoValue label="No company" />}</td>
                      <td>
                        <Badge tone={verdict.tone}>{verdict.label}</Badge>
                      </td>
                      <td className="reason">{row.reason}</td>
                      <td className="nowrap">
                        {row.registrationId ? (
                          <Link to={href(`/registrations/${row.registrationId}`)}>
                            <span className="sr-only">Case </span>
                            {row.caseReference ?? 'Open'}
                            {row.companyName ? <span className="sr-only">, {row.companyName}</span> : null}
                          </Link>
                        ) : (
                          <NoValue label="None" />
                        )}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
          {data.rowsTotal > data.rows.length ? (
            <p className="muted">
              Showing the first {formatCount(data.rows.length)} of {plural(data.rowsTotal, 'row')}. The CSV download has every row.
            </p>
          ) : null}
        </>
      )}
    </section>
  )
}

function NoValue({ label }: { label: string }) {
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="sr-only">{label}</span>
    </>
  )
}

import { type listCrmStages, type previewCrmSync, staffCan } from '@accord/core'
import { Alert, Badge, EmptyState, Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, Link, useActionData, useFetcher, useLoaderData } from '@remix-run/react'
import { type ReactNode, useEffect, useId, useState } from 'react'
import { ErrorContent } from '~/components/error-page'
import { InputField, SelectControl } from '~/components/form-controls'
import { ConfirmAction, FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import {
  ATTRIBUTION_MODE_OPTIONS,
  CONNECT_FIELDS,
  type CrmProvider,
  DEFAULT_CRM_STAGE,
  HUBSPOT_DEFAULT_BASE_URL,
  OBJECT_LABELS,
  OWNER_LABELS,
  SALESFORCE_DEFAULT_LOGIN_URL,
  SECRET_CONNECT_FIELDS,
  type SalesforceMethod,
  TRIGGER_LABELS,
  changedFieldMapping,
  connectErrorField,
  connectionStatusBadge,
  crmLabel,
  mappingFieldName,
  propertyPairs,
  readAttributionMode,
  readConnectForm,
  readMethod,
  readProvider,
  readStageMapping,
  runStatusBadge,
  stageFieldName,
  syncHealth,
  syncProgress,
  waitedSeconds,
} from '~/lib/crm'
import { type FormFailure, errorsFor } from '~/lib/forms'
import { formatDateTime, relativeTime } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { renameFieldErrors } from '~/server/field-errors.server'
import { requireStaff } from '~/server/guard.server'
import { useRefreshWhile } from '~/lib/use-refresh-while'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('CRM')

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'crm.view')
  const settings = await caller.admin.crm.settings()
  return data({ settings, canManage: staffCan(user.staffRole, 'crm.manage') }, { headers })
}

/** Intents a partner manager (crm.view) may use; everything else needs crm.manage. */
const VIEW_INTENTS = new Set(['preview'])

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller, user } = await requireStaff(request, context, 'crm.view')
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  if (!VIEW_INTENTS.has(intent) && !staffCan(user.staffRole, 'crm.manage')) throw new Response('Only owners and admins can change the CRM connection.', { status: 403, statusText: 'Forbidden' })
  switch (intent) {
    case 'connect': {
      const submission = readConnectForm(form)
      try {
        const connected = await caller.admin.crm.connect(submission.input)
        return actionSuccess(intent, `Connected to ${crmLabel(connected.provider)} (${connected.account}). The first sync has started; you can follow it below.`)
      } catch (error) {
        // The form shows the field next to it; secrets are not in `values`, so they are never sent back.
        return actionFailure(
          renameFieldErrors(error, (key) => connectErrorField(key, submission.provider, submission.method)),
          { intent, fields: CONNECT_FIELDS, values: submission.values },
        )
      }
    }
    case 'test': {
      try {
        const outcome = await caller.admin.crm.testConnection()
        if (outcome.ok) return actionSuccess(intent, `Connection works. ${outcome.message}`)
        const failure: FormFailure = { ok: false, intent, formError: `The connection test failed. ${outcome.message}`, fieldErrors: {}, values: {} }
        return data(failure)
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'sync': {
      try {
        await caller.admin.crm.syncNow()
        return actionSuccess(intent, 'Sync started. The sync log below updates by itself.')
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'retry': {
      const registrationId = String(form.get('registrationId') ?? '')
      try {
        const retried = await caller.admin.crm.retryFailures(registrationId ? { registrationIds: [registrationId] } : {})
        return actionSuccess(intent, `${retried.records === 1 ? '1 record is' : `${retried.records} records are`} being sent again. The sync log below shows the result.`)
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'disconnect': {
      try {
        const disconnected = await caller.admin.crm.disconnect()
        return actionSuccess(intent, `${crmLabel(disconnected.provider)} is disconnected. Nothing more is synced; the id map is kept, so reconnecting later will not create duplicates.`)
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'mapping': {
      const settings = await caller.admin.crm.settings()
      const { fieldMapping, values } = changedFieldMapping(form, settings.fields)
      const attributionMode = form.has('attributionMode') ? readAttributionMode(String(form.get('attributionMode'))) : undefined
      const fields = [...settings.fields.map((field) => mappingFieldName(field.field)), 'attributionMode']
      try {
        const saved = await caller.admin.crm.updateMapping({ fieldMapping, ...(attributionMode ? { attributionMode } : {}) })
        return actionSuccess(intent, saved.changed ? 'Field mapping saved. The next sync creates any missing Accord properties first, then writes through the new mapping.' : 'Nothing changed.')
      } catch (error) {
        return actionFailure(error, { intent, fields, values: { ...values, ...(attributionMode ? { attributionMode } : {}) } })
      }
    }
    case 'stage-mapping': {
      const settings = await caller.admin.crm.settings()
      const motions = settings.motions.map((motion) => ({ key: motion.key, stages: [...motion.stages, { key: '*' }] }))
      const { stageMapping, values } = readStageMapping(form, motions)
      try {
        await caller.admin.crm.updateMapping({ stageMapping })
        return actionSuccess(intent, 'Stage mapping saved. Deals get the mapped stage when Accord creates them in the CRM.')
      } catch (error) {
        return actionFailure(error, { intent, fields: Object.keys(values), values })
      }
    }
    case 'load-stages': {
      try {
        const { stages } = await caller.admin.crm.stages()
        return data({ ok: true as const, intent, notice: null, stages })
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'preview': {
      try {
        const preview = await caller.admin.crm.preview({ limit: 10 })
        return data({ ok: true as const, intent, notice: null, preview })
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    default:
      return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  }
})

type Settings = ReturnType<typeof useLoaderData<typeof loader>>['settings']
type Run = Settings['runs'][number]
type ActionResult = ReturnType<typeof useActionData<typeof action>>
// The action's extra answers (fetchers); TypeScript folds them into FormSuccess in `typeof action`, so they are named here.
type StagesPayload = { ok: true; intent: string; notice: null; stages: Awaited<ReturnType<typeof listCrmStages>>['stages'] }
type PreviewPayload = { ok: true; intent: string; notice: null; preview: Awaited<ReturnType<typeof previewCrmSync>> }
const isStages = (value: unknown): value is StagesPayload => typeof value === 'object' && value !== null && 'stages' in value && Array.isArray((value as StagesPayload).stages)
const isPreview = (value: unknown): value is PreviewPayload => typeof value === 'object' && value !== null && 'preview' in value && typeof (value as PreviewPayload).preview === 'object'
const isFailure = (value: unknown): value is FormFailure => typeof value === 'object' && value !== null && (value as FormFailure).ok === false

/** True after hydration: sections that only make sense with JavaScript (switching providers) are hidden only then. */
function useEnhanced() {
  const [enhanced, setEnhanced] = useState(false)
  useEffect(() => setEnhanced(true), [])
  return enhanced
}

const count = (value: number | null | undefined) => (value ?? 0).toLocaleString('en-GB')

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

function StatusCard({ settings, canManage, result }: { settings: Settings; canManage: boolean; result: ActionResult }) {
  const connection = settings.connection
  const testing = useSubmitting('test')
  const syncing = useSubmitting('sync')
  const disconnecting = useSubmitting('disconnect')
  const pageAction = usePageAction()
  if (!connection) {
    return (
      <section className="card crm-status" aria-labelledby="crm-status-title">
        <div className="crm-status-head">
          <span className="crm-mark crm-mark-builtin" aria-hidden="true">
            A
          </span>
          <div className="crm-status-name">
            <h2 id="crm-status-title">Built-in CRM</h2>
            <p className="muted small">No external CRM is connected.</p>
          </div>
          <span role="status">
            <Badge tone="success">In use</Badge>
          </span>
        </div>
        <p>
          Accord’s own deals tables are your CRM: registrations, deals, stages and partner attribution all live here, and your team works them in <Link to="/pipeline">Pipeline</Link>.
        </p>
        <p className="muted">
          Connecting HubSpot or Salesforce makes that CRM the source of truth for deals. Accord then creates a deal there for every approved registration, keeps the partner fields up to date, and pulls stage, amount and close date back.
        </p>
      </section>
    )
  }
  const status = connectionStatusBadge(connection.status)
  const label = crmLabel(settings.provider)
  const active = connection.status !== 'disconnected'
  const paused = connection.rateLimitedUntil && new Date(connection.rateLimitedUntil).getTime() > Date.now() ? connection.rateLimitedUntil : null
  return (
    <section className="card crm-status" aria-labelledby="crm-status-title">
      <div className="crm-status-head">
        <span className={`crm-mark crm-mark-${settings.provider}`} aria-hidden="true">
          {label.slice(0, 1)}
        </span>
        <div className="crm-status-name">
          <h2 id="crm-status-title">{label}</h2>
          <p className="muted small wrap-anywhere">{connection.account ?? 'Account unknown'}</p>
        </div>
        <span role="status" aria-label={`Connection status: ${status.label}`}>
          <Badge tone={status.tone}>{status.label}</Badge>
        </span>
      </div>
      {connection.status === 'error' && connection.lastError ? (
        <Alert tone="error" title={`${label} stopped syncing.`}>
          {connection.lastError} {connection.lastErrorAt ? <span className="small">({formatDateTime(connection.lastErrorAt)})</span> : null}
        </Alert>
      ) : null}
      {connection.status === 'disconnected' ? <Alert tone="info">Nothing is synced while disconnected. The id map is kept: reconnecting {label} continues where it left off, without duplicates.</Alert> : null}
      <dl className="crm-facts">
        <Fact label="Account">{connection.account ?? '—'}</Fact>
        <Fact label="Status">{status.label}</Fact>
        <Fact label="Last push">{connection.lastPushAt ? <time dateTime={String(connection.lastPushAt)}>{formatDateTime(connection.lastPushAt)}</time> : 'Never'}</Fact>
        <Fact label="Last pull">{connection.lastPullAt ? <time dateTime={String(connection.lastPullAt)}>{formatDateTime(connection.lastPullAt)}</time> : 'Never'}</Fact>
        <Fact label="Mapped deals">{count(settings.mappedCount)}</Fact>
        <Fact label="Rate-limit pause">{paused ? `until ${formatDateTime(paused)} (${relativeTime(paused)})` : 'None'}</Fact>
        {connection.lastError && connection.status !== 'error' ? <Fact label="Last error">{connection.lastError}</Fact> : null}
        <Fact label="Connected">{connection.connectedAt ? formatDateTime(connection.connectedAt) : '—'}</Fact>
      </dl>
      {canManage ? (
        <>
          <div aria-live="polite">
            <FormNotice result={result} intent="test" />
            <FormError failure={errorsFor(result, 'test')} />
            <FormNotice result={result} intent="sync" />
            <FormError failure={errorsFor(result, 'sync')} />
            <FormNotice result={result} intent="disconnect" />
            <FormError failure={errorsFor(result, 'disconnect')} />
          </div>
          {active ? (
            <div className="button-row crm-actions">
              <Form method="post" action={pageAction}>
                <input type="hidden" name="intent" value="test" />
                <SubmitButton variant="secondary" pending={testing} pendingLabel="Testing…">
                  Test connection
                </SubmitButton>
              </Form>
              <Form method="post" action={pageAction}>
                <input type="hidden" name="intent" value="sync" />
                <SubmitButton pending={syncing} pendingLabel="Starting…">
                  Sync now
                </SubmitButton>
              </Form>
              <ConfirmAction label="Disconnect…" confirmLabel={`Yes, disconnect ${label}`} pendingLabel="Disconnecting…" pending={disconnecting} intent="disconnect">
                Accord stops syncing with {label}. Deals already in {label} stay there, and Accord keeps its map of which registration is which {label} deal, so reconnecting later will not
                create duplicates.
              </ConfirmAction>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  )
}

function ProgressCard({ run, provider }: { run: Run; provider: string }) {
  const running = run.status === 'running'
  const status = runStatusBadge(run.status)
  const label = crmLabel(provider)
  if (!run.progress) {
    // A sync without a progress row (manual, retry, scheduled): counts so far.
    return (
      <section className="card crm-progress-card" aria-labelledby="crm-progress-title">
        <h2 id="crm-progress-title">Syncing with {label}</h2>
        <p aria-live="polite" aria-atomic="true">
          <span className="crm-spinner" aria-hidden="true" /> {TRIGGER_LABELS[run.trigger] ?? run.trigger} started {formatDateTime(run.started_at)}: {count(run.pushed)} pushed so far.
        </p>
        <p className="muted small">This page updates by itself.</p>
      </section>
    )
  }
  const progress = syncProgress(run.progress)
  const finished = !running
  const done = finished && (run.status === 'succeeded' || run.status === 'partial')
  const valueNow = done ? Math.max(progress.total, progress.done) : progress.done
  const valueMax = Math.max(progress.total, 1)
  const percent = done ? 100 : progress.percent
  const words = running ? (progress.waiting ? progress.label : `${progress.label} (${progress.percent} %)`) : done ? `Done: pushed ${count(run.pushed)} of ${count(run.to_push ?? progress.total)}${run.failed ? `, ${count(run.failed)} refused` : ''}.` : `${status.label}${run.error ? `: ${run.error}` : '.'}`
  return (
    <section className={`card crm-progress-card${finished ? ' finished' : ''}`} aria-labelledby="crm-progress-title">
      <div className="crm-card-head">
        <h2 id="crm-progress-title">{run.trigger === 'initial' ? 'Initial sync' : 'Sync'}</h2>
        <Badge tone={status.tone}>{status.label}</Badge>
      </div>
      <div
        className={`crm-progress${progress.waiting && running ? ' indeterminate' : ''}${run.status === 'failed' ? ' failed' : ''}`}
        role="progressbar"
        aria-labelledby="crm-progress-title"
        aria-describedby="crm-progress-text"
        aria-valuemin={0}
        aria-valuemax={valueMax}
        aria-valuenow={Math.min(valueNow, valueMax)}
        aria-valuetext={words}
      >
        <span className="crm-progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <p id="crm-progress-text" className="crm-progress-text" aria-live="polite" aria-atomic="true">
        {words}
      </p>
      {running ? (
        <p className="muted small">
          This page updates by itself. You can leave it: the sync continues in the background{run.progress.message && !progress.waiting ? ` · ${run.progress.message}` : ''}.
        </p>
      ) : null}
    </section>
  )
}

/** Bars for the last syncs: records (pushed, failed) and API requests (with 429s marked). Decorative; the log table holds the numbers. */
function HealthChart({ runs }: { runs: Settings['runs'] }) {
  const health = syncHealth(runs)
  return (
    <figure className="crm-health" aria-labelledby="crm-health-caption">
      <figcaption id="crm-health-caption">
        <strong>Sync health.</strong> {health.summary} <span className="muted">The numbers are in the sync log below.</span>
      </figcaption>
      <div className="crm-charts" aria-hidden="true">
        <div className="crm-chart">
          <p className="crm-chart-title">
            Records per sync <span className="muted">(max {count(health.maxRecords)})</span>
          </p>
          <ol className="crm-chart-bars">
            {health.bars.map((bar) => (
              <li key={bar.id} title={`${formatDateTime(bar.startedAt)}: ${bar.pushed} pushed, ${bar.failed} failed`}>
                <span className="crm-bar crm-bar-failed" style={{ height: `${bar.failedPct}%` }} />
                <span className="crm-bar crm-bar-pushed" style={{ height: `${bar.pushedPct}%` }} />
              </li>
            ))}
          </ol>
        </div>
        <div className="crm-chart">
          <p className="crm-chart-title">
            API requests per sync <span className="muted">(max {count(health.maxRequests)})</span>
          </p>
          <ol className="crm-chart-bars">
            {health.bars.map((bar) => (
              <li key={bar.id} title={`${formatDateTime(bar.startedAt)}: ${bar.requests} requests, ${bar.rateLimited} rate-limit waits`} className={bar.rateLimited > 0 ? 'limited' : undefined}>
                <span className="crm-bar crm-bar-requests" style={{ height: `${bar.requestsPct}%` }} />
              </li>
            ))}
          </ol>
        </div>
      </div>
      <ul className="crm-legend" aria-hidden="true">
        <li>
          <span className="swatch pushed" /> Pushed
        </li>
        <li>
          <span className="swatch failed" /> Failed
        </li>
        <li>
          <span className="swatch requests" /> Requests
        </li>
        <li>
          <span className="swatch limited" /> Rate limit hit (429)
        </li>
      </ul>
    </figure>
  )
}

function SyncLog({ runs, provider }: { runs: Settings['runs']; provider: string }) {
  return (
    <section className="card" aria-labelledby="crm-log-title">
      <h2 id="crm-log-title">Sync health and log</h2>
      {runs.length === 0 ? (
        <p className="muted crm-empty">No syncs yet. The first one starts when {crmLabel(provider)} is connected; after that Accord syncs every few minutes and whenever a registration changes.</p>
      ) : (
        <>
          <HealthChart runs={runs} />
          {/* Wide: it scrolls sideways, so keyboard users can focus it to scroll. */}
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Sync log table">
            <table className="data crm-log">
              <caption className="sr-only">Sync log: the last {runs.length} syncs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    To push
                  </th>
                  <th scope="col" className="num">
                    Pushed
                  </th>
                  <th scope="col" className="num">
                    Created
                  </th>
                  <th scope="col" className="num">
                    Failed
                  </th>
                  <th scope="col" className="num">
                    Pulled
                  </th>
                  <th scope="col" className="num">
                    Applied
                  </th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col" className="num">
                    <abbr title="Rate-limit answers (HTTP 429)">429s</abbr>
                  </th>
                  <th scope="col" className="num">
                    Waited (s)
                  </th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((run) => {
                  const status = runStatusBadge(run.status)
                  return (
                    <tr key={run.id}>
                      <td className="nowrap">{formatDateTime(run.started_at)}</td>
                      <td>{TRIGGER_LABELS[run.trigger] ?? run.trigger}</td>
                      <td>
                        <Badge tone={status.tone}>{status.label}</Badge>
                      </td>
                      <td className="num">{count(run.to_push)}</td>
                      <td className="num">{count(run.pushed)}</td>
                      <td className="num">{count(run.created)}</td>
                      <td className="num">{run.failed ? <strong className="crm-bad">{count(run.failed)}</strong> : '0'}</td>
                      <td className="num">{count(run.pulled)}</td>
                      <td className="num">{count(run.applied)}</td>
                      <td className="num">{count(run.requests)}</td>
                      <td className="num">{count(run.rate_limited)}</td>
                      <td className="num">{waitedSeconds(run.rate_limit_wait_ms)}</td>
                      <td className="wrap-anywhere crm-error-cell">{run.error ?? <span className="muted">—</span>}</td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}

function FailedRecords({ settings, canManage, result }: { settings: Settings; canManage: boolean; result: ActionResult }) {
  const pageAction = usePageAction()
  const retrying = useSubmitting('retry')
  const active = settings.connection?.status !== 'disconnected'
  const records = settings.failedRecords
  return (
    <section className="card" aria-labelledby="crm-failed-title">
      <div className="crm-card-head">
        <h2 id="crm-failed-title">Failed records</h2>
        {canManage && active && records.length > 0 ? (
          <Form method="post" action={pageAction}>
            <input type="hidden" name="intent" value="retry" />
            <SubmitButton variant="secondary" pending={retrying} pendingLabel="Retrying…">
              Retry all
            </SubmitButton>
          </Form>
        ) : null}
      </div>
      <div aria-live="polite">
        <FormNotice result={result} intent="retry" />
        <FormError failure={errorsFor(result, 'retry')} />
      </div>
      {records.length === 0 ? (
        <p className="muted crm-empty">
          <span className="crm-check" aria-hidden="true">
            ✓
          </span>{' '}
          No failed records: {crmLabel(settings.provider)} accepted everything Accord sent.
        </p>
      ) : (
        <>
          <p className="muted small">Records the CRM refused. After 3 attempts a record is parked: it is not sent again until you retry it.</p>
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Registrations the CRM refused, latest first</caption>
              <thead>
                <tr>
                  <th scope="col">Case</th>
                  <th scope="col">Company</th>
                  <th scope="col">Error</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  {canManage && active ? (
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {records.map((record) => (
                  <tr key={record.registration_id}>
                    <td className="nowrap">
                      <Link to={`/registrations/${record.registration_id}`}>{record.case_number ? `R-${record.case_number}` : 'Open'}</Link>
                    </td>
                    <td className="wrap-anywhere">{record.company_name ?? '—'}</td>
                    <td className="wrap-anywhere crm-error-cell">
                      {record.last_error}
                      {record.last_error_at ? <span className="muted small"> · {formatDateTime(record.last_error_at)}</span> : null}
                    </td>
                    <td className="num">
                      {record.failed_attempts} {record.parked ? <Badge tone="danger">Parked</Badge> : null}
                    </td>
                    {canManage && active ? (
                      <td className="actions">
                        <Form method="post" action={pageAction}>
                          <input type="hidden" name="intent" value="retry" />
                          <input type="hidden" name="registrationId" value={record.registration_id} />
                          <button type="submit" className="button secondary small" disabled={retrying} aria-label={`Retry ${record.case_number ? `R-${record.case_number}` : ''} ${record.company_name ?? ''}`.replace(/\s+/g, ' ').trim()}>
                            Retry
                          </button>
                        </Form>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}

function RadioOption({ id, name, value, checked, onSelect, label, hint }: { id: string; name: string; value: string; checked: boolean; onSelect: (value: string) => void; label: string; hint: string }) {
  return (
    <div className="option">
      <input type="radio" id={id} name={name} value={value} checked={checked} onChange={() => onSelect(value)} aria-describedby={`${id}-hint`} />
      <span>
        <label htmlFor={id} className="option-label">
          {label}
        </label>
        <span className="option-hint muted small" id={`${id}-hint`}>
          {hint}
        </span>
      </span>
    </div>
  )
}

function ConnectForm({ settings, result }: { settings: Settings; result: ActionResult }) {
  const pageAction = usePageAction()
  const ids = useId()
  const enhanced = useEnhanced()
  const failure = errorsFor(result, 'connect')
  const formRef = useFormFeedback(result, 'connect')
  const connecting = useSubmitting('connect')
  const current = settings.connection ? settings.provider : null
  const [provider, setProvider] = useState<CrmProvider>(readProvider(valueOf(failure, 'provider', current ?? 'hubspot')))
  const [method, setMethod] = useState<SalesforceMethod>(readMethod(valueOf(failure, 'method', 'password')))
  const errors = (name: string) => failure?.fieldErrors[name]

  // Secrets are never sent back; after a failed attempt the browser's copy is cleared too.
  useEffect(() => {
    if (!failure || !formRef.current) return
    for (const name of SECRET_CONNECT_FIELDS) {
      const input = formRef.current.querySelector<HTMLInputElement>(`input[name="${name}"]`)
      if (input) input.value = ''
    }
  }, [failure, formRef])

  const showHubspot = !enhanced || provider === 'hubspot'
  const showSalesforce = !enhanced || provider === 'salesforce'
  const showPassword = !enhanced || method === 'password'
  const showOauth = !enhanced || method === 'oauth'
  const advancedOpen = Boolean(errors('hubspot.baseUrl')?.length) || Boolean(failure && valueOf(failure, 'hubspot.baseUrl') && valueOf(failure, 'hubspot.baseUrl') !== HUBSPOT_DEFAULT_BASE_URL)
  const switching = current !== null && provider !== current

  return (
    <Form method="post" action={pageAction} className="stack crm-connect" noValidate ref={formRef} aria-labelledby="crm-connect-title" autoComplete="off">
      <input type="hidden" name="intent" value="connect" />
      <FormError failure={failure} />
      <fieldset className="choice">
        <legend>CRM</legend>
        <RadioOption id={`${ids}-hubspot`} name="provider" value="hubspot" checked={provider === 'hubspot'} onSelect={(value) => setProvider(readProvider(value))} label="HubSpot" hint="With a private app access token." />
        <RadioOption id={`${ids}-salesforce`} name="provider" value="salesforce" checked={provider === 'salesforce'} onSelect={(value) => setProvider(readProvider(value))} label="Salesforce" hint="With an integration user, or an OAuth token." />
      </fieldset>
      {switching ? (
        <Alert tone="warning">
          Switching from {crmLabel(current)} to {crmLabel(provider)} starts fresh: the field and stage mapping go back to {crmLabel(provider)}’s defaults and every approved registration is created there.
        </Alert>
      ) : null}

      <fieldset className="settings-group" hidden={!showHubspot} disabled={!showHubspot}>
        <legend>HubSpot</legend>
        <Field
          label="Private app access token"
          name="hubspot.accessToken"
          type="password"
          required
          autoComplete="new-password"
          maxLength={500}
          placeholder="pat-na1-…"
          hint="In HubSpot: Settings → Integrations → Private apps. The app needs the CRM objects and schemas scopes. Stored encrypted; never shown again."
          errors={errors('hubspot.accessToken')}
        />
        <SelectControl
          label="How partners are recorded"
          name="attributionMode"
          optionalMark={false}
          options={[...ATTRIBUTION_MODE_OPTIONS]}
          defaultValue={valueOf(failure, 'attributionMode', settings.connection?.attributionMode ?? 'deal_property')}
          hint="Deal properties work on every plan. A custom object needs HubSpot Enterprise."
          errors={errors('attributionMode')}
        />
        <details className="crm-advanced" open={advancedOpen || undefined}>
          <summary>Advanced</summary>
          <InputField
            label="API base URL"
            name="hubspot.baseUrl"
            type="url"
            inputMode="url"
            optionalMark={false}
            maxLength={300}
            defaultValue={valueOf(failure, 'hubspot.baseUrl', HUBSPOT_DEFAULT_BASE_URL)}
            hint={`Leave as ${HUBSPOT_DEFAULT_BASE_URL}. Other addresses (a proxy, a test server) work only where the operator of this Accord allows them.`}
            errors={errors('hubspot.baseUrl')}
          />
        </details>
      </fieldset>

      <fieldset className="settings-group" hidden={!showSalesforce} disabled={!showSalesforce}>
        <legend>Salesforce</legend>
        <fieldset className="choice">
          <legend>Sign-in method</legend>
          <RadioOption id={`${ids}-password`} name="method" value="password" checked={method === 'password'} onSelect={(value) => setMethod(readMethod(value))} label="Integration user" hint="User name, password and security token." />
          <RadioOption id={`${ids}-oauth`} name="method" value="oauth" checked={method === 'oauth'} onSelect={(value) => setMethod(readMethod(value))} label="OAuth token" hint="From a connected app." />
        </fieldset>
        <div className="grid-2" hidden={!showPassword}>
          <InputField label="User name" name="salesforce.username" type="email" inputMode="email" required maxLength={200} defaultValue={valueOf(failure, 'salesforce.username')} errors={errors('salesforce.username')} />
          <Field label="Password" name="salesforce.password" type="password" required autoComplete="new-password" maxLength={200} errors={errors('salesforce.password')} />
          <Field label="Security token" name="salesforce.securityToken" type="password" autoComplete="new-password" maxLength={200} hint="Not needed when the integration user’s IP is trusted." errors={errors('salesforce.securityToken')} />
          <InputField
            label="Login URL"
            name="salesforce.loginUrl"
            type="url"
            inputMode="url"
            optionalMark={false}
            maxLength={300}
            defaultValue={valueOf(failure, 'salesforce.loginUrl', SALESFORCE_DEFAULT_LOGIN_URL)}
            hint="https://test.salesforce.com for a sandbox, or your My Domain URL."
            errors={errors('salesforce.loginUrl')}
          />
        </div>
        <div className="grid-2" hidden={!showOauth}>
          <InputField label="Instance URL" name="salesforce.instanceUrl" type="url" inputMode="url" required maxLength={300} placeholder="https://yourcompany.my.salesforce.com" defaultValue={valueOf(failure, 'salesforce.instanceUrl')} errors={errors('salesforce.instanceUrl')} />
          <Field label="Access token" name="salesforce.accessToken" type="password" required autoComplete="new-password" maxLength={2000} errors={errors('salesforce.accessToken')} />
          <Field label="Refresh token" name="salesforce.refreshToken" type="password" autoComplete="new-password" maxLength={2000} hint="Lets Accord renew the access token by itself." errors={errors('salesforce.refreshToken')} />
        </div>
      </fieldset>
      <p className="muted small">Accord tries the credentials first; nothing is stored if {crmLabel(provider)} refuses them.</p>
      <div>
        <SubmitButton pending={connecting} pendingLabel="Connecting…">
          {current === provider ? `Reconnect ${crmLabel(provider)}` : `Connect ${crmLabel(provider)}`}
        </SubmitButton>
      </div>
    </Form>
  )
}

function ConnectSection({ settings, result }: { settings: Settings; result: ActionResult }) {
  const connection = settings.connection
  const failure = errorsFor(result, 'connect')
  const collapsed = connection !== null && connection.status !== 'disconnected'
  const intro = connection
    ? connection.status === 'disconnected'
      ? `Reconnect ${crmLabel(settings.provider)} to continue where it left off, or connect the other CRM.`
      : `Update the credentials (for example after rotating the token), or switch to the other CRM.`
    : 'Connect HubSpot or Salesforce. The first sync creates a deal there for every approved registration; you can follow it on this page.'
  return (
    <section className="card" aria-labelledby="crm-connect-title">
      {collapsed ? (
        <details className="crm-reconnect" open={Boolean(failure) || undefined}>
          <summary>
            <h2 id="crm-connect-title">Reconnect or switch CRM</h2>
          </summary>
          <p className="muted">{intro}</p>
          <ConnectForm settings={settings} result={result} />
        </details>
      ) : (
        <>
          <h2 id="crm-connect-title">{connection ? 'Reconnect' : 'Connect a CRM'}</h2>
          <p className="muted">{intro}</p>
          <ConnectForm settings={settings} result={result} />
        </>
      )}
    </section>
  )
}

function FieldMapping({ settings, canManage, result }: { settings: Settings; canManage: boolean; result: ActionResult }) {
  const pageAction = usePageAction()
  const failure = errorsFor(result, 'mapping')
  const formRef = useFormFeedback(result, 'mapping')
  const saving = useSubmitting('mapping')
  const ids = useId()
  const objects = ['deal', 'company', 'contact'] as const
  const isHubspot = settings.provider === 'hubspot'
  return (
    <section className="card" aria-labelledby="crm-mapping-title">
      <h2 id="crm-mapping-title">Field mapping</h2>
      <p className="muted">
        Which {crmLabel(settings.provider)} property each Accord field is written to. Accord’s own fields are written on every change; the CRM’s fields are written once, when Accord creates the record,
        and changes made in the CRM are pulled back. Leave a property empty to stop syncing that field.
      </p>
      <Form method="post" action={pageAction} className="stack" noValidate ref={formRef} aria-labelledby="crm-mapping-title">
        <input type="hidden" name="intent" value="mapping" />
        <FormNotice result={result} intent="mapping" />
        <FormError failure={failure} />
        {isHubspot ? (
          <div className="crm-narrow">
            {canManage ? (
              <SelectControl
                label="How partners are recorded"
                name="attributionMode"
                optionalMark={false}
                options={[...ATTRIBUTION_MODE_OPTIONS]}
                defaultValue={valueOf(failure, 'attributionMode', settings.connection?.attributionMode ?? 'deal_property')}
                errors={failure?.fieldErrors.attributionMode}
              />
            ) : (
              <p>
                <strong>How partners are recorded:</strong> {ATTRIBUTION_MODE_OPTIONS.find((option) => option.value === settings.connection?.attributionMode)?.label ?? 'Deal properties'}
              </p>
            )}
          </div>
        ) : null}
        {objects.map((object) => {
          const fields = settings.fields.filter((field) => field.object === object)
          if (fields.length === 0) return null
          return (
            <div className="table-wrap" key={object}>
              <table className="data crm-mapping">
                <caption>{OBJECT_LABELS[object]} properties</caption>
                <thead>
                  <tr>
                    <th scope="col">Accord field</th>
                    <th scope="col">Owner</th>
                    <th scope="col">{crmLabel(settings.provider)} property</th>
                  </tr>
                </thead>
                <tbody>
                  {fields.map((field) => {
                    const name = mappingFieldName(field.field)
                    const id = `${ids}-${field.field}`
                    const fieldErrors = failure?.fieldErrors[name]
                    return (
                      <tr key={field.field}>
                        <th scope="row">{field.label}</th>
                        <td>
                          <span className={`crm-owner crm-owner-${field.owner}`}>{OWNER_LABELS[field.owner] ?? field.owner}</span>
                        </td>
                        <td>
                          {canManage ? (
                            <>
                              <label className="sr-only" htmlFor={id}>
                                {crmLabel(settings.provider)} property for {field.label}
                              </label>
                              <input
                                id={id}
                                name={name}
                                className="crm-property-input"
                                defaultValue={valueOf(failure, name, field.property ?? '')}
                                placeholder={field.defaultProperty ?? 'Not synced'}
                                maxLength={100}
                                spellCheck={false}
                                autoComplete="off"
                                aria-invalid={fieldErrors?.length ? true : undefined}
                                aria-describedby={fieldErrors?.length ? `${id}-error` : undefined}
                              />
                              {fieldErrors?.length ? (
                                <p className="error" id={`${id}-error`} role="alert">
                                  {fieldErrors.join(' ')}
                                </p>
                              ) : null}
                            </>
                          ) : field.property ? (
                            <code>{field.property}</code>
                          ) : (
                            <span className="muted">Not synced</span>
                          )}
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )
        })}
        {canManage ? (
          <div>
            <SubmitButton pending={saving} pendingLabel="Saving…">
              Save field mapping
            </SubmitButton>
          </div>
        ) : null}
      </Form>
    </section>
  )
}

function StageMapping({ settings, canManage, result }: { settings: Settings; canManage: boolean; result: ActionResult }) {
  const pageAction = usePageAction()
  const failure = errorsFor(result, 'stage-mapping')
  const formRef = useFormFeedback(result, 'stage-mapping')
  const saving = useSubmitting('stage-mapping')
  const stagesFetcher = useFetcher()
  const ids = useId()
  const listId = `${ids}-crm-stages`
  const provider = settings.provider === 'salesforce' ? 'salesforce' : 'hubspot'
  const saved = settings.connection?.stageMapping ?? {}
  const active = settings.connection?.status !== 'disconnected'
  // Without JavaScript the button posts the page; its answer arrives as the page's action data.
  const stages = (isStages(stagesFetcher.data) ? stagesFetcher.data : isStages(result) ? result : null)?.stages ?? null
  const stagesFailure = isFailure(stagesFetcher.data) ? stagesFetcher.data : errorsFor(result, 'load-stages')
  const label = crmLabel(settings.provider)

  return (
    <section className="card" aria-labelledby="crm-stages-title">
      <h2 id="crm-stages-title">Stage mapping</h2>
      <p className="muted">
        The {label} stage a deal starts in, for each Accord stage. Empty: the motion’s “any other stage” value, or {label}’s first open stage (<code>{DEFAULT_CRM_STAGE[provider]}</code>).
      </p>
      {canManage && active ? (
        <stagesFetcher.Form method="post" action={pageAction} className="row crm-load-stages">
          <input type="hidden" name="intent" value="load-stages" />
          <SubmitButton variant="secondary" pending={stagesFetcher.state !== 'idle'} pendingLabel="Loading…">
            Load {label} stages
          </SubmitButton>
          <span className="muted small" aria-live="polite">
            {stages ? `${stages.length} ${label} stages loaded: the inputs suggest them as you type.` : ''}
          </span>
        </stagesFetcher.Form>
      ) : null}
      <FormError failure={stagesFailure ?? null} />
      {stages ? (
        <datalist id={listId}>
          {stages.map((stage) => (
            <option key={stage.value} value={stage.value}>
              {stage.label}
            </option>
          ))}
        </datalist>
      ) : null}
      {canManage ? (
        <Form method="post" action={pageAction} className="stack" noValidate ref={formRef} aria-labelledby="crm-stages-title">
          <input type="hidden" name="intent" value="stage-mapping" />
          <FormNotice result={result} intent="stage-mapping" />
          <FormError failure={failure} />
          <div className="crm-motions">
            {settings.motions.map((motion) => (
              <fieldset key={motion.key} className="settings-group">
                <legend>{motion.label}</legend>
                {[...motion.stages, { key: '*', label: 'Any other stage' }].map((stage) => {
                  const name = stageFieldName(motion.key, stage.key)
                  const stageValue = saved[`${motion.key}:${stage.key}`] ?? ''
                  return (
                    <InputField
                      key={stage.key}
                      label={stage.label}
                      name={name}
                      optionalMark={false}
                      list={stages ? listId : undefined}
                      maxLength={200}
                      placeholder={stage.key === '*' ? DEFAULT_CRM_STAGE[provider] : 'Not mapped'}
                      defaultValue={valueOf(failure, name, stageValue)}
                      errors={failure?.fieldErrors[name]}
                      className="crm-stage-field"
                    />
                  )
                })}
              </fieldset>
            ))}
          </div>
          <div>
            <SubmitButton pending={saving} pendingLabel="Saving…">
              Save stage mapping
            </SubmitButton>
          </div>
        </Form>
      ) : (
        <div className="crm-motions">
          {settings.motions.map((motion) => (
            <div key={motion.key} className="crm-stage-readonly">
              <h3>{motion.label}</h3>
              <dl className="crm-props">
                {[...motion.stages, { key: '*', label: 'Any other stage' }].map((stage) => (
                  <div key={stage.key}>
                    <dt>{stage.label}</dt>
                    <dd>{saved[`${motion.key}:${stage.key}`] ? <code>{saved[`${motion.key}:${stage.key}`]}</code> : <span className="muted">{stage.key === '*' ? DEFAULT_CRM_STAGE[provider] : 'Not mapped'}</span>}</dd>
                  </div>
                ))}
              </dl>
            </div>
          ))}
        </div>
      )}
    </section>
  )
}

function Properties({ title, properties }: { title: string; properties: Record<string, unknown> | null | undefined }) {
  const pairs = propertyPairs(properties)
  if (pairs.length === 0) return null
  return (
    <div className="crm-props-group">
      <h4>{title}</h4>
      <dl className="crm-props">
        {pairs.map((pair) => (
          <div key={pair.name}>
            <dt>
              <code>{pair.name}</code>
            </dt>
            <dd className="wrap-anywhere">{pair.value}</dd>
          </div>
        ))}
      </dl>
    </div>
  )
}

function Preview({ settings }: { settings: Settings }) {
  const pageAction = usePageAction()
  const fetcher = useFetcher()
  const result = useActionData<typeof action>()
  const preview = (isPreview(fetcher.data) ? fetcher.data : isPreview(result) ? result : null)?.preview ?? null
  const failure = isFailure(fetcher.data) ? fetcher.data : errorsFor(result, 'preview')
  const label = crmLabel(settings.provider)
  return (
    <section className="card" aria-labelledby="crm-preview-title">
      <h2 id="crm-preview-title">Dry run</h2>
      <p className="muted">See what the next sync would write to {label}, record by record. Nothing is sent to {label} and nothing is saved.</p>
      <fetcher.Form method="post" action={pageAction}>
        <input type="hidden" name="intent" value="preview" />
        <SubmitButton variant="secondary" pending={fetcher.state !== 'idle'} pendingLabel="Working out the next sync…">
          {preview ? 'Preview again' : 'Preview the next sync'}
        </SubmitButton>
      </fetcher.Form>
      <FormError failure={failure ?? null} />
      <div aria-live="polite">
        {preview ? (
          <div className="crm-preview">
            <Alert tone="info">Dry run: nothing was written to {label}.</Alert>
            <ul className="stats crm-preview-stats" aria-label="Next sync">
              <li className="stat">
                <span className="stat-value">{count(preview.total)}</span>
                <span className="stat-label">records to push</span>
              </li>
              <li className="stat">
                <span className="stat-value">{count(preview.creates)}</span>
                <span className="stat-label">would be created</span>
              </li>
              <li className="stat">
                <span className="stat-value">{count(preview.updates)}</span>
                <span className="stat-label">would be updated</span>
              </li>
            </ul>
            {preview.records.length === 0 ? (
              <p className="muted crm-empty">Nothing to push: {label} is up to date with Accord.</p>
            ) : (
              <>
                {preview.total > preview.records.length ? <p className="muted small">The first {preview.records.length} of {count(preview.total)}:</p> : null}
                <ol className="crm-preview-list">
                  {preview.records.map((record) => (
                    <li key={record.registrationId}>
                      <details>
                        <summary>
                          <Badge tone={record.action === 'create' ? 'success' : undefined}>{record.action === 'create' ? 'Create' : 'Update'}</Badge> <strong>{record.caseNumber ? `R-${record.caseNumber}` : 'Registration'}</strong>{' '}
                          <span className="wrap-anywhere">{record.companyName}</span>
                        </summary>
                        <div className="crm-props-grid">
                          <Properties title="Deal" properties={record.deal} />
                          <Properties title="Company" properties={record.company} />
                          <Properties title="Contact" properties={record.contact} />
                          <Properties title="Partner" properties={record.partner} />
                        </div>
                      </details>
                    </li>
                  ))}
                </ol>
              </>
            )}
          </div>
        ) : null}
      </div>
    </section>
  )
}

export default function CrmSettings() {
  const { settings, canManage } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const latest = settings.runs[0]
  const running = latest?.status === 'running'
  useRefreshWhile(running)
  const connected = settings.connection !== null

  return (
    <>
      <h1>CRM</h1>
      <p className="muted">Where your deals live, and how Accord keeps partner registrations and attribution in sync with it.</p>
      {canManage ? null : <p className="alert info">Only owners and admins can connect a CRM or change the mapping. You can see the connection and its health.</p>}
      <FormNotice result={result} intent="connect" />

      <StatusCard settings={settings} canManage={canManage} result={result} />
      {latest && (latest.progress || running) ? <ProgressCard run={latest} provider={settings.provider} /> : null}
      {canManage ? <ConnectSection settings={settings} result={result} /> : null}

      {connected ? (
        <>
          <SyncLog runs={settings.runs} provider={settings.provider} />
          <FailedRecords settings={settings} canManage={canManage} result={result} />
          <FieldMapping settings={settings} canManage={canManage} result={result} />
          <StageMapping settings={settings} canManage={canManage} result={result} />
          <Preview settings={settings} />
        </>
      ) : !canManage ? (
        <EmptyState title="No CRM connected">Accord’s built-in CRM is in use. An owner or admin can connect HubSpot or Salesforce here.</EmptyState>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

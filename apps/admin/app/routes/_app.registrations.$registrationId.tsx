import { registrationStatusLabels, stageGuessLabels, staffCan } from '@accord/core'
import { Badge, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useId } from 'react'
import { ErrorContent } from '~/components/error-page'
import { FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { errorsFor, type FormFailure, formValues } from '~/lib/forms'
import { formatDate, formatDateTime, relativeTime } from '~/lib/format'
import { APP_NAME } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { requireStaff, rethrowAsNotFound } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [
  { title: loaded ? `${loaded.registration.caseReference} ${loaded.registration.companyName} · Registrations · ${APP_NAME}` : `Registration · ${APP_NAME}` },
]


export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'registrations.view')
  const detail = await caller.admin.registrations.get({ registrationId: params.registrationId ?? '' }).catch(rethrowAsNotFound('This registration does not exist.'))
  return data({ ...detail, statusLabels: registrationStatusLabels as Record<string, string>, stageLabels: stageGuessLabels as Record<string, string>, canDecide: staffCan(user.staffRole, 'registrations.decide'), now: new Date().toISOString() }, { headers })
}

const FIELDS = {
  approve: ['protectionDays', 'note', 'conflictResolution'],
  reject: ['reason'],
  'request-info': ['question'],
  extend: ['days', 'reason'],
  close: ['outcome', 'reason'],
  'start-review': [],
} as const
type Intent = keyof typeof FIELDS

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'registrations.decide')
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '') as Intent
  const registrationId = params.registrationId ?? ''
  if (!(intent in FIELDS)) return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  const values = formValues(form, FIELDS[intent])
  try {
    switch (intent) {
      case 'start-review':
        await caller.admin.registrations.startReview({ registrationId })
        return actionSuccess(intent, 'You are reviewing this registration; the partner sees “under review”.')
      case 'approve': {
        const approve = values as Record<'protectionDays' | 'note' | 'conflictResolution', string>
        await caller.admin.registrations.approve({ registrationId, protectionDays: approve.protectionDays || undefined, note: approve.note, conflictResolution: approve.conflictResolution })
        return actionSuccess(intent, 'Approved. The partner has been e-mailed the protection window.')
      }
      case 'reject':
        await caller.admin.registrations.reject({ registrationId, reason: (values as Record<'reason', string>).reason })
        return actionSuccess(intent, 'Rejected. The partner has been e-mailed the reason.')
      case 'request-info':
        await caller.admin.registrations.requestInfo({ registrationId, question: (values as Record<'question', string>).question })
        return actionSuccess(intent, 'Question sent. The decision clock pauses until the partner answers.')
      case 'extend': {
        const extend = values as Record<'days' | 'reason', string>
        await caller.admin.registrations.extend({ registrationId, days: extend.days, reason: extend.reason })
        return actionSuccess(intent, 'Protection extended; the partner has been told.')
      }
      case 'close': {
        const close = values as Record<'outcome' | 'reason', string>
        const outcome = close.outcome === 'won' ? 'won' : 'lost'
        await caller.admin.registrations.close({ registrationId, outcome, reason: close.reason })
        return actionSuccess(intent, outcome === 'won' ? 'Marked as won.' : 'Marked as lost.')
      }
    }
  } catch (error) {
    return actionFailure(error, { intent, fields: FIELDS[intent], values })
  }
})

const statusTone = (status: string): 'success' | 'warning' | 'danger' | undefined =>
  status === 'approved' || status === 'won' ? 'success' : status === 'info_requested' ? 'warning' : status === 'rejected' || status === 'lost' ? 'danger' : undefined

const ruleLabels: Record<string, string> = {
  registered_beats_unregistered: 'Registered beats unregistered',
  first_approved_wins: 'First approved wins',
  tier_priority: 'Tier priority',
  established_beats_new: 'Established beats new',
  certification_breaks_ties: 'Certification breaks ties',
  split_by_product_line: 'Split by product line',
  manual_resolution: 'Resolved by a partner manager',
  decision_sla: 'Decision SLA',
  protection_window: 'Protection window',
  expiry_reminder: 'Expiry reminder',
  idle_threshold: 'Idle threshold',
  extension_on_next_step: 'Extension on next step',
}

const money = (amount: number | null, currency: string | null) => (amount !== null && currency ? new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(amount) : '—')

function TextArea({ label, name, failure, rows = 3, hint, required, defaultValue }: { label: string; name: string; failure: FormFailure | null; rows?: number; hint?: string; required?: boolean; defaultValue?: string }) {
  const id = useId()
  const errors = failure?.fieldErrors[name]
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required ? null : <span className="muted"> (optional)</span>}
      </label>
      <textarea id={id} name={name} rows={rows} defaultValue={valueOf(failure, name, defaultValue)} aria-invalid={errors?.length ? true : undefined} aria-describedby={[hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(' ') || undefined} />
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p className="error" id={`${id}-error`} role="alert">
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  )
}

function NumberField({ label, name, failure, defaultValue, hint }: { label: string; name: string; failure: FormFailure | null; defaultValue: string; hint?: string }) {
  const id = useId()
  const errors = failure?.fieldErrors[name]
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} type="number" inputMode="numeric" min={1} max={365} defaultValue={valueOf(failure, name, defaultValue)} aria-invalid={errors?.length ? true : undefined} aria-describedby={errors?.length ? `${id}-error` : hint ? `${id}-hint` : undefined} />
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p className="error" id={`${id}-error`} role="alert">
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  )
}

export default function RegistrationDetail() {
  const { registration, competing, events, defaults, canDecide, now, statusLabels, stageLabels } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const pageAction = usePageAction()
  const approveFailure = errorsFor(result, 'approve')
  const rejectFailure = errorsFor(result, 'reject')
  const infoFailure = errorsFor(result, 'request-info')
  const extendFailure = errorsFor(result, 'extend')
  const closeFailure = errorsFor(result, 'close')
  const startFailure = errorsFor(result, 'start-review')
  const approveRef = useFormFeedback(result, 'approve')
  const rejectRef = useFormFeedback(result, 'reject')
  const infoRef = useFormFeedback(result, 'request-info', { resetOnSuccess: true })
  const extendRef = useFormFeedback(result, 'extend', { resetOnSuccess: true })
  const approving = useSubmitting('approve')
  const rejecting = useSubmitting('reject')
  const asking = useSubmitting('request-info')
  const extending = useSubmitting('extend')
  const closing = useSubmitting('close')
  const starting = useSubmitting('start-review')
  const pending = ['submitted', 'under_review', 'info_requested'].includes(registration.status)
  const protectedRival = competing.find((claim) => claim.status === 'approved')
  const nowDate = new Date(now)

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/registrations">Registrations</Link> <span aria-hidden="true">/</span> <span aria-current="page">{registration.caseReference}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="wrap-anywhere">{registration.companyName}</h1>
          <p className="muted wrap-anywhere">
            {registration.caseReference} · {registration.kind === 'deal' ? 'Deal' : 'Lead'} registration by{' '}
            <Link to={`/partners/${registration.partnerId}`}>{registration.partnerName}</Link> ({registration.partnerTier}) · {formatDateTime(registration.createdAt)}
          </p>
        </div>
        <Badge tone={statusTone(registration.status)}>{statusLabels[registration.status]}</Badge>
      </div>

      {['start-review', 'approve', 'reject', 'request-info', 'extend', 'close'].map((intent) => (
        <FormNotice key={intent} result={result} intent={intent} />
      ))}
      <FormError failure={startFailure ?? closeFailure} />

      <div className="detail-grid">
        <div className="stack">
          <section className={`card ${registration.conflictStatus === 'none' ? '' : 'conflict-card'}`} aria-labelledby="check-title">
            <h2 id="check-title">
              Conflict check{' '}
              {registration.conflictStatus === 'none' ? <Badge tone="success">None</Badge> : <Badge tone={registration.conflictStatus === 'active' ? 'danger' : 'warning'}>{registration.conflictStatus === 'active' ? 'Active conflict' : 'At risk'}</Badge>}
            </h2>
            {registration.decidingRule ? (
              <p>
                Deciding rule: <strong>{ruleLabels[registration.decidingRule] ?? registration.decidingRule}</strong>
              </p>
            ) : null}
            {registration.conflictNotes ? (
              <ul className="evidence">
                {registration.conflictNotes.split('\n').map((line, index) => (
                  <li key={index} className="wrap-anywhere">
                    {line}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">No competing claims, blocked accounts, territory rules or open deals were found when this was submitted.</p>
            )}
            <p className="muted small">The partner was told: “{registration.partnerVerdict === 'clear' ? 'clear' : registration.partnerVerdict === 'possible_conflict' ? 'possible conflict' : 'needs review'}”, never who else claims the customer.</p>
          </section>

          {competing.length > 0 ? (
            <section className="card" aria-labelledby="compare-title">
              <h2 id="compare-title">Competing claims, side by side</h2>
              <div className="table-wrap">
                <table className="data compare">
                  <caption className="sr-only">This registration compared with live competing registrations</caption>
                  <thead>
                    <tr>
                      <th scope="col">
                        <span className="sr-only">Field</span>
                      </th>
                      <th scope="col">This claim · {registration.caseReference}</th>
                      {competing.map((claim) => (
                        <th scope="col" key={claim.id}>
                          <Link to={`/registrations/${claim.id}`}>{claim.caseReference}</Link>
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {(
                      [
                        ['Partner', `${registration.partnerName} (${registration.partnerTier})`, (claim: (typeof competing)[number]) => `${claim.partnerName} (${claim.partnerTier})`],
                        ['Company', registration.companyName, (claim: (typeof competing)[number]) => claim.companyName],
                        ['Domain', registration.domain ?? '—', (claim: (typeof competing)[number]) => claim.domain ?? '—'],
                        ['Status', statusLabels[registration.status], (claim: (typeof competing)[number]) => statusLabels[claim.status]],
                        ['Registered', formatDate(registration.createdAt), (claim: (typeof competing)[number]) => formatDate(claim.createdAt)],
                        ['Protected until', formatDate(registration.protectionEndsAt), (claim: (typeof competing)[number]) => formatDate(claim.protectionEndsAt)],
                        ['Contact', registration.contactName, (claim: (typeof competing)[number]) => claim.contactName],
                        ['Region', registration.region ?? '—', (claim: (typeof competing)[number]) => claim.region ?? '—'],
                        ['Products', registration.productInterest.join(', ') || '—', (claim: (typeof competing)[number]) => claim.productInterest.join(', ') || '—'],
                        ['Amount', money(registration.amount, registration.currency), (claim: (typeof competing)[number]) => money(claim.amount, claim.currency)],
                      ] as const
                    ).map(([label, mine, theirs]) => (
                      <tr key={label}>
                        <th scope="row">{label}</th>
                        <td className="wrap-anywhere">{mine}</td>
                        {competing.map((claim) => (
                          <td key={claim.id} className="wrap-anywhere">
                            {theirs(claim)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ) : null}

          <section className="card" aria-labelledby="details-title">
            <h2 id="details-title">What the partner registered</h2>
            <dl className="details">
              <dt>Website</dt>
              <dd className="wrap-anywhere">{registration.website ?? registration.domain ?? '—'}</dd>
              <dt>Contact</dt>
              <dd className="wrap-anywhere">
                {registration.contactName}
                {registration.contactRole ? `, ${registration.contactRole}` : ''} · {registration.contactEmail}
              </dd>
              <dt>Problem and fit</dt>
              <dd className="wrap-anywhere pre-wrap">{registration.problem}</dd>
              <dt>Stage</dt>
              <dd>{stageLabels[registration.stageGuess] ?? registration.stageGuess}</dd>
              <dt>Consent</dt>
              <dd>Confirmed {formatDateTime(registration.consentAt)}</dd>
              <dt>Region</dt>
              <dd>{registration.region ?? '—'}</dd>
              <dt>Products</dt>
              <dd>{registration.productInterest.join(', ') || '—'}</dd>
              <dt>Competitors</dt>
              <dd className="wrap-anywhere">{registration.competitors ?? '—'}</dd>
              {registration.kind === 'deal' ? (
                <>
                  <dt>Amount</dt>
                  <dd>{money(registration.amount, registration.currency)}</dd>
                  <dt>Expected close</dt>
                  <dd>{formatDate(registration.expectedClose)}</dd>
                  <dt>Deal stage</dt>
                  <dd>{registration.dealStage ?? '—'}</dd>
                  <dt>Co-sell requested</dt>
                  <dd>{registration.coSellRequested ? 'Yes' : 'No'}</dd>
                </>
              ) : null}
              <dt>Next step</dt>
              <dd className="wrap-anywhere">{registration.nextStep ?? '—'}</dd>
              <dt>Submitted by</dt>
              <dd className="wrap-anywhere">
                {registration.submitterName ?? registration.submitterEmail} via {registration.source.replace('_', ' ')}
              </dd>
            </dl>
          </section>

          <section className="card" aria-labelledby="log-title">
            <h2 id="log-title">Event log</h2>
            <ol className="timeline">
              {events.map((event) => (
                <li key={event.id}>
                  <p>
                    <strong>{event.type.replace(/_/g, ' ')}</strong>
                    {event.toStatus && event.fromStatus !== event.toStatus ? ` → ${statusLabels[event.toStatus] ?? event.toStatus}` : ''} · {event.actorLabel} ·{' '}
                    <time dateTime={String(event.createdAt)}>{formatDateTime(event.createdAt)}</time>
                  </p>
                  {event.rule ? <p className="muted small">Rule: {ruleLabels[event.rule] ?? event.rule}</p> : null}
                  {event.staffNote ? <p className="wrap-anywhere pre-wrap">{event.staffNote}</p> : null}
                  {/* A partner's e-mail reply is their own text (staffNote): no separate "partner saw" line. */}
                  {event.partnerNote && event.type !== 'partner_reply' ? <p className="muted small wrap-anywhere">Partner saw: {event.partnerNote}</p> : null}
                </li>
              ))}
            </ol>
          </section>
        </div>

        <aside className="stack" aria-label="Decision">
          <section className="card" aria-labelledby="status-title">
            <h2 id="status-title">Status</h2>
            {pending ? (
              registration.status === 'info_requested' ? (
                <p>Waiting for the partner to answer: “{registration.infoRequest}”. The decision clock is paused.</p>
              ) : (
                <p>
                  Decision due <strong>{relativeTime(registration.slaDueAt, nowDate)}</strong> ({formatDateTime(registration.slaDueAt)}).
                </p>
              )
            ) : null}
            {registration.status === 'approved' ? (
              <p>
                Protected until <strong>{formatDate(registration.protectionEndsAt)}</strong> ({relativeTime(registration.protectionEndsAt, nowDate)}). Extensions so far: {registration.extensionCount}.
              </p>
            ) : null}
            {registration.status === 'rejected' ? <p className="wrap-anywhere">Rejected: {registration.rejectionReason}</p> : null}
            {registration.appealEvidence ? (
              <div className="alert warning" role="note">
                <p>
                  <strong>Appeal</strong> ({formatDateTime(registration.appealedAt)}):
                </p>
                <p className="wrap-anywhere pre-wrap">{registration.appealEvidence}</p>
              </div>
            ) : null}
            {registration.extensionRequestedAt ? (
              <div className="alert warning" role="note">
                <p>
                  <strong>Extension requested</strong> {formatDateTime(registration.extensionRequestedAt)}:
                </p>
                <p className="wrap-anywhere">{registration.extensionRequestNote}</p>
              </div>
            ) : null}
            {registration.idleFlaggedAt ? <p className="muted">Flagged idle: no activity since {formatDate(registration.lastActivityAt)}.</p> : null}
            {canDecide && registration.status === 'submitted' ? (
              <Form method="post" action={pageAction}>
                <input type="hidden" name="intent" value="start-review" />
                <SubmitButton variant="secondary" pending={starting} pendingLabel="Starting…">
                  Start review
                </SubmitButton>
              </Form>
            ) : null}
          </section>

          {canDecide && pending ? (
            <>
              <section className="card" aria-labelledby="approve-title">
                <h2 id="approve-title">Approve</h2>
                <Form method="post" action={pageAction} className="stack" noValidate ref={approveRef}>
                  <input type="hidden" name="intent" value="approve" />
                  <FormError failure={approveFailure} />
                  <NumberField label="Protection window (days)" name="protectionDays" failure={approveFailure} defaultValue={String(defaults.protectionWindowDays)} hint={`Programme default: ${defaults.protectionWindowDays} days.`} />
                  <TextArea label="Note to the partner" name="note" failure={approveFailure} rows={2} />
                  {protectedRival || registration.conflictStatus === 'active' ? (
                    <TextArea
                      label="How is the conflict resolved?"
                      name="conflictResolution"
                      failure={approveFailure}
                      required
                      hint={protectedRival ? `${protectedRival.partnerName} holds a protected claim (${protectedRival.caseReference}). Say why both may stand, e.g. a split by product line.` : undefined}
                    />
                  ) : null}
                  <SubmitButton pending={approving} pendingLabel="Approving…">
                    Approve
                  </SubmitButton>
                </Form>
              </section>

              {registration.status !== 'info_requested' ? (
                <section className="card" aria-labelledby="info-title">
                  <h2 id="info-title">Ask for more information</h2>
                  <Form method="post" action={pageAction} className="stack" noValidate ref={infoRef}>
                    <input type="hidden" name="intent" value="request-info" />
                    <FormError failure={infoFailure} />
                    <TextArea label="Question for the partner" name="question" failure={infoFailure} required />
                    <SubmitButton variant="secondary" pending={asking} pendingLabel="Sending…">
                      Send question
                    </SubmitButton>
                  </Form>
                </section>
              ) : null}

              <section className="card" aria-labelledby="reject-title">
                <h2 id="reject-title">Reject</h2>
                <Form method="post" action={pageAction} className="stack" noValidate ref={rejectRef}>
                  <input type="hidden" name="intent" value="reject" />
                  <FormError failure={rejectFailure} />
                  <TextArea label="Reason (the partner sees it)" name="reason" failure={rejectFailure} required />
                  <SubmitButton variant="danger" pending={rejecting} pendingLabel="Rejecting…">
                    Reject
                  </SubmitButton>
                </Form>
              </section>
            </>
          ) : null}

          {canDecide && registration.status === 'approved' ? (
            <>
              <section className="card" aria-labelledby="extend-title">
                <h2 id="extend-title">Extend protection</h2>
                <Form method="post" action={pageAction} className="stack" noValidate ref={extendRef}>
                  <input type="hidden" name="intent" value="extend" />
                  <FormError failure={extendFailure} />
                  <NumberField label="Extend by (days)" name="days" failure={extendFailure} defaultValue="30" />
                  <TextArea label="Reason" name="reason" failure={extendFailure} rows={2} required defaultValue={registration.extensionRequestNote ?? ''} />
                  <SubmitButton variant="secondary" pending={extending} pendingLabel="Extending…">
                    Extend
                  </SubmitButton>
                </Form>
              </section>
              <section className="card" aria-labelledby="close-title">
                <h2 id="close-title">Close</h2>
                <Form method="post" action={pageAction} className="stack">
                  <input type="hidden" name="intent" value="close" />
                  <TextArea label="Note" name="reason" failure={closeFailure} rows={2} />
                  <div className="button-row">
                    <button type="submit" name="outcome" value="won" className="button" disabled={closing}>
                      Mark won
                    </button>
                    <button type="submit" name="outcome" value="lost" className="button secondary" disabled={closing}>
                      Mark lost
                    </button>
                  </div>
                </Form>
              </section>
            </>
          ) : null}
        </aside>
      </div>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

import { registrationFieldLabels, stageGuessLabels } from '@accord/core'
import { Alert, Badge, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, type SerializeFrom } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { type ReactNode, useEffect, useRef } from 'react'
import { CheckboxField, TextAreaField } from '~/components/form-controls'
import { type FormFailure, isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatAmount, formatDay, isoOf, kindLabels, registrationStatus, type Verdict, verdictDisplay } from '~/lib/registrations'
import { formFailure, formText, rethrowAsNotFound } from '~/server/errors.server'
import { requirePartner } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => [
  { title: portalTitle(matches, data ? `${data.registration.companyName} (${data.registration.caseReference})` : 'Registration') },
]

const DAY = 86_400_000

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  // Unknown, malformed or another partner's id: all the same "not found" (row security hides the others).
  const detail = await caller.portal.registrations.get({ registrationId: params.registrationId ?? '' }).catch(rethrowAsNotFound(headers))
  const { registration } = detail
  const now = Date.now()

  // Protection time used, computed here so the server render and the browser agree.
  let protection: { endsAt: Date; usedPercent: number; daysLeft: number } | null = null
  if (registration.status === 'approved' && registration.protectionEndsAt) {
    const end = registration.protectionEndsAt.getTime()
    const start = (registration.decidedAt ?? registration.createdAt).getTime()
    const usedPercent = Math.min(100, Math.max(0, Math.round(((now - start) / Math.max(end - start, 1)) * 100)))
    protection = { endsAt: registration.protectionEndsAt, usedPercent, daysLeft: Math.max(0, Math.ceil((end - now) / DAY)) }
  }

  // Right after submitting: the verdict message recorded with the submission ("Registered via … . <message>").
  let created: { message: string | null } | null = null
  if (new URL(request.url).searchParams.get('created') === '1') {
    const note = detail.timeline.find((event) => event.type === 'submitted')?.note ?? null
    created = { message: note ? note.replace(/^Registered via [^.]*\.\s*/, '') || note : null }
  }

  return json(
    {
      ...detail,
      labels: registrationFieldLabels,
      stageLabel: stageGuessLabels[registration.stageGuess as keyof typeof stageGuessLabels] ?? registration.stageGuess,
      protection,
      created,
    },
    { headers },
  )
}

const INTENTS = {
  answer: ['answer'],
  'next-step': ['nextStep', 'customerMeeting'],
  extension: ['note'],
  appeal: ['evidence'],
} as const
type Intent = keyof typeof INTENTS

function isIntent(value: string): value is Intent {
  return Object.hasOwn(INTENTS, value)
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller, headers } = await requirePartner(request, context, params)
  const registrationId = params.registrationId ?? ''
  const form = await request.formData()
  const intent = formText(form, 'intent')
  if (!isIntent(intent)) {
    return json<FormFailure>({ ok: false, formError: 'That action is not available here.', fieldErrors: {}, values: { intent }, code: 'BAD_REQUEST' }, { status: 400 })
  }
  const values: Record<string, string> = { intent }
  for (const name of INTENTS[intent]) values[name] = formText(form, name)
  const done = (message: string) => json({ ok: true as const, intent, message }, { headers })
  try {
    switch (intent) {
      case 'answer':
        await caller.portal.registrations.answerInfo({ registrationId, answer: values.answer })
        return done('Thank you. Your answer is with the partner team, who will now review the registration again.')
      case 'next-step': {
        const result = await caller.portal.registrations.logNextStep({ registrationId, nextStep: values.nextStep, customerMeeting: values.customerMeeting === 'on' })
        return done(result.extended && result.protectionEndsAt ? `Next step logged. The protection now runs until ${formatDay(result.protectionEndsAt, 'long')}.` : 'Next step logged.')
      }
      case 'extension':
        await caller.portal.registrations.requestExtension({ registrationId, note: values.note })
        return done('Your request for more time is with the partner team. You will get an e-mail when they decide.')
      case 'appeal':
        await caller.portal.registrations.appeal({ registrationId, evidence: values.evidence })
        return done('Your appeal is with the partner team. A partner manager will review your evidence.')
    }
  } catch (error) {
    return formFailure(error, { fields: INTENTS[intent], values })
  }
})

type Detail = SerializeFrom<typeof loader>

export default function RegistrationDetail() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const href = usePortalHref()
  const success = result && !isFormFailure(result) ? result : null
  const failure = isFormFailure(result) ? result : null
  const successRef = useRef<HTMLDivElement>(null)
  const mainRef = useRef<HTMLElement>(null)
  // First invalid field of the form just sent, else its error message.
  useFocusOnFailure(failure, mainRef)
  useEffect(() => {
    // The form just used may be gone (the status moved on): keep focus on the confirmation.
    if (success) successRef.current?.focus()
  }, [success])
  const { registration } = data
  const status = registrationStatus(registration.status)

  return (
    <main id="main" tabIndex={-1} className="content registration-detail" ref={mainRef}>
      <p className="breadcrumb">
        <Link to={href('/registrations')}>Registrations</Link>
      </p>

      {data.created && !result ? (
        <Alert tone="success" title="Registration received.">
          Your case number is {registration.caseReference}. {data.created.message}
        </Alert>
      ) : null}
      {failure?.formError ? (
        // Above the status, not inside a form: the form may be gone when the status moved on meanwhile.
        <div data-form-error tabIndex={-1}>
          <Alert tone="error">{failure.formError}</Alert>
        </div>
      ) : null}
      {success ? (
        <div ref={successRef} tabIndex={-1} className="focus-target">
          <Alert tone="success">{success.message}</Alert>
        </div>
      ) : null}

      <header className="registration-heading">
        <h1 className="wrap-anywhere">{registration.companyName}</h1>
        <p className="meta">
          <span>Case {registration.caseReference}</span>
          <span aria-hidden="true">·</span>
          <span>{kindLabels[registration.kind] ?? registration.kind}</span>
          <Badge tone={status.tone}>{status.label}</Badge>
        </p>
      </header>

      <section className="card status-card" aria-labelledby="status-heading">
        <h2 id="status-heading">Where it stands</h2>
        <StatusExplanation data={data} failure={failure} success={success} />
      </section>

      <div className="detail-grid">
        <section className="card" aria-labelledby="details-heading">
          <h2 id="details-heading">What you registered</h2>
          <Details data={data} />
        </section>
        <section className="card" aria-labelledby="timeline-heading">
          <h2 id="timeline-heading">History</h2>
          <Timeline timeline={data.timeline} />
        </section>
      </div>
    </main>
  )
}

type Success = { ok: true; intent: Intent; message: string } | null

function StatusExplanation({ data, failure, success }: { data: Detail; failure: FormFailure | null; success: Success }) {
  const { registration, policy } = data
  const forms = { failure, success }
  switch (registration.status) {
    case 'submitted':
    case 'under_review':
      return (
        <>
          <p>
            {registration.appealed
              ? 'You appealed the decision. A partner manager is reviewing your evidence; the second decision is final.'
              : 'The partner team is reviewing this registration. You will get an e-mail when they decide.'}
          </p>
          <VerdictLine verdict={registration.verdict} />
        </>
      )
    case 'info_requested':
      return (
        <>
          <p>The partner team needs more information before they can decide.</p>
          {registration.infoRequest ? (
            <figure className="quote">
              <figcaption>Their question</figcaption>
              <blockquote className="user-text">{registration.infoRequest}</blockquote>
            </figure>
          ) : null}
          {data.canAnswer ? (
            <ActionForm intent="answer" submitLabel="Send answer" pendingLabel="Sending…" {...forms}>
              {(errors, values) => <TextAreaField label="Your answer" name="answer" required rows={4} maxLength={10_000} defaultValue={values.answer} errors={errors.answer} />}
            </ActionForm>
          ) : null}
        </>
      )
    case 'approved':
      return (
        <>
          {data.protection ? (
            <>
              <p className="status-line">
                Protected until <time dateTime={isoOf(data.protection.endsAt)}>{formatDay(data.protection.endsAt, 'long')}</time>
              </p>
              <div className="progress-line">
                <progress max={100} value={data.protection.usedPercent} aria-labelledby="protection-progress" />
                <span id="protection-progress">
                  {data.protection.usedPercent}% of the protection time used · {data.protection.daysLeft === 1 ? '1 day' : `${data.protection.daysLeft} days`} left
                </span>
              </div>
            </>
          ) : (
            <p className="status-line">Approved: this customer is protected for you.</p>
          )}
          {registration.extensionCount > 0 ? (
            <p className="muted">
              Extended {registration.extensionCount} of {policy.maxExtensions} {policy.maxExtensions === 1 ? 'time' : 'times'} so far.
            </p>
          ) : null}

          {data.canLogNextStep ? (
            <>
              <h3>Log the next step</h3>
              <p className="muted">Logging progress keeps the registration active.</p>
              <ActionForm intent="next-step" submitLabel="Log next step" pendingLabel="Saving…" {...forms}>
                {(errors, values) => (
                  <>
                    <TextAreaField label="Next step" name="nextStep" required rows={2} maxLength={2000} defaultValue={values.nextStep} errors={errors.nextStep} hint="For example: demo with the IT team on 12 March." />
                    <CheckboxField
                      label="This was a customer meeting"
                      name="customerMeeting"
                      defaultChecked={values.customerMeeting === 'on'}
                      errors={errors.customerMeeting}
                      hint={
                        data.canExtendAutomatically
                          ? `A logged customer meeting extends the protection by ${policy.extensionDays} ${policy.extensionDays === 1 ? 'day' : 'days'}.`
                          : `The protection was already extended the most times allowed (${policy.maxExtensions}); to get more time, ask for an extension.`
                      }
                    />
                  </>
                )}
              </ActionForm>
            </>
          ) : null}

          {data.canRequestExtension ? (
            <>
              <h3>Ask for an extension</h3>
              <p className="muted">Need more time to close? The partner team decides on requests for extra protection.</p>
              <ActionForm intent="extension" submitLabel="Ask for an extension" pendingLabel="Sending…" variant="secondary" {...forms}>
                {(errors, values) => <TextAreaField label="Why do you need more time?" name="note" required rows={2} maxLength={2000} defaultValue={values.note} errors={errors.note} />}
              </ActionForm>
            </>
          ) : registration.extensionRequested ? (
            <p className="muted">Your request for an extension is waiting for the partner team.</p>
          ) : null}
        </>
      )
    case 'rejected':
      return (
        <>
          <p className="status-line">The partner team did not approve this registration.</p>
          {registration.rejectionReason ? (
            <figure className="quote">
              <figcaption>Their reason</figcaption>
              <blockquote className="user-text">{registration.rejectionReason}</blockquote>
            </figure>
          ) : null}
          {data.appealUntil ? (
            <>
              <h3>Appeal the decision</h3>
              <p className="muted">
                You can appeal once, until <time dateTime={isoOf(data.appealUntil)}>{formatDay(data.appealUntil, 'long')}</time>. The second decision is final.
              </p>
              <ActionForm intent="appeal" submitLabel="Send appeal" pendingLabel="Sending…" {...forms}>
                {(errors, values) => (
                  <TextAreaField
                    label="Your evidence"
                    name="evidence"
                    required
                    rows={4}
                    maxLength={10_000}
                    defaultValue={values.evidence}
                    errors={errors.evidence}
                    hint="For example the date of your first meeting with the customer and who attended."
                  />
                )}
              </ActionForm>
            </>
          ) : registration.appealed ? (
            <p className="muted">You already appealed this decision; the second decision is final.</p>
          ) : (
            <p className="muted">The time to appeal this decision has passed.</p>
          )}
        </>
      )
    case 'won':
      return <p className="status-line">Won. Congratulations, and thank you!</p>
    case 'lost':
      return <p className="status-line">This opportunity was marked as lost.</p>
    case 'expired':
      return <p className="status-line">The protection has ended. If you are still working with this customer, register it again.</p>
    default:
      return <p className="status-line">{registrationStatus(registration.status).label}</p>
  }
}

function VerdictLine({ verdict }: { verdict: Verdict }) {
  const display = verdictDisplay[verdict]
  return display ? <p className="muted">Conflict check when you registered: {display.title.replace(/\.$/, '').toLowerCase()}.</p> : null
}

/**
 * One of the page's forms. They share one action (told apart by `intent`);
 * field errors and typed values show only in the form that was sent.
 */
function ActionForm({
  intent,
  submitLabel,
  pendingLabel,
  variant,
  failure,
  success,
  children,
}: {
  intent: Intent
  submitLabel: string
  pendingLabel: string
  variant?: 'secondary'
  failure: FormFailure | null
  success: Success
  children: (errors: Record<string, string[] | undefined>, values: Record<string, string | undefined>) => ReactNode
}) {
  const formRef = useRef<HTMLFormElement>(null)
  const mine = failure?.values.intent === intent ? failure : null
  const pending = useSubmitting(intent)
  useEffect(() => {
    if (success?.intent === intent) formRef.current?.reset()
  }, [success, intent])
  return (
    <Form method="post" ref={formRef} noValidate className="stack action-form">
      <input type="hidden" name="intent" value={intent} />
      {children(mine?.fieldErrors ?? {}, mine?.values ?? {})}
      <div>
        <SubmitButton variant={variant} pending={pending} pendingLabel={pendingLabel}>
          {submitLabel}
        </SubmitButton>
      </div>
    </Form>
  )
}

function Details({ data }: { data: Detail }) {
  const { registration, labels } = data
  const rows: Array<[string, ReactNode]> = [
    [labels.kind, kindLabels[registration.kind] ?? registration.kind],
    [labels.companyName, registration.companyName],
    [labels.website, registration.website ?? registration.domain],
    [labels.contactName, registration.contactName],
    [labels.contactEmail, registration.contactEmail],
    [labels.contactRole, registration.contactRole],
    [labels.problem, <span className="user-text">{registration.problem}</span>],
    [labels.stageGuess, data.stageLabel],
    [labels.region, registration.region],
  ]
  if (registration.kind === 'deal') {
    rows.push(
      [labels.amount, formatAmount(registration.amount, registration.currency) || null],
      [labels.expectedClose, registration.expectedClose ? <time dateTime={registration.expectedClose}>{formatDay(registration.expectedClose)}</time> : null],
    )
  }
  rows.push([labels.nextStep, registration.nextStep ? <span className="user-text">{registration.nextStep}</span> : null])
  rows.push(['Registered', <time dateTime={isoOf(registration.createdAt)}>{formatDay(registration.createdAt)}</time>])
  return (
    <dl className="details">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value === null || value === undefined || value === '' ? <span className="muted">Not given</span> : value}</dd>
        </div>
      ))}
    </dl>
  )
}

function Timeline({ timeline }: { timeline: Detail['timeline'] }) {
  if (timeline.length === 0) return <p className="muted">Nothing yet.</p>
  return (
    <ol className="timeline">
      {timeline.map((event) => (
        <li key={event.id}>
          <p className="timeline-meta">
            <time dateTime={isoOf(event.at)}>{formatDay(event.at)}</time>
            <span aria-hidden="true"> · </span>
            <span className="sr-only">, </span>
            <span>{event.by}</span>
          </p>
          <p className="user-text">{event.note ?? (event.toStatus ? `Status: ${registrationStatus(event.toStatus).label}` : event.type.replace(/_/g, ' '))}</p>
        </li>
      ))}
    </ol>
  )
}

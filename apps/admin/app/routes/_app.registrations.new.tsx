import { STAGE_GUESSES, registrationFieldLabels, stageGuessLabels } from '@accord/core'
import { Field, SelectField, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { type FormEvent, type RefObject, useEffect, useId, useRef, useState } from 'react'
import { ErrorContent } from '~/components/error-page'
import { CheckboxField, InputField, TextAreaField } from '~/components/form-controls'
import { FormError, useFocusOnErrors, useSubmitting, valueOf } from '~/components/forms'
import { errorsFor } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { actionFailure } from '~/server/action-result.server'
import { requireStaff } from '~/server/guard.server'
import type { StaffPrecheckResult } from './_app.registrations.precheck'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Register for a partner')

/** Every field the form sends, by the names core validates (and reports errors under). */
const FIELD_NAMES = [
  'kind',
  'companyName',
  'website',
  'contactName',
  'contactEmail',
  'contactRole',
  'problem',
  'stageGuess',
  'region',
  'targetRevenue',
  'productInterest',
  'competitors',
  'amount',
  'currency',
  'expectedClose',
  'dealStage',
  'nextStep',
  'coSellRequested',
  'consent',
] as const
type FieldName = (typeof FIELD_NAMES)[number]

/** Sent only for a deal: a lead ignores them, so leftovers in hidden fields can never block a lead. */
const DEAL_ONLY: ReadonlySet<FieldName> = new Set(['amount', 'currency', 'expectedClose', 'dealStage', 'coSellRequested'])
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CAD', 'AUD', 'JPY', 'INR', 'SGD', 'BRL'] as const

/** The fields the pre-check looks at, and those whose typing re-runs it. */
const PRECHECK_FIELDS = ['partnerId', 'companyName', 'website', 'contactEmail', 'region', 'productInterest'] as const
const PRECHECK_TRIGGERS: ReadonlySet<string> = new Set(['partnerId', 'companyName', 'website', 'contactEmail'])

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'registrations.decide')
  const partners = await caller.admin.partners.list()
  const preselected = new URL(request.url).searchParams.get('partnerId') ?? ''
  return data(
    {
      partnerOptions: partners.map((partner) => ({ value: partner.id, label: partner.name })),
      preselected: partners.some((partner) => partner.id === preselected) ? preselected : '',
      labels: registrationFieldLabels,
      stageOptions: STAGE_GUESSES.map((value) => ({ value, label: stageGuessLabels[value] })),
    },
    { headers },
  )
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller, headers } = await requireStaff(request, context, 'registrations.decide')
  const form = await request.formData()
  const text = (name: string) => {
    const value = form.get(name)
    return typeof value === 'string' ? value : ''
  }
  const values = Object.fromEntries(FIELD_NAMES.map((name) => [name, text(name)])) as Record<FieldName, string>
  const partnerId = text('partnerId')
  const kind = values.kind === 'deal' ? 'deal' : 'lead'
  const fields: Record<string, string> = {}
  for (const name of FIELD_NAMES) {
    if (kind !== 'deal' && DEAL_ONLY.has(name)) continue
    fields[name] = values[name]
  }
  fields.kind = kind
  let registrationId: string
  try {
    const receipt = await caller.admin.registrations.submitOnBehalf({ partnerId, fields })
    registrationId = receipt.registrationId
  } catch (error) {
    return actionFailure(error, { fields: [...FIELD_NAMES, 'partnerId'], values: { ...values, partnerId } })
  }
  throw redirect(`/registrations/${encodeURIComponent(registrationId)}?notice=registration-created`, { headers })
})

function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  return hydrated
}

/**
 * The instant conflict check: re-run ~400 ms after typing stops in the
 * partner, company, website or e-mail field, and at once when one of them
 * loses focus. Identical questions are not asked twice.
 */
function usePrecheck(formRef: RefObject<HTMLFormElement>) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const inFlight = useRef<AbortController | null>(null)
  const lastQuery = useRef('')
  const [state, setState] = useState<{ checking: boolean; result: StaffPrecheckResult | null }>({ checking: false, result: null })

  const run = () => {
    clearTimeout(timer.current)
    const form = formRef.current
    if (!form) return
    const formData = new FormData(form)
    const params = new URLSearchParams()
    for (const name of PRECHECK_FIELDS) {
      const value = formData.get(name)
      if (typeof value === 'string' && value.trim()) params.set(name, value.trim())
    }
    if (!params.has('partnerId') || (!params.has('companyName') && !params.has('website') && !params.has('contactEmail'))) {
      lastQuery.current = ''
      inFlight.current?.abort()
      setState({ checking: false, result: null })
      return
    }
    const query = params.toString()
    if (query === lastQuery.current) return
    lastQuery.current = query
    inFlight.current?.abort()
    const controller = new AbortController()
    inFlight.current = controller
    setState((current) => ({ ...current, checking: true }))
    fetch(`/registrations/precheck?${query}`, { signal: controller.signal, headers: { Accept: 'application/json' } })
      .then((response) => response.json() as Promise<StaffPrecheckResult>)
      .then((result) => setState({ checking: false, result }))
      .catch((error: unknown) => {
        if ((error as { name?: string })?.name !== 'AbortError') setState({ checking: false, result: null })
      })
  }
  const schedule = () => {
    clearTimeout(timer.current)
    timer.current = setTimeout(run, 400)
  }
  useEffect(
    () => () => {
      clearTimeout(timer.current)
      inFlight.current?.abort()
    },
    [],
  )
  const result = state.result?.ready && state.result.verdict ? state.result : null
  return {
    result,
    notice: state.result?.limited ? state.result.message : null,
    checking: state.checking,
    onChange: (event: FormEvent<HTMLFormElement>) => {
      const name = (event.target as HTMLInputElement).name
      if (name === 'partnerId') run()
      else if (PRECHECK_TRIGGERS.has(name)) schedule()
    },
    onBlur: (event: FormEvent<HTMLFormElement>) => {
      if (PRECHECK_TRIGGERS.has((event.target as HTMLInputElement).name)) run()
    },
    run,
  }
}

const verdictDisplay: Record<NonNullable<StaffPrecheckResult['verdict']>, { title: string; tone: 'success' | 'warning' | 'info' }> = {
  clear: { title: 'No other claim found.', tone: 'success' },
  possible_conflict: { title: 'Possible conflict.', tone: 'warning' },
  needs_review: { title: 'Needs review.', tone: 'info' },
}

export default function RegisterOnBehalf() {
  const { partnerOptions, preselected, labels, stageOptions } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = errorsFor(result)
  const formRef = useFocusOnErrors(failure)
  const submitting = useSubmitting()
  const hydrated = useHydrated()
  const ids = useId()
  const [kind, setKind] = useState<'lead' | 'deal'>(failure?.values.kind === 'deal' ? 'deal' : 'lead')
  const precheck = usePrecheck(formRef)
  // Values echoed back after a failed submission: check them straight away.
  const runPrecheck = useRef(precheck.run)
  runPrecheck.current = precheck.run
  useEffect(() => {
    if (failure) runPrecheck.current()
  }, [failure])

  const errors = (name: FieldName) => failure?.fieldErrors[name]
  const value = (name: FieldName) => failure?.values[name]
  const kindError = errors('kind')
  const verdict = precheck.result?.verdict ? verdictDisplay[precheck.result.verdict] : null

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/registrations">Registrations</Link> <span aria-hidden="true">/</span> <span aria-current="page">Register for a partner</span>
      </nav>
      <h1>Register for a partner</h1>
      <p className="muted">For a lead a partner told you about by phone or at an event. It goes through the same checks as a partner’s own registration; e-mails meant for the submitter come to you.</p>

      {partnerOptions.length === 0 ? (
        <p className="alert info">
          There is no active partner organisation yet. <Link to="/partners/new">Add a partner</Link> first.
        </p>
      ) : (
        <Form method="post" ref={formRef} noValidate className="stack card form-card" onChange={precheck.onChange} onBlur={precheck.onBlur} aria-label="Registration for a partner">
          <FormError failure={failure} />
          <SelectField label="Partner" name="partnerId" required placeholder="Choose a partner…" options={partnerOptions} defaultValue={valueOf(failure, 'partnerId', preselected)} errors={failure?.fieldErrors.partnerId} hint="Who the customer is registered for." />

          <fieldset className="choice" aria-invalid={kindError ? true : undefined} aria-describedby={kindError ? `${ids}-kind-error` : undefined}>
            <legend>What is being registered?</legend>
            <KindOption id={`${ids}-lead`} value="lead" checked={kind === 'lead'} onSelect={setKind} label="A lead" hint="A customer with a need; no deal yet." />
            <KindOption id={`${ids}-deal`} value="deal" checked={kind === 'deal'} onSelect={setKind} label="A deal" hint="A concrete opportunity with an amount and a close date." />
            {kindError ? (
              <p className="error" id={`${ids}-kind-error`} role="alert">
                {kindError.join(' ')}
              </p>
            ) : null}
          </fieldset>

          <h2 className="form-section">The customer</h2>
          <div className="grid-2">
            <Field label={labels.companyName} name="companyName" required autoComplete="off" maxLength={200} defaultValue={value('companyName')} errors={errors('companyName')} />
            <Field label={labels.website} name="website" inputMode="url" autoComplete="off" maxLength={300} placeholder="acme.com" defaultValue={value('website')} errors={errors('website')} />
            <Field label={labels.contactName} name="contactName" required autoComplete="off" maxLength={120} defaultValue={value('contactName')} errors={errors('contactName')} />
            <Field label={labels.contactEmail} name="contactEmail" type="email" required inputMode="email" autoComplete="off" maxLength={254} placeholder="jane@acme.com" defaultValue={value('contactEmail')} errors={errors('contactEmail')} />
          </div>

          <div className="precheck" aria-live="polite" aria-atomic="true" aria-busy={precheck.checking || undefined}>
            {precheck.result && verdict ? (
              <div className={`alert ${verdict.tone}`}>
                <p>
                  <strong>{verdict.title}</strong> The partner would be told: “{precheck.result.message}”
                </p>
                {precheck.result.staffSummary ? <p className="small wrap-anywhere">For your team: {precheck.result.staffSummary}</p> : null}
              </div>
            ) : precheck.notice ? (
              <p className="muted">{precheck.notice}</p>
            ) : null}
          </div>

          <div className="grid-2">
            <Field label={labels.contactRole} name="contactRole" autoComplete="off" maxLength={120} placeholder="Head of IT" defaultValue={value('contactRole')} errors={errors('contactRole')} />
            <SelectField label={labels.stageGuess} name="stageGuess" required options={stageOptions} defaultValue={value('stageGuess') || 'exploring'} errors={errors('stageGuess')} hint="How far along the customer is." />
          </div>
          <TextAreaField label={labels.problem} name="problem" required rows={3} maxLength={10_000} defaultValue={value('problem')} errors={errors('problem')} hint="What the customer needs, and why it is a fit." />
          <div className="grid-2">
            <Field label={labels.region} name="region" maxLength={80} placeholder="DACH" defaultValue={value('region')} errors={errors('region')} />
            <Field label={labels.productInterest} name="productInterest" maxLength={2000} defaultValue={value('productInterest')} errors={errors('productInterest')} hint="Separate products with commas." />
            <Field label={labels.competitors} name="competitors" maxLength={1000} defaultValue={value('competitors')} errors={errors('competitors')} />
            <InputField label={labels.targetRevenue} name="targetRevenue" inputMode="decimal" maxLength={30} placeholder="50000" defaultValue={value('targetRevenue')} errors={errors('targetRevenue')} />
          </div>
          <TextAreaField label={labels.nextStep} name="nextStep" rows={2} maxLength={2000} defaultValue={value('nextStep')} errors={errors('nextStep')} />

          <fieldset className="deal-fields stack" hidden={hydrated && kind !== 'deal'}>
            <legend>Deal details</legend>
            {hydrated ? null : <p className="hint">Only for deals: leave these empty for a lead.</p>}
            <div className="grid-2">
              <InputField label={labels.amount} name="amount" inputMode="decimal" maxLength={30} placeholder="25000" required defaultValue={value('amount')} errors={errors('amount')} />
              <InputField
                label={labels.currency}
                name="currency"
                list={`${ids}-currencies`}
                autoCapitalize="characters"
                maxLength={3}
                required
                defaultValue={value('currency') ?? 'EUR'}
                errors={errors('currency')}
                hint="A three-letter code, like EUR or USD."
              />
              <datalist id={`${ids}-currencies`}>
                {CURRENCIES.map((code) => (
                  <option key={code} value={code} />
                ))}
              </datalist>
              <InputField label={labels.expectedClose} name="expectedClose" type="date" required defaultValue={value('expectedClose')} errors={errors('expectedClose')} />
              <InputField label={labels.dealStage} name="dealStage" maxLength={60} placeholder="e.g. Qualification" hint="A stage of the partner’s motion. Empty: its first stage." defaultValue={value('dealStage')} errors={errors('dealStage')} />
            </div>
            <CheckboxField label="The partner asks to sell this deal together with us (co-sell)" name="coSellRequested" defaultChecked={value('coSellRequested') === 'on'} errors={errors('coSellRequested')} />
          </fieldset>

          <CheckboxField label="The contact agreed to be contacted by us" name="consent" required defaultChecked={value('consent') === 'on'} errors={errors('consent')} hint="The partner confirmed this when they told you about the lead." />

          <div className="row">
            <SubmitButton pending={submitting} pendingLabel="Registering…">
              Register for the partner
            </SubmitButton>
            <Link to="/registrations">Cancel</Link>
          </div>
        </Form>
      )}
    </>
  )
}

function KindOption({ id, value, checked, onSelect, label, hint }: { id: string; value: 'lead' | 'deal'; checked: boolean; onSelect: (kind: 'lead' | 'deal') => void; label: string; hint: string }) {
  return (
    <div className="option">
      <input type="radio" id={id} name="kind" value={value} checked={checked} onChange={() => onSelect(value)} aria-describedby={`${id}-hint`} />
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

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/registrations', label: 'Back to registrations' }} />
}

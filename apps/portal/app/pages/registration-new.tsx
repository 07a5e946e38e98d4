import { registrationFieldLabels, STAGE_GUESSES, stageGuessLabels } from '@accord/core'
import { Alert, Field, SelectField, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useFetcher, useLoaderData } from '@remix-run/react'
import { type FormEvent, type RefObject, useEffect, useId, useRef, useState } from 'react'
import { CheckboxField, InputField, TextAreaField } from '~/components/form-controls'
import { isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { joinPortalPath } from '~/lib/portal-address'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { COMMON_CURRENCIES, verdictDisplay } from '~/lib/registrations'
import { formFailure, formText } from '~/server/errors.server'
import { requirePartner } from '~/server/guard.server'
import type { loader as precheckLoader } from './registration-precheck'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Register a lead or deal') }]

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
const DEAL_ONLY: ReadonlySet<FieldName> = new Set(['amount', 'currency', 'expectedClose', 'dealStage', 'nextStep', 'coSellRequested'])

/** The fields the pre-check looks at, and those whose typing re-runs it. */
const PRECHECK_FIELDS = ['companyName', 'website', 'contactEmail', 'region', 'productInterest'] as const
const PRECHECK_TRIGGERS: ReadonlySet<string> = new Set(['companyName', 'website', 'contactEmail'])

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { headers } = await requirePartner(request, context, params)
  return json(
    {
      labels: registrationFieldLabels,
      stageOptions: STAGE_GUESSES.map((value) => ({ value, label: stageGuessLabels[value] })),
    },
    { headers },
  )
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller, headers, tenant } = await requirePartner(request, context, params)
  const form = await request.formData()
  const values = Object.fromEntries(FIELD_NAMES.map((name) => [name, formText(form, name)])) as Record<FieldName, string>
  const kind = values.kind || 'lead'
  const fields: Record<string, string> = {}
  for (const name of FIELD_NAMES) {
    if (kind !== 'deal' && DEAL_ONLY.has(name)) continue
    fields[name] = values[name]
  }
  fields.kind = kind
  let receipt: { registrationId: string }
  try {
    receipt = await caller.portal.registrations.submit({ fields })
  } catch (error) {
    return formFailure(error, { fields: FIELD_NAMES, values })
  }
  throw redirect(joinPortalPath(tenant.basePath, `/registrations/${encodeURIComponent(receipt.registrationId)}?created=1`), { headers })
})

function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  return hydrated
}

/**
 * The instant conflict check: re-run ~400 ms after typing stops in the
 * company, website or e-mail field, and at once when one of them loses focus.
 * Identical questions are not asked twice.
 */
function usePrecheck(formRef: RefObject<HTMLFormElement>) {
  const fetcher = useFetcher<typeof precheckLoader>()
  const href = usePortalHref()
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const lastQuery = useRef('')
  const [active, setActive] = useState(false)

  const run = () => {
    clearTimeout(timer.current)
    const form = formRef.current
    if (!form) return
    const data = new FormData(form)
    const params = new URLSearchParams()
    for (const name of PRECHECK_FIELDS) {
      const value = data.get(name)
      if (typeof value === 'string' && value.trim()) params.set(name, value.trim())
    }
    if (!params.has('companyName') && !params.has('website') && !params.has('contactEmail')) {
      lastQuery.current = ''
      setActive(false)
      return
    }
    const query = params.toString()
    if (query === lastQuery.current) return
    lastQuery.current = query
    setActive(true)
    fetcher.load(`${href('/registrations/precheck')}?${query}`)
  }
  const schedule = () => {
    clearTimeout(timer.current)
    timer.current = setTimeout(run, 400)
  }
  useEffect(() => () => clearTimeout(timer.current), [])

  const data = fetcher.data
  const result = active && data?.ready && data.verdict ? { verdict: data.verdict, message: data.message } : null
  return {
    result,
    notice: active && data?.limited ? data.message : null,
    checking: active && fetcher.state === 'loading',
    onChange: (event: FormEvent<HTMLFormElement>) => {
      if (PRECHECK_TRIGGERS.has((event.target as HTMLInputElement).name)) schedule()
    },
    onBlur: (event: FormEvent<HTMLFormElement>) => {
      if (PRECHECK_TRIGGERS.has((event.target as HTMLInputElement).name)) run()
    },
    run,
  }
}

export default function NewRegistration() {
  const { labels, stageOptions } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = isFormFailure(result) ? result : null
  const brand = usePortalBrand()
  const href = usePortalHref()
  const formRef = useRef<HTMLFormElement>(null)
  const submitting = useSubmitting()
  const hydrated = useHydrated()
  const ids = useId()
  const [kind, setKind] = useState<'lead' | 'deal'>(failure?.values.kind === 'deal' ? 'deal' : 'lead')
  const precheck = usePrecheck(formRef)
  useFocusOnFailure(failure, formRef)
  // Values echoed back after a failed submission (say, with JavaScript off): check them straight away.
  const runPrecheck = useRef(precheck.run)
  runPrecheck.current = precheck.run
  useEffect(() => {
    if (failure) runPrecheck.current()
  }, [failure])

  const errors = (name: FieldName) => failure?.fieldErrors[name]
  const value = (name: FieldName) => failure?.values[name]
  const vendor = brand?.name ?? 'the vendor'
  const kindError = errors('kind')

  return (
    <main id="main" tabIndex={-1} className="content registration-form-page">
      <p className="breadcrumb">
        <Link to={href('/registrations')}>Registrations</Link>
      </p>
      <h1>Register a lead or deal</h1>
      <p className="muted">Claim a customer you are working with. The partner team reviews it; once approved, it is protected for you.</p>

      {failure?.formError ? (
        <div data-form-error tabIndex={-1}>
          <Alert tone="error">{failure.formError}</Alert>
        </div>
      ) : null}

      <Form method="post" ref={formRef} noValidate className="stack card registration-form" onChange={precheck.onChange} onBlur={precheck.onBlur}>
        <fieldset className="choice inline" role="radiogroup" aria-invalid={kindError ? true : undefined} aria-describedby={kindError ? `${ids}-kind-error` : undefined}>
          <legend>What are you registering?</legend>
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
          <Field label={labels.companyName} name="companyName" required autoComplete="organization" maxLength={200} defaultValue={value('companyName')} errors={errors('companyName')} />
          <Field label={labels.website} name="website" inputMode="url" autoComplete="off" maxLength={300} placeholder="acme.com" defaultValue={value('website')} errors={errors('website')} />
          <Field label={labels.contactName} name="contactName" required autoComplete="off" maxLength={120} defaultValue={value('contactName')} errors={errors('contactName')} />
          <Field label={labels.contactEmail} name="contactEmail" type="email" required inputMode="email" autoComplete="off" maxLength={254} placeholder="jane@acme.com" defaultValue={value('contactEmail')} errors={errors('contactEmail')} />
        </div>

        <div className="precheck" aria-live="polite" aria-atomic="true" aria-busy={precheck.checking || undefined}>
          {precheck.result ? (
            <p className={verdictDisplay[precheck.result.verdict].className}>
              <strong>{verdictDisplay[precheck.result.verdict].title}</strong> {precheck.result.message}
            </p>
          ) : precheck.notice ? (
            <p className="muted">{precheck.notice}</p>
          ) : null}
        </div>

        <div className="grid-2">
          <Field label={labels.contactRole} name="contactRole" autoComplete="off" maxLength={120} placeholder="Head of IT" defaultValue={value('contactRole')} errors={errors('contactRole')} />
          <SelectField label={labels.stageGuess} name="stageGuess" required options={stageOptions} defaultValue={value('stageGuess') || 'exploring'} errors={errors('stageGuess')} hint="How far along the customer is." />
        </div>
        <TextAreaField label={labels.problem} name="problem" required rows={3} maxLength={10_000} defaultValue={value('problem')} errors={errors('problem')} hint="What the customer needs, and why it is a fit. Two or three sentences are enough." />
        <div className="grid-2">
          <Field label={labels.region} name="region" maxLength={80} placeholder="DACH" defaultValue={value('region')} errors={errors('region')} />
          <Field label={labels.productInterest} name="productInterest" maxLength={2000} defaultValue={value('productInterest')} errors={errors('productInterest')} hint="Separate products with commas." />
        </div>
        <Field label={labels.competitors} name="competitors" maxLength={1000} defaultValue={value('competitors')} errors={errors('competitors')} />

        <fieldset className="deal-fields" hidden={hydrated && kind !== 'deal'}>
          <legend>Deal details</legend>
          {hydrated ? null : <p className="hint-text">Only for deals: leave these empty when you register a lead.</p>}
          <div className="grid-2">
            <InputField label={labels.amount} name="amount" inputMode="decimal" autoComplete="off" maxLength={30} placeholder="25000" required defaultValue={value('amount')} errors={errors('amount')} />
            <InputField
              label={labels.currency}
              name="currency"
              list={`${ids}-currencies`}
              autoComplete="off"
              autoCapitalize="characters"
              maxLength={3}
              required
              defaultValue={value('currency') ?? 'EUR'}
              errors={errors('currency')}
              hint="A three-letter code, like EUR or USD."
            />
            <datalist id={`${ids}-currencies`}>
              {COMMON_CURRENCIES.map((code) => (
                <option key={code} value={code} />
              ))}
            </datalist>
            <InputField label={labels.expectedClose} name="expectedClose" type="date" required defaultValue={value('expectedClose')} errors={errors('expectedClose')} />
            <InputField label={labels.dealStage} name="dealStage" maxLength={60} autoComplete="off" placeholder="Proposal" defaultValue={value('dealStage')} errors={errors('dealStage')} />
          </div>
          <TextAreaField label={labels.nextStep} name="nextStep" rows={2} maxLength={2000} defaultValue={value('nextStep')} errors={errors('nextStep')} />
          <CheckboxField label={`Ask ${vendor} to sell this deal together with us (co-sell)`} name="coSellRequested" defaultChecked={value('coSellRequested') === 'on'} errors={errors('coSellRequested')} />
        </fieldset>

        <CheckboxField label={`The contact agreed to be contacted by ${vendor}`} name="consent" required defaultChecked={value('consent') === 'on'} errors={errors('consent')} />

        <div className="row">
          <SubmitButton pending={submitting} pendingLabel="Submitting…">
            Submit registration
          </SubmitButton>
          <Link to={href('/registrations')}>Cancel</Link>
        </div>
      </Form>
    </main>
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
        <span className="option-hint" id={`${id}-hint`}>
          {hint}
        </span>
      </span>
    </div>
  )
}

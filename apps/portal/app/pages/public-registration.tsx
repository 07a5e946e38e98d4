import { appErrorOf } from '@accord/api'
import { describeRegistrationLink, STAGE_GUESSES, stageGuessLabels, submitViaRegistrationLink } from '@accord/core'
import { Alert, Field, SelectField, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { CheckboxField, TextAreaField } from '~/components/form-controls'
import { PublicPage } from '~/components/portal-chrome'
import { type FormFailure, isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { portalTitle, usePortalBrand } from '~/lib/portal-data'
import { formFailure, formText } from '~/server/errors.server'
import { runtimeDeps } from '~/server/runtime.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

/**
 * The no-login registration page behind a partner's public link
 * (`/r/<token>`): allow-listed work e-mail addresses only, a honeypot for
 * bots, and a confirmation with the case number and status.
 */
export const meta: MetaFunction = ({ matches }) => [{ title: portalTitle(matches, 'Register a lead') }]

const FIELDS = ['submitterName', 'submitterEmail', 'companyName', 'website', 'contactName', 'contactEmail', 'contactRole', 'problem', 'stageGuess', 'region', 'consent'] as const

/** A link that does not work: 410 when it was replaced or switched off, 404 when it never was one (here). */
type LinkProblem = { message: string; status: 404 | 410 }

async function linkFor(request: Request, params: LoaderFunctionArgs['params'], context: LoaderFunctionArgs['context']) {
  const tenant = await requirePortalTenant(request, params, context)
  const token = params.token ?? ''
  // A link of another vendor is not found on this vendor's portal.
  if (!token.toLowerCase().startsWith(`${tenant.id.toLowerCase()}.`)) {
    return { tenant, token, link: null, problem: { message: 'This registration link is not valid here. Ask your partner manager for the current link.', status: 404 } satisfies LinkProblem }
  }
  try {
    return { tenant, token, link: await describeRegistrationLink(await runtimeDeps(), { token }), problem: null }
  } catch (error) {
    const appError = appErrorOf(error)
    if (!appError || (appError.code !== 'TOKEN_INVALID' && appError.code !== 'TOKEN_EXPIRED' && appError.code !== 'NOT_FOUND')) throw error
    return { tenant, token, link: null, problem: { message: appError.message, status: appError.code === 'TOKEN_EXPIRED' ? 410 : 404 } satisfies LinkProblem }
  }
}

const noStore = { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' }

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { link, problem } = await linkFor(request, params, context)
  return json(
    {
      partnerName: link?.partnerName ?? null,
      vendorName: link?.vendorName ?? null,
      acceptsSubmissions: link?.acceptsSubmissions ?? false,
      problem: problem?.message ?? null,
      stageOptions: STAGE_GUESSES.map((value) => ({ value, label: stageGuessLabels[value] })),
    },
    { status: problem?.status ?? 200, headers: noStore },
  )
}

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const { token, link, problem } = await linkFor(request, params, context)
  const form = await request.formData()
  const values = Object.fromEntries(FIELDS.map((name) => [name, formText(form, name)])) as Record<(typeof FIELDS)[number], string>
  // Revoked, replaced or unknown: the same page as the link shows, with its status (never a 500).
  if (!link) return json<FormFailure>({ ok: false, formError: problem?.message ?? 'This registration link is not valid.', fieldErrors: {}, values, code: 'LINK_NOT_WORKING' }, { status: problem?.status ?? 404, headers: noStore })
  try {
    const receipt = await submitViaRegistrationLink(await runtimeDeps(), {
      token,
      submitterName: values.submitterName,
      submitterEmail: values.submitterEmail,
      honeypot: formText(form, 'fax_number'),
      ip: context.clientIp ?? null,
      fields: { kind: 'lead', companyName: values.companyName, website: values.website, contactName: values.contactName, contactEmail: values.contactEmail, contactRole: values.contactRole, problem: values.problem, stageGuess: values.stageGuess, region: values.region, consent: values.consent },
    })
    return { ok: true as const, ...receipt, submitterEmail: values.submitterEmail.trim().toLowerCase() }
  } catch (error) {
    return formFailure(error, { fields: FIELDS, values })
  }
})

export default function PublicRegistration() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const brand = usePortalBrand()
  const formRef = useRef<HTMLFormElement>(null)
  const headingRef = useRef<HTMLHeadingElement>(null)
  const failure = isFormFailure(result) ? result : null
  const receipt = result && !isFormFailure(result) && 'caseReference' in result ? result : null
  const sending = useSubmitting()
  useFocusOnFailure(failure, formRef)
  useEffect(() => {
    if (receipt) headingRef.current?.focus()
  }, [receipt])
  if (!brand) return null
  const value = (name: string) => failure?.values[name] ?? ''
  const errors = (name: string) => failure?.fieldErrors[name]

  const linkProblem = failure?.code === 'LINK_NOT_WORKING' ? failure.formError : data.problem
  if (linkProblem || !data.partnerName) {
    return (
      <PublicPage brand={brand}>
        <div className="card">
          <h1>This link does not work</h1>
          <p>{linkProblem ?? 'This registration link is not valid.'}</p>
        </div>
      </PublicPage>
    )
  }

  if (receipt) {
    return (
      <PublicPage brand={brand}>
        <div className="card">
          <h1 ref={headingRef} tabIndex={-1}>
            Registration received
          </h1>
          <p>
            Your case number is <strong>{receipt.caseReference}</strong>. Status: submitted, waiting for review by the {data.vendorName} partner team.
          </p>
          <p>{receipt.message}</p>
          <p className="muted">
            We sent a confirmation to <span className="wrap-anywhere">{receipt.submitterEmail}</span>; every status change is e-mailed there too.
          </p>
        </div>
      </PublicPage>
    )
  }

  return (
    <PublicPage brand={brand} wide>
      <div className="card">
        <h1>Register a lead with {data.vendorName}</h1>
        <p className="lead">
          For people at <strong>{data.partnerName}</strong>. No account needed: use your work e-mail address.
        </p>
        {!data.acceptsSubmissions ? <Alert tone="warning">This link is not set up yet: your partner manager still needs to allow your company’s e-mail domain.</Alert> : null}
        {failure?.formError ? (
          <div data-form-error tabIndex={-1}>
            <Alert tone="error">{failure.formError}</Alert>
          </div>
        ) : null}
        <Form method="post" ref={formRef} noValidate className="stack">
          <fieldset className="plain stack">
            <legend>About you</legend>
            <div className="grid-2">
              <Field label="Your name" name="submitterName" required autoComplete="name" maxLength={120} defaultValue={value('submitterName')} errors={errors('submitterName')} />
              <Field label="Your work e-mail" name="submitterEmail" type="email" required autoComplete="email" inputMode="email" maxLength={254} defaultValue={value('submitterEmail')} errors={errors('submitterEmail')} />
            </div>
          </fieldset>
          <fieldset className="plain stack">
            <legend>The customer</legend>
            <div className="grid-2">
              <Field label="Company" name="companyName" required maxLength={200} defaultValue={value('companyName')} errors={errors('companyName')} />
              <Field label="Website or domain" name="website" inputMode="url" maxLength={300} placeholder="acme.com" defaultValue={value('website')} errors={errors('website')} />
              <Field label="Contact name" name="contactName" required maxLength={120} defaultValue={value('contactName')} errors={errors('contactName')} />
              <Field label="Contact e-mail" name="contactEmail" type="email" required inputMode="email" maxLength={254} defaultValue={value('contactEmail')} errors={errors('contactEmail')} />
              <Field label="Contact role" name="contactRole" maxLength={120} defaultValue={value('contactRole')} errors={errors('contactRole')} />
              <SelectField label="Stage" name="stageGuess" required options={data.stageOptions} defaultValue={value('stageGuess') || 'exploring'} errors={errors('stageGuess')} />
            </div>
            <TextAreaField label="Problem and fit" name="problem" required rows={3} maxLength={10_000} defaultValue={value('problem')} errors={errors('problem')} hint="What the customer needs, and why it is a fit." />
            <Field label="Region" name="region" maxLength={80} defaultValue={value('region')} errors={errors('region')} />
          </fieldset>
          {/* Honeypot: hidden from people and assistive technology; bots fill it in. */}
          <div className="honeypot" aria-hidden="true">
            <label htmlFor="fax_number">Fax number</label>
            <input id="fax_number" name="fax_number" type="text" tabIndex={-1} autoComplete="off" />
          </div>
          <CheckboxField label={`The contact agreed to be contacted by ${data.vendorName}`} name="consent" required defaultChecked={value('consent') === 'on'} errors={errors('consent')} />
          <SubmitButton pending={sending} pendingLabel="Submitting…">
            Submit registration
          </SubmitButton>
        </Form>
      </div>
    </PublicPage>
  )
}

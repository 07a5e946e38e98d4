import { appErrorOf } from '@accord/api'
import { getInvitation } from '@accord/core'
import { Alert, Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useId, useRef } from 'react'
import { PublicPage } from '~/components/portal-chrome'
import { isFormFailure, useFocusOnFailure, useSubmitting } from '~/lib/forms'
import { joinPortalPath } from '~/lib/portal-address'
import { portalTitle, usePortalBrand, usePortalHref } from '~/lib/portal-data'
import { fieldFailure, formFailure, formText } from '~/server/errors.server'
import { runtimeDeps } from '~/server/runtime.server'
import { getPartnerSession } from '~/server/session.server'
import { acceptPartnerInvitation, type SignInMethod, STAFF_INVITATION_MESSAGE } from '~/server/sign-in.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ matches, data: page }) => [{ title: portalTitle(matches, page?.state === 'problem' ? page.heading : 'Accept your invitation') }]

const problemHeadings: Record<string, string> = {
  TOKEN_EXPIRED: 'This invitation has expired',
  TOKEN_USED: 'This invitation was already used',
  TOKEN_INVALID: 'This invitation link does not work',
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const tenant = await requirePortalTenant(request, params, context)
  const deps = await runtimeDeps()
  try {
    const invitation = await getInvitation(deps, { token: params.token ?? '', expectedTenantId: tenant.id })
    if (invitation.kind !== 'partner') {
      return json({ state: 'problem' as const, code: 'TOKEN_INVALID', heading: problemHeadings.TOKEN_INVALID ?? '', message: STAFF_INVITATION_MESSAGE }, { status: 400 })
    }
    const { session } = await getPartnerSession(request, tenant, context)
    return {
      state: 'pending' as const,
      invitation: { email: invitation.email, name: invitation.name ?? '', role: invitation.role, partnerName: invitation.partnerName ?? '', vendorName: invitation.tenantName },
      // Someone else is signed in on this browser: accepting will switch accounts.
      signedInAs: session && session.user.email !== invitation.email ? session.user.email : null,
    }
  } catch (error) {
    const appError = appErrorOf(error)
    if (!appError || appError.code === 'INTERNAL') throw error
    return json({ state: 'problem' as const, code: appError.code, heading: problemHeadings[appError.code] ?? 'This invitation cannot be used', message: appError.message }, { status: appError.httpStatus })
  }
}

const FIELDS = ['name', 'signInMethod', 'password'] as const

export const action = formAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const tenant = await requirePortalTenant(request, params, context)
  const form = await request.formData()
  const name = formText(form, 'name')
  const method = formText(form, 'signInMethod')
  const values = { name, signInMethod: method }
  if (method !== 'password' && method !== 'magic_link') {
    return fieldFailure({ signInMethod: ['Choose how you want to sign in.'] }, values)
  }
  let headers: Headers
  try {
    headers = await acceptPartnerInvitation(request, {
      tenant,
      token: params.token ?? '',
      name,
      signInMethod: method as SignInMethod,
      password: formText(form, 'password'),
      clientIp: context.clientIp,
    })
  } catch (error) {
    return formFailure(error, { fields: FIELDS, values })
  }
  throw redirect(`${joinPortalPath(tenant.basePath, '/')}?welcome=1`, { headers })
})

export default function AcceptInvitation() {
  const page = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const brand = usePortalBrand()
  const href = usePortalHref()
  const formRef = useRef<HTMLFormElement>(null)
  const failure = isFormFailure(result) ? result : null
  const accepting = useSubmitting()
  const ids = useId()
  useFocusOnFailure(failure, formRef)
  if (!brand) return null

  if (page.state === 'problem') {
    return (
      <PublicPage brand={brand}>
        <div className="card">
          <h1>{page.heading}</h1>
          <p>{page.message}</p>
          <p>Ask your partner manager at {brand.name} to send you a new invitation{brand.supportEmail ? <> (or write to <a href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</a>)</> : null}.</p>
          <p>
            Already have an account? <Link to={href('/login')}>Sign in</Link>
          </p>
        </div>
      </PublicPage>
    )
  }

  const { invitation } = page
  const methodError = failure?.fieldErrors.signInMethod
  const chosen = failure?.values.signInMethod
  const accountExists = failure?.code === 'CONFLICT' || failure?.code === 'TOKEN_USED'
  return (
    <PublicPage brand={brand} wide>
      <div className="card">
        <h1>Join {invitation.partnerName} on the {brand.portalName}</h1>
        <p className="lead">
          {invitation.vendorName} invited you to work with them through this portal. Set up your account in a few seconds.
        </p>
        <dl className="facts">
          <dt>Organisation</dt>
          <dd>{invitation.partnerName}</dd>
          <dt>Your role</dt>
          <dd>{invitation.role}</dd>
          <dt>E-mail</dt>
          <dd>{invitation.email}</dd>
        </dl>
        {page.signedInAs ? (
          <Alert tone="info">
            You are signed in here as {page.signedInAs}. Accepting signs you in as {invitation.email} instead.
          </Alert>
        ) : null}
        {failure?.formError ? (
          <div data-form-error tabIndex={-1}>
            <Alert tone="error">
              {failure.formError}
              {accountExists ? (
                <>
                  {' '}
                  <Link to={href('/login')}>Go to sign in</Link>
                </>
              ) : null}
            </Alert>
          </div>
        ) : null}
        <Form method="post" ref={formRef} noValidate className="stack">
          <Field label="Your name" name="name" required autoComplete="name" maxLength={120} defaultValue={failure?.values.name ?? invitation.name} errors={failure?.fieldErrors.name} />
          <fieldset className="choice" role="radiogroup" aria-describedby={methodError ? `${ids}-method-error` : undefined} aria-invalid={methodError ? true : undefined}>
            <legend>How would you like to sign in?</legend>
            <MethodOption id={`${ids}-password`} value="password" checked={chosen === 'password'} label="Set a password" hint="Sign in with your e-mail and a password." />
            <MethodOption
              id={`${ids}-magic`}
              value="magic_link"
              checked={chosen === 'magic_link'}
              label="Sign in with e-mailed links (no password)"
              hint="Each time, we e-mail you a link that signs you in. Nothing to remember."
            />
            {methodError ? (
              <p className="error" id={`${ids}-method-error`} role="alert">
                {methodError.join(' ')}
              </p>
            ) : null}
          </fieldset>
          <div className="password-choice">
            <PasswordField errors={failure?.fieldErrors.password} />
          </div>
          <SubmitButton full pending={accepting} pendingLabel="Setting up your account…">
            Accept invitation
          </SubmitButton>
        </Form>
      </div>
    </PublicPage>
  )
}

/** One sign-in method: the label holds just the method's name (a stable accessible name); the hint describes it. */
function MethodOption({ id, value, checked, label, hint }: { id: string; value: string; checked: boolean; label: string; hint: string }) {
  return (
    <div className="option">
      <input type="radio" id={id} name="signInMethod" value={value} defaultChecked={checked} aria-describedby={`${id}-hint`} />
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

/** Labelled just "Password" (the shared Field would add "(optional)": it is required once "Set a password" is chosen). */
function PasswordField({ errors }: { errors?: string[] }) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>Password</label>
      <input
        id={id}
        name="password"
        type="password"
        autoComplete="new-password"
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={[`${id}-hint`, errors?.length ? `${id}-error` : null].filter(Boolean).join(' ')}
      />
      <p className="hint" id={`${id}-hint`}>
        At least 10 characters. A short sentence is easy to remember.
      </p>
      {errors?.length ? (
        <p className="error" id={`${id}-error`} role="alert">
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  )
}

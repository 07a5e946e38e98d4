import { portalBaseUrl, signUpVendor } from '@accord/core'
import { suggestSlug } from '@accord/core/tenants/suggest-slug'
import { Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useId, useRef, useState } from 'react'
import { FormError, useFocusOnErrors, useSubmitting, valueOf } from '~/components/forms'
import { formValues } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { trpc } from '~/lib/trpc'
import { actionFailure } from '~/server/action-result.server'
import { runtimeDeps } from '~/server/runtime.server'
import { getStaffSession, startStaffSession } from '~/server/session.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Create your workspace')

const FIELDS = ['companyName', 'slug', 'ownerName', 'email', 'password'] as const
const SLUG_MARK = 'workspace-slug-marker'

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getStaffSession(request)) throw redirect('/')
  const deps = await runtimeDeps()
  // The portal address around the slug, e.g. "http://localhost:3001/t/" + slug, or "https://" + slug + ".partners.example.com".
  const [prefix = '', suffix = ''] = portalBaseUrl(deps.portal, SLUG_MARK).split(SLUG_MARK)
  return { portalPrefix: prefix, portalSuffix: suffix }
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const values = formValues(await request.formData(), FIELDS)
  try {
    const deps = await runtimeDeps()
    const created = await signUpVendor(deps, { ...values, ip: context.clientIp })
    const headers = await startStaffSession(request, { tenantId: created.tenantId, userId: created.userId, workspaceSlug: created.slug, ip: context.clientIp })
    return redirect('/?notice=welcome', { headers })
  } catch (error) {
    return actionFailure(error, { fields: FIELDS, values })
  }
})

type SlugStatus = { state: 'idle' | 'checking' | 'available' | 'unavailable' | 'offline'; message: string }

/** Debounced "is this address free?" through tRPC public.slugAvailability; the newest answer wins. */
function useSlugAvailability(slug: string): SlugStatus {
  const [status, setStatus] = useState<SlugStatus>({ state: 'idle', message: '' })
  const latest = useRef(0)
  useEffect(() => {
    const request = ++latest.current
    const candidate = slug.trim()
    if (!candidate) {
      setStatus({ state: 'idle', message: '' })
      return
    }
    setStatus({ state: 'checking', message: 'Checking availability…' })
    const timer = setTimeout(() => {
      trpc()
        .public.slugAvailability.query({ slug: candidate })
        .then((answer) => {
          if (request !== latest.current) return
          setStatus(answer.available ? { state: 'available', message: `${answer.slug} is available.` } : { state: 'unavailable', message: answer.reason ?? 'This address is not available.' })
        })
        .catch(() => {
          if (request === latest.current) setStatus({ state: 'offline', message: 'Could not check the address right now; we will check it when you submit.' })
        })
    }, 350)
    return () => clearTimeout(timer)
  }, [slug])
  return status
}

export default function SignUp() {
  const { portalPrefix, portalSuffix } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  const submitting = useSubmitting()

  const [slug, setSlug] = useState(valueOf(failure, 'slug'))
  // Once the person edits the address themselves we stop suggesting one.
  const [slugEdited, setSlugEdited] = useState(valueOf(failure, 'slug') !== '')
  const status = useSlugAvailability(slug)

  const slugId = useId()
  const slugErrors = failure?.fieldErrors.slug
  // The server's verdict on submit replaces the live one.
  const showLiveStatus = !slugErrors?.length || slug !== valueOf(failure, 'slug')

  return (
    <section className="card">
      <h1>Create your workspace</h1>
      <p className="muted">Start your partner programme: a workspace for your team and a branded portal for your partners.</p>
      <Form method="post" className="stack" noValidate ref={formRef}>
        <FormError failure={failure} />
        <Field
          label="Company name"
          name="companyName"
          required
          autoComplete="organization"
          autoFocus
          maxLength={120}
          defaultValue={valueOf(failure, 'companyName')}
          errors={failure?.fieldErrors.companyName}
          // Suggested synchronously (a pure function), so a late answer can never overwrite what the person typed.
          onChange={(name) => {
            if (!slugEdited) setSlug(suggestSlug(name))
          }}
        />
        <div className="field">
          <label htmlFor={slugId}>Workspace address</label>
          <div className="input-affix">
            {portalPrefix ? <span aria-hidden="true">{portalPrefix}</span> : null}
            <input
              id={slugId}
              name="slug"
              type="text"
              required
              value={slug}
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={40}
              aria-invalid={slugErrors?.length && !showLiveStatus ? true : status.state === 'unavailable' ? true : undefined}
              aria-describedby={`${slugId}-hint ${slugId}-status${slugErrors?.length ? ` ${slugId}-error` : ''}`}
              onChange={(event) => {
                setSlugEdited(true)
                setSlug(event.target.value.toLowerCase())
              }}
            />
            {portalSuffix ? <span aria-hidden="true">{portalSuffix}</span> : null}
          </div>
          <p className="hint" id={`${slugId}-hint`}>
            Lowercase letters, digits and hyphens. Your partners will sign in at{' '}
            <strong className="wrap-anywhere">
              {portalPrefix}
              {slug || 'your-company'}
              {portalSuffix}
            </strong>
            .
          </p>
          <p id={`${slugId}-status`} className={`slug-status ${status.state}`} aria-live="polite">
            {showLiveStatus ? status.message : ''}
          </p>
          {slugErrors?.length && !showLiveStatus ? (
            <p className="error" id={`${slugId}-error`} role="alert">
              {slugErrors.join(' ')}
            </p>
          ) : null}
        </div>
        <Field label="Your name" name="ownerName" required autoComplete="name" maxLength={120} defaultValue={valueOf(failure, 'ownerName')} errors={failure?.fieldErrors.ownerName} />
        <Field label="Work e-mail" name="email" type="email" required autoComplete="email" inputMode="email" defaultValue={valueOf(failure, 'email')} errors={failure?.fieldErrors.email} />
        <Field label="Password" name="password" type="password" required autoComplete="new-password" hint="At least 10 characters. A short sentence is easy to remember and hard to guess." errors={failure?.fieldErrors.password} />
        <SubmitButton pending={submitting} pendingLabel="Creating your workspace…" full>
          Create workspace
        </SubmitButton>
      </Form>
      <p className="muted auth-switch">
        Already have a workspace? <Link to="/login">Sign in</Link>
      </p>
    </section>
  )
}

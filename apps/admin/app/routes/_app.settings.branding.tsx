import { AppError, MAX_LOGO_BYTES, setPortalLogo, staffCan } from '@accord/core'
import { Field, SubmitButton } from '@accord/ui'
import {
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  MaxPartSizeExceededError,
  data,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useId, useState } from 'react'
import { ErrorContent } from '~/components/error-page'
import { ConfirmAction, FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { normaliseHex, readableTextOn } from '~/lib/colour'
import { errorsFor, formValues } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Branding')

const BRANDING_FIELDS = ['portalName', 'primaryColor', 'supportEmail'] as const
/** A little above core's 1 MB limit, so core (not the parser) words the common "too large" case. */
const MAX_UPLOAD_PART_BYTES = 1_100_000

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'workspace.view')
  const workspace = await caller.admin.workspace.get()
  return data(
    {
      workspace: {
        name: workspace.name,
        portalName: workspace.portalNameIsDefault ? '' : workspace.portalName,
        defaultPortalName: `${workspace.name} Partner Portal`,
        primaryColor: workspace.primaryColor,
        supportEmail: workspace.supportEmail,
        logoUrl: workspace.logoUrl,
        portalUrl: workspace.portalUrl,
      },
      canManage: staffCan(user.staffRole, 'settings.manage'),
      maxLogoBytes: MAX_LOGO_BYTES,
    },
    { headers },
  )
}

async function uploadLogo(request: Request, ctx: Parameters<typeof setPortalLogo>[0]) {
  let form: FormData
  try {
    form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: MAX_UPLOAD_PART_BYTES }))
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      return actionFailure(new AppError('PAYLOAD_TOO_LARGE', 'The logo is larger than 1 MB.', { fieldErrors: { logo: ['The logo must be 1 MB or smaller.'] } }), { fields: ['logo'], intent: 'logo' })
    }
    throw error
  }
  const file = form.get('logo')
  const isFile = typeof file === 'object' && file !== null
  try {
    await setPortalLogo(ctx, { bytes: isFile ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array(), fileName: isFile ? file.name.slice(0, 200) : undefined })
    return actionSuccess('logo', 'Logo uploaded. Your portal and e-mails now show it.')
  } catch (error) {
    return actionFailure(error, { fields: ['logo'], intent: 'logo' })
  }
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { ctx, caller } = await requireStaff(request, context, 'settings.manage')
  if ((request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) return uploadLogo(request, ctx)
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  if (intent === 'removeLogo') {
    try {
      await caller.admin.workspace.removeLogo()
      return actionSuccess(intent, 'Logo removed.')
    } catch (error) {
      return actionFailure(error, { intent })
    }
  }
  const values = formValues(form, BRANDING_FIELDS)
  try {
    await caller.admin.workspace.updateBranding(values)
    return actionSuccess('branding', 'Branding saved.')
  } catch (error) {
    return actionFailure(error, { fields: BRANDING_FIELDS, values, intent: 'branding' })
  }
})

/** A picture of the portal's sign-in page in the chosen brand, updated as the form changes. */
function PortalPreview({ name, colour, logoUrl, supportEmail }: { name: string; colour: string; logoUrl: string | null; supportEmail: string }) {
  const text = readableTextOn(colour)
  return (
    <figure className="preview" aria-labelledby="preview-caption">
      <figcaption id="preview-caption">Live preview: your portal’s sign-in page</figcaption>
      <div className="preview-frame" style={{ borderTopColor: colour }}>
        <div className="preview-brand">
          {logoUrl ? <img src={logoUrl} alt="Logo preview" className="preview-logo" /> : null}
          <span className="preview-name">{name}</span>
        </div>
        <p className="preview-heading">Sign in</p>
        <div className="preview-input" aria-hidden="true">
          you@partner.com
        </div>
        <div className="preview-button" style={{ background: colour, color: text }}>
          E-mail me a sign-in link
        </div>
        {supportEmail ? <p className="preview-support">Questions? {supportEmail}</p> : null}
      </div>
    </figure>
  )
}

export default function Branding() {
  const pageAction = usePageAction()
  const { workspace, canManage, maxLogoBytes } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const brandingFailure = errorsFor(result, 'branding')
  const logoFailure = errorsFor(result, 'logo')
  const removeFailure = errorsFor(result, 'removeLogo')
  const brandingRef = useFormFeedback(result, 'branding')
  const logoRef = useFormFeedback(result, 'logo', { resetOnSuccess: true })
  const saving = useSubmitting('branding')
  const removing = useSubmitting('removeLogo')
  const uploading = useSubmitting('logo')

  const [portalName, setPortalName] = useState(valueOf(brandingFailure, 'portalName', workspace.portalName))
  const [hex, setHex] = useState(valueOf(brandingFailure, 'primaryColor', workspace.primaryColor))
  const [supportEmail, setSupportEmail] = useState(valueOf(brandingFailure, 'supportEmail', workspace.supportEmail))
  const [chosenLogo, setChosenLogo] = useState<{ url: string; tooLarge: boolean } | null>(null)
  const colour = normaliseHex(hex) ?? workspace.primaryColor

  // After an upload or removal the saved logo is the truth again.
  useEffect(() => {
    if (result?.ok && (result.intent === 'logo' || result.intent === 'removeLogo')) setChosenLogo(null)
  }, [result])
  useEffect(() => () => (chosenLogo ? URL.revokeObjectURL(chosenLogo.url) : undefined), [chosenLogo])

  const colourId = useId()
  const colourErrors = brandingFailure?.fieldErrors.primaryColor
  const logoId = useId()
  const logoErrors = chosenLogo?.tooLarge ? ['This file is larger than 1 MB; choose a smaller one.'] : logoFailure?.fieldErrors.logo

  return (
    <>
      <h1>Branding</h1>
      <p className="muted">How your partner portal and the e-mails to partners look.</p>
      {canManage ? null : <p className="alert info">Only owners and admins can change branding. You can see the current settings.</p>}

      <div className="branding-layout">
        <div>
          <section className="card" aria-labelledby="brand-title">
            <h2 id="brand-title">Portal appearance</h2>
            <Form method="post" action={pageAction} className="stack" noValidate ref={brandingRef} aria-labelledby="brand-title">
              <input type="hidden" name="intent" value="branding" />
              <FormNotice result={result} intent="branding" />
              <FormError failure={brandingFailure} />
              <fieldset disabled={!canManage} className="plain stack">
                <legend className="sr-only">Portal appearance</legend>
                <Field
                  label="Portal name"
                  name="portalName"
                  maxLength={80}
                  placeholder={workspace.defaultPortalName}
                  hint={`Shown on the portal and in e-mails. Empty: “${workspace.defaultPortalName}”.`}
                  defaultValue={portalName}
                  errors={brandingFailure?.fieldErrors.portalName}
                  onChange={setPortalName}
                />
                <div className="field">
                  <label htmlFor={colourId}>Primary colour</label>
                  <div className="row colour-row">
                    <input type="color" aria-label="Pick the primary colour" value={colour} onChange={(event) => setHex(event.target.value)} />
                    <input
                      id={colourId}
                      name="primaryColor"
                      type="text"
                      value={hex}
                      maxLength={7}
                      spellCheck={false}
                      autoComplete="off"
                      className="hex-input"
                      aria-invalid={colourErrors?.length ? true : undefined}
                      aria-describedby={`${colourId}-hint${colourErrors?.length ? ` ${colourId}-error` : ''}`}
                      onChange={(event) => setHex(event.target.value)}
                    />
                  </div>
                  <p className="hint" id={`${colourId}-hint`}>
                    Buttons and links in your portal. A hex value like #2563eb.
                  </p>
                  {colourErrors?.length ? (
                    <p className="error" id={`${colourId}-error`} role="alert">
                      {colourErrors.join(' ')}
                    </p>
                  ) : null}
                </div>
                <Field
                  label="Support e-mail"
                  name="supportEmail"
                  type="email"
                  inputMode="email"
                  placeholder="partners@yourcompany.com"
                  hint="Where partners’ replies and questions go."
                  defaultValue={supportEmail}
                  errors={brandingFailure?.fieldErrors.supportEmail}
                  onChange={setSupportEmail}
                />
              </fieldset>
              {canManage ? (
                <div>
                  <SubmitButton pending={saving} pendingLabel="Saving…">
                    Save branding
                  </SubmitButton>
                </div>
              ) : null}
            </Form>
          </section>

          <section className="card" aria-labelledby="logo-title">
            <h2 id="logo-title">Logo</h2>
            <FormNotice result={result} intent="logo" />
            <FormNotice result={result} intent="removeLogo" />
            <FormError failure={removeFailure} />
            {workspace.logoUrl ? (
              <p className="current-logo">
                <img src={workspace.logoUrl} alt={`Current logo of ${workspace.name}`} />
              </p>
            ) : (
              <p className="muted">No logo yet: the portal shows your portal name instead.</p>
            )}
            {canManage ? (
              <>
                <Form
                  method="post"
                  action={pageAction}
                  encType="multipart/form-data"
                  className="stack"
                  noValidate
                  ref={logoRef}
                  aria-labelledby="logo-title"
                  onSubmit={(event) => {
                    // Saves a pointless upload; the server checks the size again.
                    if (chosenLogo?.tooLarge) event.preventDefault()
                  }}
                >
                  <input type="hidden" name="intent" value="logo" />
                  <FormError failure={logoFailure} />
                  <div className="field">
                    <label htmlFor={logoId}>{workspace.logoUrl ? 'Replace logo' : 'Logo file'}</label>
                    <input
                      id={logoId}
                      name="logo"
                      type="file"
                      accept="image/png,image/jpeg,image/gif,image/webp"
                      aria-invalid={logoErrors?.length ? true : undefined}
                      aria-describedby={`${logoId}-hint${logoErrors?.length ? ` ${logoId}-error` : ''}`}
                      onChange={(event) => {
                        const file = event.target.files?.[0]
                        setChosenLogo(file ? { url: URL.createObjectURL(file), tooLarge: file.size > maxLogoBytes } : null)
                      }}
                    />
                    <p className="hint" id={`${logoId}-hint`}>
                      PNG, JPEG, GIF or WebP, up to 1 MB. A wide logo on a transparent background works best. SVG is not accepted.
                    </p>
                    {logoErrors?.length ? (
                      <p className="error" id={`${logoId}-error`} role="alert">
                        {logoErrors.join(' ')}
                      </p>
                    ) : null}
                  </div>
                  <div>
                    <SubmitButton pending={uploading} pendingLabel="Uploading…">
                      Upload logo
                    </SubmitButton>
                  </div>
                </Form>
                {workspace.logoUrl ? (
                  <div className="remove-logo">
                    <ConfirmAction label="Remove logo…" confirmLabel="Yes, remove the logo" pendingLabel="Removing…" pending={removing} intent="removeLogo">
                      The portal and e-mails will show your portal name instead of the logo.
                    </ConfirmAction>
                  </div>
                ) : null}
              </>
            ) : null}
          </section>
        </div>

        <PortalPreview name={portalName.trim() || workspace.defaultPortalName} colour={colour} logoUrl={chosenLogo && !chosenLogo.tooLarge ? chosenLogo.url : workspace.logoUrl} supportEmail={supportEmail.trim()} />
      </div>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

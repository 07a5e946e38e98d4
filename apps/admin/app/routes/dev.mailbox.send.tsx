import { randomUUID } from 'node:crypto'
import { receiveRegistrationEmail, registrationMailTemplate } from '@accord/core'
import { devMailboxEnabled, emailEnv } from '@accord/email/env'
import { Alert } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { DevShell } from '~/components/dev-shell'
import { ErrorContent } from '~/components/error-page'
import { pageMeta } from '~/lib/meta'
import { notFound } from '~/server/guard.server'
import { runtimeDeps } from '~/server/runtime.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Send a registration e-mail in')

/**
 * Local stand-in for a partner writing to the registration address: the
 * message goes through the same `receiveRegistrationEmail` as the inbound
 * endpoint, so the e-mail flow can be followed with zero configuration.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  if (!devMailboxEnabled()) throw notFound()
  const workspace = new URL(request.url).searchParams.get('workspace')?.trim().toLowerCase() || 'northwind'
  return { defaultTo: `registrations+${workspace}@${emailEnv().INBOUND_EMAIL_DOMAIN}`, template: registrationMailTemplate() }
}

export const action = formAction(async ({ request }: ActionFunctionArgs) => {
  if (!devMailboxEnabled()) throw notFound()
  const form = await request.formData()
  const text = (name: string) => String(form.get(name) ?? '').slice(0, 20_000)
  const from = text('from').trim().toLowerCase()
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(from)) return data({ ok: false as const, message: 'Enter the sender’s e-mail address, e.g. anna@contoso.example.' }, { status: 400 })
  const outcome = await receiveRegistrationEmail(await runtimeDeps(), {
    mail: { from: { email: from, name: null }, to: [text('to').trim()], subject: text('subject').trim() || '(no subject)', messageId: `<${randomUUID()}@dev-mailbox.localhost>`, inReplyTo: null, text: text('body') },
  })
  // A reply address (reply+…@, copied from a notification's Reply-To) adds a note to that registration instead.
  const message =
    outcome.outcome === 'registered'
      ? `Registered as ${outcome.caseReference}. The answer to the sender is in the mailbox.`
      : outcome.outcome === 'reply_recorded'
        ? 'Reply added to the registration’s timeline.'
        : outcome.outcome === 'duplicate_delivery'
          ? 'This message was already processed.'
          : outcome.outcome === 'reply_refused'
            ? `Reply not added (${outcome.reason.replace('_', ' ')}): ${outcome.detail} Any answer to the sender is in the mailbox.`
            : `Not registered (${outcome.outcome.replace('_', ' ')}): ${outcome.detail} ${outcome.outcome === 'no_workspace' ? '' : 'The answer to the sender is in the mailbox.'}`
  return data({ ok: outcome.outcome === 'registered' || outcome.outcome === 'reply_recorded', message })
})

export default function SendMailIn() {
  const { defaultTo, template } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const sending = useNavigation().state === 'submitting'
  return (
    <DevShell>
      <p>
        <Link to="/dev/mailbox">← Dev mailbox</Link>
      </p>
      <h1>Send a registration e-mail in</h1>
      <p className="muted">Write as a partner user would to the vendor’s registration address. Demo partner users: anna@contoso.example, ben@fabrikam.example, chloe@adatum.example.</p>
      {result ? (
        <Alert tone={result.ok ? 'success' : 'warning'} title={result.ok ? 'Received' : 'Not processed'}>
          {'message' in result ? result.message : result.formError}
        </Alert>
      ) : null}
      <Form method="post" className="stack card">
        <div className="field">
          <label htmlFor="mail-from">From</label>
          <input id="mail-from" name="from" type="email" required defaultValue="anna@contoso.example" autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="mail-to">To</label>
          <input id="mail-to" name="to" required defaultValue={defaultTo} />
        </div>
        <div className="field">
          <label htmlFor="mail-subject">Subject</label>
          <input id="mail-subject" name="subject" defaultValue="New lead" />
        </div>
        <div className="field">
          <label htmlFor="mail-body">Message</label>
          <textarea id="mail-body" name="body" rows={14} defaultValue={template} />
        </div>
        <div>
          <button type="submit" className="button" disabled={sending} aria-busy={sending || undefined}>
            {sending ? 'Sending…' : 'Send in'}
          </button>
        </div>
      </Form>
    </DevShell>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

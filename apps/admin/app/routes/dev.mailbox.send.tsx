import { randomUUID } from 'node:crypto'
import { acceptInboundEmail, registrationMailTemplate } from '@accord/core'
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
 * Local stand-in for a partner writing to the registration address: the form
 * becomes a raw RFC 822 message that is stored and queued exactly like one
 * posted to the inbound endpoint, and the worker reads it, so the e-mail flow
 * can be followed with zero configuration. "Sender authenticated" plays the
 * part of the receiving mail server's DKIM/DMARC check: unticked, the
 * registration waits for the one-click confirmation.
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
  const raw = rawMessage({ from, to: oneLine(text('to')), subject: oneLine(text('subject')) || '(no subject)', body: text('body') })
  const outcome = await acceptInboundEmail(await runtimeDeps(), { source: 'dev_mailbox', bytes: raw, senderVerified: form.get('authenticated') === 'on' })
  // A reply address (reply+…@, copied from a notification's Reply-To) adds a note to that registration instead.
  const message =
    outcome.outcome === 'queued'
      ? 'Sent in. The worker reads it in a moment: the answer to the sender — the case number, a confirmation link or an explanation — then appears in the mailbox. Strangers get no answer.'
      : outcome.outcome === 'duplicate_delivery'
        ? 'This message was already received.'
        : `Not accepted: ${outcome.detail}`
  return data({ ok: outcome.outcome === 'queued', message })
})

const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ').trim()

/** The form as a UTF-8 RFC 822 message (base64 body, encoded subject), as a mail client would send it. */
function rawMessage(input: { from: string; to: string; subject: string; body: string }): Buffer {
  const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64')
  const lines = [
    `From: <${input.from}>`,
    `To: ${input.to}`,
    `Subject: =?utf-8?B?${base64(input.subject)}?=`,
    `Message-ID: <${randomUUID()}@dev-mailbox.localhost>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    ...(base64(input.body.replace(/\r?\n/g, '\r\n')).match(/.{1,76}/g) ?? []),
    '',
  ]
  return Buffer.from(lines.join('\r\n'), 'utf8')
}

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
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" name="authenticated" defaultChecked /> Sender authenticated (the sender’s domain passed DKIM/DMARC at our mail server)
          </label>
          <p className="muted">Untick to see what happens to a mail that could have been forged: nothing is registered until the account holder confirms it from the link we send them.</p>
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

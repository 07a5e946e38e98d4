import { listDevMailbox } from '@accord/core'
import { devMailboxEnabled, emailEnv } from '@accord/email/env'
import { EmptyState } from '@accord/ui'
import { type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData, useRevalidator } from '@remix-run/react'
import { useEffect } from 'react'
import { DevShell } from '~/components/dev-shell'
import { ErrorContent } from '~/components/error-page'
import { formatDateTime } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { notFound } from '~/server/guard.server'
import { runtimeDeps } from '~/server/runtime.server'

export const meta = pageMeta('Dev mailbox')

const REFRESH_MS = 4000

export async function loader({ request }: LoaderFunctionArgs) {
  // Only a stand-in for a mail catcher: it does not exist when real e-mail is configured.
  if (!devMailboxEnabled()) throw notFound()
  const to = new URL(request.url).searchParams.get('to')?.trim().slice(0, 254) ?? ''
  const messages = await listDevMailbox(await runtimeDeps(), { limit: 100, to: to || undefined })
  return {
    to,
    linkMinutes: emailEnv().DEV_MAILBOX_LINK_MINUTES,
    messages: messages.map((message) => ({ id: message.id, to: message.to, subject: message.subject, workspace: message.workspaceSlug, at: message.createdAt })),
  }
}

/** New mail appears without reloading: re-run the loader every few seconds while the tab is visible. */
function useAutoRefresh() {
  const revalidator = useRevalidator()
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && revalidator.state === 'idle') revalidator.revalidate()
    }, REFRESH_MS)
    return () => clearInterval(timer)
  }, [revalidator])
}

export default function DevMailbox() {
  const { messages, to, linkMinutes } = useLoaderData<typeof loader>()
  useAutoRefresh()
  return (
    <DevShell>
      <h1>Dev mailbox</h1>
      <p className="muted">
        E-mails Accord “sent” in local mode, newest first. This list refreshes by itself every few seconds.
      </p>
      <p className="muted">
        Sign-in, reset, invitation and acknowledgement links work here for {linkMinutes} minutes after sending; then they are replaced, as they are in the stored outbox copy as soon as a message is sent.
      </p>
      <p>
        <Link to="/dev/mailbox/send">Send a registration e-mail in</Link> (as a partner writing to the registration address).
      </p>
      <Form method="get" className="filters" role="search" aria-label="Filter e-mails">
        <div className="field grow">
          <label htmlFor="mailbox-to">Recipient</label>
          <input id="mailbox-to" type="search" name="to" defaultValue={to} placeholder="name@company.com" />
        </div>
        <button type="submit" className="button secondary">
          Filter
        </button>
        {to ? (
          <Link to="/dev/mailbox" className="button link">
            Show all
          </Link>
        ) : null}
      </Form>
      {messages.length === 0 ? (
        <EmptyState title={to ? `No e-mails to ${to}` : 'No e-mails yet'}>
          When Accord sends an e-mail without a provider configured — sign-up verification, invitations, password resets — it lands here instead of a real inbox. The worker delivers queued e-mails within a few seconds; if nothing appears, check that the worker is running.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">E-mails, newest first</caption>
            <thead>
              <tr>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Workspace</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((message) => (
                <tr key={message.id}>
                  <td className="wrap-anywhere">{message.to}</td>
                  <td>
                    <Link to={`/dev/mailbox/${message.id}`}>{message.subject}</Link>
                  </td>
                  <td>{message.workspace}</td>
                  <td className="nowrap">
                    <time dateTime={new Date(message.at).toISOString()}>{formatDateTime(message.at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </DevShell>
  )
}

export function ErrorBoundary() {
  return (
    <DevShell>
      <ErrorContent homeHref="/dev/mailbox" />
    </DevShell>
  )
}

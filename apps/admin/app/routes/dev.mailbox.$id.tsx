import { appErrorOf } from '@accord/api'
import { getDevMailboxMessage } from '@accord/core'
import { devMailboxEnabled } from '@accord/email/env'
import { type LoaderFunctionArgs } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { DevShell } from '~/components/dev-shell'
import { ErrorContent } from '~/components/error-page'
import { formatDateTime } from '~/lib/format'
import { extractLinks, withBaseTarget } from '~/lib/mailbox'
import { APP_NAME, errorTitle } from '~/lib/meta'
import { notFound } from '~/server/guard.server'
import { runtimeDeps } from '~/server/runtime.server'

export const meta = ({ data, error }: { data?: { message: { subject: string } }; error?: unknown }) => [
  { title: `${error || !data ? errorTitle(error) : data.message.subject} · Dev mailbox · ${APP_NAME}` },
]

export async function loader({ params }: LoaderFunctionArgs) {
  if (!devMailboxEnabled()) throw notFound()
  try {
    const message = await getDevMailboxMessage(await runtimeDeps(), { id: params.id ?? '' })
    return {
      message: { subject: message.subject, from: message.from, to: message.to, replyTo: message.replyTo, workspace: message.workspaceSlug, at: message.createdAt, text: message.text },
      links: extractLinks(message.html),
      srcDoc: withBaseTarget(message.html),
    }
  } catch (error) {
    if (appErrorOf(error)?.code === 'NOT_FOUND') throw notFound('This message does not exist.')
    throw error
  }
}

export default function DevMailboxMessage() {
  const { message, links, srcDoc } = useLoaderData<typeof loader>()
  return (
    <DevShell>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/dev/mailbox">All e-mails</Link> <span aria-hidden="true">/</span> <span aria-current="page">Message</span>
      </nav>
      <h1 className="wrap-anywhere">{message.subject}</h1>
      <dl className="facts mail-facts">
        <div>
          <dt>From</dt>
          <dd className="wrap-anywhere">{message.from}</dd>
        </div>
        <div>
          <dt>To</dt>
          <dd className="wrap-anywhere">{message.to}</dd>
        </div>
        {message.replyTo ? (
          <div>
            <dt>Reply-To</dt>
            <dd className="wrap-anywhere">{message.replyTo}</dd>
          </div>
        ) : null}
        <div>
          <dt>Workspace</dt>
          <dd>{message.workspace}</dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>
            <time dateTime={new Date(message.at).toISOString()}>{formatDateTime(message.at)}</time>
          </dd>
        </div>
      </dl>

      <section className="card" aria-labelledby="links-title">
        <h2 id="links-title">Links in this e-mail</h2>
        {links.length === 0 ? (
          <p className="muted">This e-mail has no links.</p>
        ) : (
          <ul className="mail-links">
            {links.map((link) => (
              <li key={link.href}>
                <a href={link.href}>{link.text}</a>
                <br />
                <span className="muted small wrap-anywhere">{link.href}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="html-title">
        <h2 id="html-title">As the recipient sees it</h2>
        <iframe
          className="mail-frame"
          title={`E-mail: ${message.subject}`}
          srcDoc={srcDoc}
          sandbox="allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox"
          referrerPolicy="no-referrer"
        />
      </section>

      <section aria-labelledby="text-title">
        <h2 id="text-title">Plain-text version</h2>
        <pre className="mail-text">{message.text}</pre>
      </section>
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

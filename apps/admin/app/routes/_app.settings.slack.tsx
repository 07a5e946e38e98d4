import { Badge, Field, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useId, useState } from 'react'
import { ErrorContent } from '~/components/error-page'
import { InputField } from '~/components/form-controls'
import { ConfirmAction, FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { errorsFor, type FormFailure } from '~/lib/forms'
import { formatDateTime } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Slack')

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'slack.manage')
  const settings = await caller.admin.slack.settings()
  return data({ settings }, { headers })
}

const CONNECT_FIELDS = ['mode', 'webhookUrl', 'channelLabel', 'botToken', 'channel', 'apiUrl', 'signingSecret'] as const
/** Never sent back to the browser after a failed attempt. */
const SECRET_FIELDS = new Set(['webhookUrl', 'botToken', 'signingSecret'])
const SLACK_API_URL = 'https://slack.com/api/'

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'slack.manage')
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  const text = (name: string) => String(form.get(name) ?? '').trim()
  switch (intent) {
    case 'connect': {
      const mode = text('mode') === 'bot' ? 'bot' : 'webhook'
      const input =
        mode === 'webhook'
          ? { mode, webhookUrl: text('webhookUrl'), channelLabel: text('channelLabel') || undefined, signingSecret: text('signingSecret') || undefined }
          : { mode, botToken: text('botToken'), channel: text('channel'), apiUrl: text('apiUrl') && text('apiUrl') !== SLACK_API_URL ? text('apiUrl') : undefined, signingSecret: text('signingSecret') || undefined }
      const values = Object.fromEntries(CONNECT_FIELDS.filter((name) => !SECRET_FIELDS.has(name)).map((name) => [name, text(name)]))
      try {
        const connected = await caller.admin.slack.connect(input)
        const where = connected.channel ? ` to ${connected.channel}` : ''
        return actionSuccess(intent, mode === 'webhook' ? `Slack is connected${where}. We posted “Accord is connected” in the channel.` : `Slack is connected (${connected.team ?? 'workspace'})${where}.`)
      } catch (error) {
        return actionFailure(error, { intent, fields: CONNECT_FIELDS, values })
      }
    }
    case 'test': {
      try {
        const outcome = await caller.admin.slack.test()
        if (outcome.ok) return actionSuccess(intent, 'Slack accepted the test message. Look for it in the channel.')
        const failure: FormFailure = { ok: false, intent, formError: `The test failed. ${outcome.message}`, fieldErrors: {}, values: {} }
        return data(failure)
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'disconnect': {
      try {
        await caller.admin.slack.disconnect()
        return actionSuccess(intent, 'Slack is disconnected. Accord no longer posts to your channel, and /register answers that it is not set up. Partner channels keep working.')
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    case 'partner-channel': {
      const partnerId = text('partnerId')
      const formIntent = `partner-channel:${partnerId}`
      try {
        const saved = await caller.admin.slack.setPartnerChannel({ partnerId, webhookUrl: text('webhookUrl'), label: text('label') || undefined })
        return actionSuccess(formIntent, `${saved.name}’s shared channel is connected; we posted a short hello there.`)
      } catch (error) {
        return actionFailure(error, { intent: formIntent, fields: ['webhookUrl', 'label'], values: { label: text('label') } })
      }
    }
    case 'remove-partner-channel': {
      try {
        await caller.admin.slack.removePartnerChannel({ partnerId: text('partnerId') })
        return actionSuccess(intent, 'The partner’s channel is removed. Nothing more is posted there.')
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    default:
      return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  }
}, { intent: (form) => (form.get('intent') === 'partner-channel' ? `partner-channel:${String(form.get('partnerId') ?? '')}` : String(form.get('intent') ?? '')) })

type Settings = ReturnType<typeof useLoaderData<typeof loader>>['settings']
type ActionResult = ReturnType<typeof useActionData<typeof action>>

/** True after hydration: the other mode's fields are hidden only then (without JavaScript both show). */
function useEnhanced() {
  const [enhanced, setEnhanced] = useState(false)
  useEffect(() => setEnhanced(true), [])
  return enhanced
}

function StatusCard({ settings, result }: { settings: Settings; result: ActionResult }) {
  const connection = settings.connection
  const pageAction = usePageAction()
  const testing = useSubmitting('test')
  const disconnecting = useSubmitting('disconnect')
  if (!connection) {
    return (
      <section className="card" aria-labelledby="slack-status-title">
        <h2 id="slack-status-title">Not connected</h2>
        <p>Connect Slack and Accord posts partner announcements and registration updates to a channel of your choice, and partners can register leads with <code>/register</code>.</p>
      </section>
    )
  }
  const status = connection.status === 'connected' ? { tone: 'success' as const, label: 'Connected' } : { tone: 'danger' as const, label: 'Needs attention' }
  return (
    <section className="card" aria-labelledby="slack-status-title">
      <div className="crm-status-head">
        <div className="crm-status-name">
          <h2 id="slack-status-title">Slack</h2>
          <p className="muted small wrap-anywhere">
            {connection.mode === 'webhook' ? 'Incoming webhook' : `Bot token${connection.team ? ` · ${connection.team}` : ''}`}
            {connection.channel ? ` · ${connection.channel}` : ''}
          </p>
        </div>
        <span role="status" aria-label={`Connection status: ${status.label}`}>
          <Badge tone={status.tone}>{status.label}</Badge>
        </span>
      </div>
      {connection.lastError ? (
        <p className="alert error">
          {connection.lastError} {connection.lastErrorAt ? <span className="small">({formatDateTime(connection.lastErrorAt)})</span> : null}
        </p>
      ) : null}
      <dl className="crm-facts">
        <div>
          <dt>Posts to</dt>
          <dd>{connection.channel ?? 'The webhook’s channel'}</dd>
        </div>
        <div>
          <dt>/register</dt>
          <dd>
            {connection.slashCommandEnabled ? 'On (signing secret stored)' : 'Off: add the signing secret below'}
            {connection.slashCommandEnabled && connection.mode === 'webhook' ? (
              <span className="small muted">
                {' '}
                · With a webhook, Slack cannot tell Accord who typed the command, so <code>/register</code> trusts the <code>from:</code> address in it. Connect with a bot token to have Slack vouch for the user.
              </span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Connected</dt>
          <dd>{formatDateTime(connection.connectedAt)}</dd>
        </div>
      </dl>
      <div aria-live="polite">
        <FormNotice result={result} intent="test" />
        <FormError failure={errorsFor(result, 'test')} />
        <FormError failure={errorsFor(result, 'disconnect')} />
      </div>
      <div className="button-row">
        <Form method="post" action={pageAction}>
          <input type="hidden" name="intent" value="test" />
          <SubmitButton variant="secondary" pending={testing} pendingLabel="Posting…">
            Send a test message
          </SubmitButton>
        </Form>
        <ConfirmAction label="Disconnect…" confirmLabel="Yes, disconnect Slack" pendingLabel="Disconnecting…" pending={disconnecting} intent="disconnect">
          Accord stops posting to your Slack channel and forgets the webhook or token and the signing secret; messages still waiting are not posted. <code>/register</code> stops working
          until you connect again. Partner shared channels are not affected.
        </ConfirmAction>
      </div>
    </section>
  )
}

function ConnectForm({ settings, result }: { settings: Settings; result: ActionResult }) {
  const pageAction = usePageAction()
  const ids = useId()
  const enhanced = useEnhanced()
  const failure = errorsFor(result, 'connect')
  const formRef = useFormFeedback(result, 'connect')
  const connecting = useSubmitting('connect')
  const [mode, setMode] = useState(valueOf(failure, 'mode', settings.connection?.mode ?? 'webhook') === 'bot' ? 'bot' : 'webhook')
  const errors = (name: string) => failure?.fieldErrors[name]
  const showWebhook = !enhanced || mode === 'webhook'
  const showBot = !enhanced || mode === 'bot'
  const connected = settings.connection !== null
  return (
    <section className="card" aria-labelledby="slack-connect-title">
      <h2 id="slack-connect-title">{connected ? 'Change the connection' : 'Connect Slack'}</h2>
      <p className="muted">Accord tries what you paste before storing it (encrypted). A webhook can only be tried by posting, so a short “Accord is connected” message appears in the channel.</p>
      <Form method="post" action={pageAction} className="stack" noValidate ref={formRef} autoComplete="off" aria-labelledby="slack-connect-title">
        <input type="hidden" name="intent" value="connect" />
        <FormError failure={failure} />
        <fieldset className="choice">
          <legend>How Accord posts</legend>
          {(['webhook', 'bot'] as const).map((value) => (
            <div className="option" key={value}>
              <input type="radio" id={`${ids}-${value}`} name="mode" value={value} checked={mode === value} onChange={() => setMode(value)} aria-describedby={`${ids}-${value}-hint`} />
              <span>
                <label htmlFor={`${ids}-${value}`} className="option-label">
                  {value === 'webhook' ? 'Incoming webhook' : 'Bot token'}
                </label>
                <span className="option-hint muted small" id={`${ids}-${value}-hint`}>
                  {value === 'webhook' ? 'Simplest: one channel. /register then needs “from: your@email” in the text, which Slack cannot confirm: anyone who can use your Slack app could name a partner’s address.' : 'Recommended for /register: Slack tells Accord who typed the command (users:read.email scope). Posts with chat.postMessage.'}
                </span>
              </span>
            </div>
          ))}
        </fieldset>
        <fieldset className="settings-group" hidden={!showWebhook} disabled={!showWebhook}>
          <legend>Incoming webhook</legend>
          <Field label="Webhook URL" name="webhookUrl" type="password" required autoComplete="new-password" maxLength={500} placeholder="https://hooks.slack.com/services/…" hint="In your Slack app: Incoming Webhooks → Add New Webhook to Workspace. Stored encrypted; never shown again." errors={errors('webhookUrl')} />
          <InputField label="Channel name (for your reference)" name="channelLabel" maxLength={80} placeholder="#partners" defaultValue={valueOf(failure, 'channelLabel', settings.connection?.channel ?? '')} errors={errors('channelLabel')} />
        </fieldset>
        <fieldset className="settings-group" hidden={!showBot} disabled={!showBot}>
          <legend>Bot token</legend>
          <Field label="Bot token" name="botToken" type="password" required autoComplete="new-password" maxLength={300} placeholder="xoxb-…" hint="OAuth & Permissions → Bot User OAuth Token. Scopes: chat:write, users:read, users:read.email. Stored encrypted." errors={errors('botToken')} />
          <InputField label="Channel" name="channel" required maxLength={80} placeholder="#partners or C0123456" defaultValue={valueOf(failure, 'channel', settings.connection?.mode === 'bot' ? (settings.connection.channel ?? '') : '')} hint="Invite the bot to the channel first (/invite @your-app)." errors={errors('channel')} />
          <details open={Boolean(errors('apiUrl')?.length) || undefined}>
            <summary>Advanced</summary>
            <InputField label="Slack API URL" name="apiUrl" type="url" inputMode="url" optionalMark={false} maxLength={300} defaultValue={valueOf(failure, 'apiUrl', SLACK_API_URL)} hint={`Leave as ${SLACK_API_URL}. Other addresses (a proxy, a test server) work only where the operator of this Accord allows them.`} errors={errors('apiUrl')} />
          </details>
        </fieldset>
        <Field
          label="Signing secret (for /register)"
          name="signingSecret"
          type="password"
          autoComplete="new-password"
          maxLength={128}
          hint={settings.connection?.slashCommandEnabled ? 'A secret is stored; leave empty to keep it.' : 'Basic Information → App Credentials → Signing Secret. Without it, /register is off.'}
          errors={errors('signingSecret')}
        />
        <div>
          <SubmitButton pending={connecting} pendingLabel="Connecting…">
            {connected ? 'Save and reconnect' : 'Connect Slack'}
          </SubmitButton>
        </div>
      </Form>
    </section>
  )
}

function SlashCommand({ settings }: { settings: Settings }) {
  const id = useId()
  return (
    <section className="card" aria-labelledby="slack-command-title">
      <h2 id="slack-command-title">The /register command</h2>
      <p>
        In your Slack app: <strong>Slash Commands → Create New Command</strong>, command <code>/register</code>, and this Request URL. Tick “Escape channels, users, and links”. Partners then register
        a lead without leaving Slack; they get the case number and a link (only they see the answer).
      </p>
      <div className="field">
        <label htmlFor={id}>Request URL</label>
        <input id={id} type="text" readOnly value={settings.slashCommandUrl} onFocus={(event) => event.currentTarget.select()} />
      </div>
      <p className="muted small">
        Format: <code>/register Acme Inc, acme.com, Jane Buyer, jane@acme.com, needs onboarding, consent</code> or <code>company: …; email: …; problem: …; consent: yes</code>. Requests must be signed
        with your signing secret and less than 5 minutes old; a repeated request is refused. The Slack user must have a partner portal account with the same e-mail address.
      </p>
    </section>
  )
}

function PartnerChannels({ settings, result }: { settings: Settings; result: ActionResult }) {
  const pageAction = usePageAction()
  const removing = useSubmitting('remove-partner-channel')
  const saving = useSubmitting('partner-channel')
  return (
    <section className="card" aria-labelledby="slack-partners-title">
      <h2 id="slack-partners-title">Partner shared channels</h2>
      <p className="muted">
        A partner with a shared Slack channel (Slack Connect) can get announcements and updates on their own registrations there. Paste an incoming webhook for that channel. Only that partner’s own cases
        are posted to it.
      </p>
      <div aria-live="polite">
        <FormNotice result={result} intent="remove-partner-channel" />
        <FormError failure={errorsFor(result, 'remove-partner-channel')} />
      </div>
      {settings.partners.length === 0 ? (
        <p className="muted">No partners yet.</p>
      ) : (
        <ul className="stack plain-list">
          {settings.partners.map((partner) => {
            const intent = `partner-channel:${partner.partnerId}`
            const failure = errorsFor(result, intent)
            return (
              <li key={partner.partnerId} className="settings-group">
                <h3 className="wrap-anywhere">
                  {partner.name} {partner.hasChannel ? <Badge tone="success">Channel connected</Badge> : null}
                </h3>
                {partner.hasChannel ? <p className="muted small">{partner.label ?? 'Shared channel'}{partner.updatedAt ? ` · since ${formatDateTime(partner.updatedAt)}` : ''}</p> : null}
                <FormNotice result={result} intent={intent} />
                <details open={Boolean(failure) || undefined}>
                  <summary>{partner.hasChannel ? 'Replace the webhook' : 'Add a shared channel'}</summary>
                  <Form method="post" action={pageAction} className="stack" noValidate autoComplete="off">
                    <input type="hidden" name="intent" value="partner-channel" />
                    <input type="hidden" name="partnerId" value={partner.partnerId} />
                    <FormError failure={failure} />
                    <Field label="Webhook URL" name="webhookUrl" type="password" required autoComplete="new-password" maxLength={500} placeholder="https://hooks.slack.com/services/…" errors={failure?.fieldErrors.webhookUrl} />
                    <InputField label="Channel name" name="label" maxLength={80} placeholder="#acme-partnership" defaultValue={valueOf(failure, 'label', partner.label ?? '')} errors={failure?.fieldErrors.label} />
                    <div>
                      <SubmitButton variant="secondary" pending={saving} pendingLabel="Connecting…">
                        Save channel
                      </SubmitButton>
                    </div>
                  </Form>
                </details>
                {partner.hasChannel ? (
                  <ConfirmAction label="Remove…" confirmLabel={`Yes, remove ${partner.name}’s channel`} pendingLabel="Removing…" pending={removing} intent="remove-partner-channel" hidden={{ partnerId: partner.partnerId }}>
                    Accord stops posting to {partner.name}’s shared channel. The channel itself stays in Slack.
                  </ConfirmAction>
                ) : null}
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}

function RecentMessages({ settings }: { settings: Settings }) {
  if (settings.messages.length === 0) return null
  return (
    <section className="card" aria-labelledby="slack-messages-title">
      <h2 id="slack-messages-title">Recent messages</h2>
      <div className="table-wrap">
        <table className="data">
          <caption className="sr-only">The last {settings.messages.length} Slack messages, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Queued</th>
              <th scope="col">Channel</th>
              <th scope="col">Message</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {settings.messages.map((message) => (
              <tr key={message.id}>
                <td className="nowrap">{formatDateTime(message.created_at)}</td>
                <td>{message.partner_name ?? 'Your channel'}</td>
                <td className="wrap-anywhere">{message.text}</td>
                <td>
                  <Badge tone={message.status === 'sent' ? 'success' : message.status === 'failed' ? 'danger' : 'warning'}>{message.status === 'sent' ? 'Sent' : message.status === 'failed' ? 'Failed' : 'Queued'}</Badge>
                  {message.last_error && message.status !== 'sent' ? <span className="muted small"> {message.last_error}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export default function SlackSettings() {
  const { settings } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  return (
    <>
      <h1>Slack</h1>
      <p className="muted">Post partner announcements and registration updates to Slack, and let partners register leads with /register.</p>
      <FormNotice result={result} intent="connect" />
      <FormNotice result={result} intent="disconnect" />
      <StatusCard settings={settings} result={result} />
      <ConnectForm settings={settings} result={result} />
      {settings.connection ? <SlashCommand settings={settings} /> : null}
      <PartnerChannels settings={settings} result={result} />
      <RecentMessages settings={settings} />
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}

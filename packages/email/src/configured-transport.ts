import { devMailboxEnabled, type EmailEnv, emailEnv } from './env.js'
import { createResendTransport, EmailSendError, type EmailTransport } from './transport.js'

/**
 * Where mail goes, from the environment: Resend when RESEND_API_KEY is set;
 * null (local mode: the dev mailbox stands in for the recipients' inboxes)
 * when the dev mailbox is on; otherwise nowhere — each e-mail is marked
 * failed with a message saying why, instead of being written somewhere
 * nobody reads with its links intact.
 */
export function configuredEmailTransport(env: EmailEnv = emailEnv()): EmailTransport | null {
  if (env.RESEND_API_KEY) return createResendTransport({ apiKey: env.RESEND_API_KEY, baseUrl: env.RESEND_BASE_URL, requestsPerSecond: env.RESEND_REQUESTS_PER_SECOND })
  if (devMailboxEnabled(env)) return null
  return unconfiguredTransport()
}

const NO_PROVIDER = 'No e-mail provider is configured: set RESEND_API_KEY (or DEV_MAILBOX=on on a local machine).'

/** Refuses every message for good: a deployment without a provider must not pretend to send. */
export function unconfiguredTransport(): EmailTransport {
  const refuse = () => Promise.reject(new EmailSendError(NO_PROVIDER, { retryable: false, statusCode: null, code: 'no_provider' }))
  return { name: 'none', send: refuse, sendBatch: refuse }
}

import { type EmailEnv, emailEnv, emailMode } from './env.js'
import { createResendTransport, type EmailTransport } from './transport.js'

/** The transport the environment asks for; null means local mode (outbox + dev mailbox). */
export function configuredEmailTransport(env: EmailEnv = emailEnv()): EmailTransport | null {
  if (emailMode(env) === 'local' || !env.RESEND_API_KEY) return null
  return createResendTransport({ apiKey: env.RESEND_API_KEY, baseUrl: env.RESEND_BASE_URL })
}

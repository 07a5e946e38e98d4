import { isLocalUrl, optionalString, parseEnv, z } from '@accord/config/env'

const DEFAULT_FROM = 'Accord <no-reply@accord.localhost>'

const schema = z
  .object({
    /** Resend API key. Unset → e-mails go to the outbox and the dev mailbox page only. */
    RESEND_API_KEY: optionalString,
    /** Resend API base URL; for tests and self-hosted proxies. */
    RESEND_BASE_URL: optionalString.pipe(z.string().url().optional()),
    /** Sender for every outgoing e-mail, e.g. `Acme Partners <partners@acme.com>`. */
    EMAIL_FROM: optionalString.transform((value) => value ?? DEFAULT_FROM),
    /**
     * `on` shows the dev mailbox page (every local e-mail, links included, no
     * sign-in). Only the local dev stack turns it on; a deployment without
     * RESEND_API_KEY keeps mail in the outbox but never exposes it.
     */
    DEV_MAILBOX: z.enum(['on', 'off']).default('off'),
    /** Domain of the registration addresses partners write to: `registrations+<workspace>@<domain>`. */
    INBOUND_EMAIL_DOMAIN: optionalString.transform((value) => value ?? 'inbound.accord.localhost'),
    /** Bearer token an MTA or relay must send when posting raw mail to /api/inbound/email. */
    INBOUND_EMAIL_TOKEN: optionalString,
    /** Resend webhook signing secret (`whsec_…`); Resend's `email.received` webhooks are verified with it. */
    RESEND_WEBHOOK_SECRET: optionalString,
    /**
     * The authserv-id your receiving mail host writes into Authentication-Results
     * (e.g. `mx.example.com`; several comma-separated). Registration by e-mail
     * trusts a sender's DKIM/DMARC pass only from these. Unset: every
     * registration mail waits for the one-click confirmation by the account holder.
     */
    INBOUND_AUTHSERV_ID: optionalString.transform((value) =>
      (value ?? '')
        .split(',')
        .map((id) => id.trim().toLowerCase())
        .filter((id) => id !== ''),
    ),
    /** Requests per second the Resend API key may make (Resend's default is 2); every worker process together stays under it. */
    RESEND_REQUESTS_PER_SECOND: z.coerce.number().positive().max(1000).default(2),
    /** Days a sent (or failed) e-mail stays in the outbox before the housekeeping job deletes it. */
    EMAIL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /** Minutes the dev mailbox keeps one-time links usable before they are replaced by a placeholder. */
    DEV_MAILBOX_LINK_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
    /** Public URL of the admin app, which serves the dev mailbox (the same variable core uses). */
    ADMIN_URL: z.string().url().default('http://localhost:3000'),
  })
  .superRefine((env, ctx) => {
    // The dev mailbox shows every e-mail, sign-in and reset links included, without sign-in: only on this machine, whatever the profile.
    if (env.DEV_MAILBOX === 'on' && !isLocalUrl(env.ADMIN_URL)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['DEV_MAILBOX'], message: `must be off when ADMIN_URL (${env.ADMIN_URL}) is not a localhost address: the dev mailbox would publish every sign-in and reset link` })
    }
  })

export type EmailEnv = z.infer<typeof schema>

/** Parse a given environment (tests); `emailEnv()` is the cached process one. */
export function parseEmailEnv(source?: Record<string, string | undefined>): EmailEnv {
  return parseEnv('@accord/email', schema, source)
}

let cached: EmailEnv | undefined
export function emailEnv(): EmailEnv {
  cached ??= parseEmailEnv()
  return cached
}

export type EmailMode = 'resend' | 'local'

/** Resend when a key is configured; otherwise the local outbox + dev mailbox. */
export function emailMode(env: EmailEnv = emailEnv()): EmailMode {
  return env.RESEND_API_KEY ? 'resend' : 'local'
}

/** The dev mailbox page is served only in local e-mail mode and when explicitly switched on. */
export function devMailboxEnabled(env: EmailEnv = emailEnv()): boolean {
  return emailMode(env) === 'local' && env.DEV_MAILBOX === 'on'
}

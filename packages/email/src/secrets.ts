import type { EmailTemplate, EmailTemplateName } from './render.js'

/**
 * One-time secrets in e-mails (sign-in, reset, invitation and verification
 * links, announcement acknowledgement tokens) are only needed until the
 * message is handed over. The stored copy then has them replaced by this
 * placeholder (in the database: `email_redact()`), so a database read, a
 * backup or a support screen never holds a usable link.
 */
export const SENT_LINK_PLACEHOLDER = '[link sent — no longer shown]'

/** Mail people wait for right now (they just asked for it); everything else is a notification. */
const TRANSACTIONAL: ReadonlySet<EmailTemplateName> = new Set(['verify-email', 'password-reset', 'staff-invitation', 'partner-invitation', 'magic-link'])

export type EmailStream = 'transactional' | 'bulk'

/** Transactional mail goes out one by one ahead of everything else; bulk mail in per-workspace batches. */
export function emailStreamOf(template: EmailTemplateName | string): EmailStream {
  return TRANSACTIONAL.has(template as EmailTemplateName) ? 'transactional' : 'bulk'
}

/** The secret-bearing links of a template's props (announcements add their tokens themselves). */
export function oneTimeSecretsOf(template: EmailTemplate): string[] {
  switch (template.name) {
    case 'verify-email':
      return [template.props.verifyUrl]
    case 'password-reset':
      return [template.props.resetUrl]
    case 'staff-invitation':
    case 'partner-invitation':
      return [template.props.acceptUrl]
    case 'magic-link':
      return [template.props.signInUrl]
    default:
      return []
  }
}

// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { render, toPlainText } from '@react-email/render'
import type { ReactElement } from 'react'
import { Announcement, type AnnouncementProps, announcementSubject } from './templates/announcement.js'
import { MagicLink, type MagicLinkProps, magicLinkSubject } from './templates/magic-link.js'
import { PartnerInvitation, type PartnerInvitationProps, partnerInvitationSubject } from './templates/partner-invitation.js'
import { PasswordReset, type PasswordResetProps, passwordResetSubject } from './templates/password-reset.js'
import { RegistrationUpdate, type RegistrationUpdateProps, registrationUpdateSubject } from './templates/registration-update.js'
import { StaffInvitation, type StaffInvitationProps, staffInvitationSubject } from './templates/staff-invitation.js'
import { VerifyEmail, type VerifyEmailProps, verifyEmailSubject } from './templates/verify-email.js'

/** Every e-mail the product sends: a template name and exactly that template's props. */
export type EmailTemplate =
  | { name: 'verify-email'; props: VerifyEmailProps }
  | { name: 'password-reset'; props: PasswordResetProps }
  | { name: 'staff-invitation'; props: StaffInvitationProps }
  | { name: 'partner-invitation'; props: PartnerInvitationProps }
  | { name: 'magic-link'; props: MagicLinkProps }
  | { name: 'registration-update'; props: RegistrationUpdateProps }
  | { name: 'announcement'; props: AnnouncementProps }

export type EmailTemplateName = EmailTemplate['name']

export interface RenderedEmail {
  subject: string
  html: string
  text: string
}

function compose(template: EmailTemplate): { subject: string; element: ReactElement } {
  switch (template.name) {
    case 'verify-email':
      return { subject: verifyEmailSubject(template.props), element: <VerifyEmail {...template.props} /> }
    case 'password-reset':
      return { subject: passwordResetSubject(template.props), element: <PasswordReset {...template.props} /> }
    case 'staff-invitation':
      return { subject: staffInvitationSubject(template.props), element: <StaffInvitation {...template.props} /> }
    case 'partner-invitation':
      return { subject: partnerInvitationSubject(template.props), element: <PartnerInvitation {...template.props} /> }
    case 'magic-link':
      return { subject: magicLinkSubject(template.props), element: <MagicLink {...template.props} /> }
    case 'registration-update':
      return { subject: registrationUpdateSubject(template.props), element: <RegistrationUpdate {...template.props} /> }
    case 'announcement':
      return { subject: announcementSubject(template.props), element: <Announcement {...template.props} /> }
    default: {
      const unknown: never = template
      throw new Error(`Unknown e-mail template: ${(unknown as { name: string }).name}`)
    }
  }
}

/**
 * HTML and plain-text parts plus the subject. The text part is derived from the
 * rendered HTML (what render's `plainText` option does, without rendering twice),
 * so both always say the same thing.
 */
export async function renderEmail(template: EmailTemplate): Promise<RenderedEmail> {
  const { subject, element } = compose(template)
  // render() decodes its stream chunk by chunk and can cut a multi-byte character of
  // the preview padding in two, leaving NUL bytes that Postgres text rejects.
  const html = (await render(element)).replace(/\u0000/g, '')
  return { subject, html, text: toPlainText(html) }
}

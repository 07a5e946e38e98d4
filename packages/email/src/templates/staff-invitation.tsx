// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { assertWebUrl, type Brand, formatExpiry, oneLine } from './brand.js'
import { ActionButton, EmailLayout, Paragraph, SmallPrint } from './layout.js'

export interface StaffInvitationProps {
  brand: Brand
  inviterName: string
  recipientName: string | null
  /** Human label, e.g. "Partner manager". */
  role: string
  acceptUrl: string
  /** ISO 8601 */
  expiresAt: string
}

export function staffInvitationSubject({ brand, inviterName }: StaffInvitationProps): string {
  return oneLine(`${inviterName} invited you to join ${brand.name}`)
}

export function StaffInvitation({ brand, inviterName, recipientName, role, acceptUrl, expiresAt }: StaffInvitationProps) {
  return (
    <EmailLayout
      brand={brand}
      preview={`${inviterName} invited you to manage the ${brand.name} partner programme.`}
      heading={`Join ${brand.name}`}
      reason="You received this e-mail because someone invited this address to a workspace."
    >
      <Paragraph>Hi {recipientName ?? 'there'},</Paragraph>
      <Paragraph>
        {inviterName} has invited you to join the {brand.name} workspace as <strong>{role}</strong>, where the team runs its partner programme.
      </Paragraph>
      <ActionButton brand={brand} href={assertWebUrl(acceptUrl, 'acceptUrl')} label="Accept invitation" />
      <SmallPrint>This invitation expires on {formatExpiry(expiresAt)}.</SmallPrint>
      <SmallPrint>If you weren't expecting it, you can ignore this e-mail.</SmallPrint>
    </EmailLayout>
  )
}

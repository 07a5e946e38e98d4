// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { assertWebUrl, type Brand, formatExpiry, oneLine } from './brand.js'
import { ActionButton, EmailLayout, Paragraph, SmallPrint } from './layout.js'

export interface PartnerInvitationProps {
  brand: Brand
  inviterName: string
  /** The partner organisation the recipient will belong to. */
  partnerName: string
  recipientName: string | null
  /** Human label, e.g. "Sales". */
  role: string
  acceptUrl: string
  /** ISO 8601 */
  expiresAt: string
}

export function partnerInvitationSubject({ brand, inviterName }: PartnerInvitationProps): string {
  return oneLine(`${inviterName} invited you to the ${brand.name} partner portal`)
}

export function PartnerInvitation({ brand, inviterName, partnerName, recipientName, role, acceptUrl, expiresAt }: PartnerInvitationProps) {
  return (
    <EmailLayout
      brand={brand}
      preview={`Join ${partnerName} on the ${brand.name} partner portal.`}
      heading={`You're invited to the ${brand.name} partner portal`}
      reason="You received this e-mail because someone invited this address to a partner portal."
    >
      <Paragraph>Hi {recipientName ?? 'there'},</Paragraph>
      <Paragraph>
        {inviterName} has invited you to join <strong>{partnerName}</strong> on the {brand.name} partner portal as <strong>{role}</strong>. There you can register deals, follow
        your pipeline and find sales resources.
      </Paragraph>
      <ActionButton brand={brand} href={assertWebUrl(acceptUrl, 'acceptUrl')} label="Accept invitation" />
      <SmallPrint>This invitation expires on {formatExpiry(expiresAt)}.</SmallPrint>
      <SmallPrint>If you weren't expecting it, you can ignore this e-mail.</SmallPrint>
    </EmailLayout>
  )
}

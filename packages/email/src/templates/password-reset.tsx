// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { assertWebUrl, type Brand, formatDuration, oneLine } from './brand.js'
import { ActionButton, EmailLayout, Paragraph, SmallPrint } from './layout.js'

export interface PasswordResetProps {
  brand: Brand
  recipientName: string
  resetUrl: string
  expiresInMinutes: number
}

export function passwordResetSubject({ brand }: PasswordResetProps): string {
  return oneLine(`Reset your ${brand.name} password`)
}

export function PasswordReset({ brand, recipientName, resetUrl, expiresInMinutes }: PasswordResetProps) {
  const validFor = formatDuration(expiresInMinutes)
  return (
    <EmailLayout
      brand={brand}
      preview={`Choose a new password. The link works for ${validFor}.`}
      heading="Reset your password"
      reason="You received this e-mail because a password reset was requested for your account."
    >
      <Paragraph>Hi {recipientName},</Paragraph>
      <Paragraph>We received a request to reset the password of your {brand.name} account. Choose a new one with the button below.</Paragraph>
      <ActionButton brand={brand} href={assertWebUrl(resetUrl, 'resetUrl')} label="Choose a new password" />
      <SmallPrint>This link works once and expires in {validFor}.</SmallPrint>
      <SmallPrint>If you didn't ask to reset your password, you can ignore this e-mail: your password stays the same.</SmallPrint>
    </EmailLayout>
  )
}

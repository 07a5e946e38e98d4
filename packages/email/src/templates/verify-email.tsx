// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { assertWebUrl, type Brand, oneLine } from './brand.js'
import { ActionButton, EmailLayout, Paragraph, SmallPrint } from './layout.js'

export interface VerifyEmailProps {
  brand: Brand
  recipientName: string
  verifyUrl: string
}

export function verifyEmailSubject({ brand }: VerifyEmailProps): string {
  return oneLine(`Confirm your e-mail address for ${brand.name}`)
}

export function VerifyEmail({ brand, recipientName, verifyUrl }: VerifyEmailProps) {
  return (
    <EmailLayout
      brand={brand}
      preview={`One click to confirm your e-mail address for ${brand.name}.`}
      heading="Confirm your e-mail address"
      reason="You received this e-mail because this address was used to create an account."
    >
      <Paragraph>Hi {recipientName},</Paragraph>
      <Paragraph>Welcome to {brand.name}! Please confirm that this is your e-mail address, so we can keep your account secure and reach you when it matters.</Paragraph>
      <ActionButton brand={brand} href={assertWebUrl(verifyUrl, 'verifyUrl')} label="Confirm e-mail address" />
      <SmallPrint>If you didn't create an account, you can safely ignore this e-mail.</SmallPrint>
    </EmailLayout>
  )
}

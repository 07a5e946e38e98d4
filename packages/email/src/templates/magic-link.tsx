// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { assertWebUrl, type Brand, formatDuration, oneLine } from './brand.js'
import { ActionButton, EmailLayout, Paragraph, SmallPrint } from './layout.js'

export interface MagicLinkProps {
  brand: Brand
  recipientName: string
  signInUrl: string
  expiresInMinutes: number
}

export function magicLinkSubject({ brand }: MagicLinkProps): string {
  return oneLine(`Your sign-in link for ${brand.name}`)
}

export function MagicLink({ brand, recipientName, signInUrl, expiresInMinutes }: MagicLinkProps) {
  const validFor = formatDuration(expiresInMinutes)
  return (
    <EmailLayout
      brand={brand}
      preview={`Sign in to ${brand.name} with one click. The link works for ${validFor}.`}
      heading={`Sign in to ${brand.name}`}
      reason="You received this e-mail because a sign-in link was requested for this address."
    >
      <Paragraph>Hi {recipientName},</Paragraph>
      <Paragraph>Here is your sign-in link. No password needed: just click the button below.</Paragraph>
      <ActionButton brand={brand} href={assertWebUrl(signInUrl, 'signInUrl')} label={`Sign in to ${brand.name}`} />
      <SmallPrint>This link works once and expires in {validFor}.</SmallPrint>
      <SmallPrint>If you didn't ask for this link, you can safely ignore this e-mail.</SmallPrint>
    </EmailLayout>
  )
}

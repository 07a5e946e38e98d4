// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { Img, Link, Section } from '@react-email/components'
import { type Brand, oneLine } from './brand.js'
import { ActionButton, EmailLayout, Paragraph, SmallPrint } from './layout.js'

/**
 * An announcement to partner users. Rendered once per announcement with
 * placeholders that core replaces per recipient (acknowledgement link, open
 * pixel, portal link), so a fan-out to 50,000 people renders one e-mail, not
 * 50,000. `bodyHtml` was sanitised on the server when the announcement was saved.
 */
export interface AnnouncementProps {
  brand: Brand
  title: string
  bodyHtml: string
  /** "Please acknowledge by 12 December 2026." or null when no acknowledgement is needed. */
  acknowledgement: { url: string; dueText: string | null } | null
  portalUrl: string
  openPixelUrl: string
}

export const ANNOUNCEMENT_PLACEHOLDERS = {
  acknowledgeUrl: 'https://accord.placeholder/acknowledge',
  openPixelUrl: 'https://accord.placeholder/open.gif',
  portalUrl: 'https://accord.placeholder/portal',
} as const

export function announcementSubject({ title }: AnnouncementProps): string {
  return oneLine(title)
}

export function Announcement({ brand, title, bodyHtml, acknowledgement, portalUrl, openPixelUrl }: AnnouncementProps) {
  return (
    <EmailLayout brand={brand} preview={title} heading={title} reason="You get this because you work with us as a partner.">
      <Section>
        <div dangerouslySetInnerHTML={{ __html: bodyHtml }} style={{ fontSize: '15px', lineHeight: '24px', color: '#111827' }} />
      </Section>
      {acknowledgement ? (
        <>
          <Paragraph>{acknowledgement.dueText ?? 'Please confirm that you have read this.'}</Paragraph>
          <ActionButton brand={brand} href={acknowledgement.url} label="I have read this" />
          <SmallPrint>
            The button confirms for you alone; no sign-in needed. You can also <Link href={portalUrl}>read it in the partner portal</Link>.
          </SmallPrint>
        </>
      ) : (
        <ActionButton brand={brand} href={portalUrl} label="Open the partner portal" />
      )}
      <Img src={openPixelUrl} alt="" width="1" height="1" style={{ display: 'block', width: '1px', height: '1px', border: '0' }} />
    </EmailLayout>
  )
}

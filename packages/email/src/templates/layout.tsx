// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { Body, Button, Container, Head, Heading, Hr, Html, Img, Link, Preview, Section, Text } from '@react-email/components'
import type { CSSProperties, ReactNode } from 'react'
import { type Brand, brandColor, textColorOn } from './brand.js'

const fontStack = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

const styles = {
  body: { backgroundColor: '#f3f4f6', fontFamily: fontStack, margin: 0, padding: '24px 0' },
  container: { maxWidth: '560px', margin: '0 auto', padding: '0 12px' },
  header: { padding: '8px 0 16px' },
  wordmark: { fontSize: '20px', fontWeight: 700, color: '#111827', margin: 0 },
  card: { backgroundColor: '#ffffff', borderRadius: '8px', padding: '32px', borderTopWidth: '4px', borderTopStyle: 'solid' },
  heading: { fontSize: '22px', lineHeight: '30px', fontWeight: 700, color: '#111827', margin: '0 0 16px' },
  paragraph: { fontSize: '16px', lineHeight: '24px', color: '#374151', margin: '0 0 16px' },
  buttonSection: { padding: '8px 0 24px' },
  button: { borderRadius: '6px', padding: '12px 24px', fontSize: '16px', fontWeight: 600, textDecoration: 'none', display: 'inline-block' },
  small: { fontSize: '14px', lineHeight: '20px', color: '#4b5563', margin: '0 0 8px' },
  rawLink: { fontSize: '14px', lineHeight: '20px', wordBreak: 'break-all' },
  hr: { borderColor: '#e5e7eb', margin: '24px 0 16px' },
  footer: { fontSize: '12px', lineHeight: '18px', color: '#6b7280', margin: '16px 0 0', textAlign: 'center' },
} satisfies Record<string, CSSProperties>

export interface EmailLayoutProps {
  brand: Brand
  /** Inbox preview line (hidden in the body and skipped in the plain-text part). */
  preview: string
  heading: string
  /** Why the recipient got this e-mail, for the footer. */
  reason: string
  children: ReactNode
}

/** The shared frame: tenant logo or name, a card with a brand-coloured top edge, a footer. */
export function EmailLayout({ brand, preview, heading, reason, children }: EmailLayoutProps) {
  const color = brandColor(brand)
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="color-scheme" content="light" />
        <meta name="supported-color-schemes" content="light" />
        <title>{heading}</title>
      </Head>
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Section style={styles.header}>
            {brand.logoUrl ? (
              <Img src={brand.logoUrl} alt={brand.name} height="40" style={{ height: '40px', width: 'auto', maxWidth: '240px' }} />
            ) : (
              <Text style={styles.wordmark}>{brand.name}</Text>
            )}
          </Section>
          <Section style={{ ...styles.card, borderTopColor: color }}>
            <Heading as="h1" style={styles.heading}>
              {heading}
            </Heading>
            {children}
          </Section>
          <Text style={styles.footer}>
            {reason} Sent by {brand.name}
            {brand.supportEmail ? (
              <>
                {' '}
                · Questions? Write to <Link href={`mailto:${brand.supportEmail}`} style={{ color: '#4b5563' }}>{brand.supportEmail}</Link>
              </>
            ) : null}
            .
          </Text>
        </Container>
      </Body>
    </Html>
  )
}

export function Paragraph({ children }: { children: ReactNode }) {
  return <Text style={styles.paragraph}>{children}</Text>
}

export function SmallPrint({ children }: { children: ReactNode }) {
  return <Text style={styles.small}>{children}</Text>
}

/** The one call to action, in the brand colour, followed by the raw link for clients that hide buttons. */
export function ActionButton({ brand, href, label }: { brand: Brand; href: string; label: string }) {
  const color = brandColor(brand)
  // A light brand colour is fine behind dark button text but unreadable as link text on white.
  const linkColor = textColorOn(color) === '#ffffff' ? color : '#1f2937'
  return (
    <>
      <Section style={styles.buttonSection}>
        <Button href={href} style={{ ...styles.button, backgroundColor: color, color: textColorOn(color) }}>
          {label}
        </Button>
      </Section>
      {/* The plain-text part already shows the URL next to the button label, so skip the fallback there. */}
      <Text style={styles.small} data-skip-in-text="true">
        If the button doesn't work, copy and paste this link into your browser:
      </Text>
      <Text style={styles.small} data-skip-in-text="true">
        <Link href={href} style={{ ...styles.rawLink, color: linkColor }}>
          {href}
        </Link>
      </Text>
      <Hr style={styles.hr} />
    </>
  )
}

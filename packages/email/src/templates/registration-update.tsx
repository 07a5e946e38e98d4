// React in scope: tsx and other runners may compile this JSX in classic mode.
import React from 'react'
import { Section, Text } from '@react-email/components'
import { assertWebUrl, type Brand, oneLine } from './brand.js'
import { ActionButton, EmailLayout, Paragraph, SmallPrint } from './layout.js'

/**
 * Every registration e-mail — to the partner on each status change, to staff
 * for reviews, SLA reminders and escalations — is one layout: a headline, a
 * few sentences, the facts as label/value rows, one action. The caller
 * (core) writes the words, so wording lives next to the rule that sends it.
 */
export interface RegistrationUpdateProps {
  brand: Brand
  recipientName: string
  /** "R-1042" */
  caseReference: string
  companyName: string
  /** Subject and heading, e.g. "Approved: Acme (R-1042)". */
  headline: string
  paragraphs: string[]
  facts: Array<{ label: string; value: string }>
  action: { url: string; label: string } | null
  /** Footer: why this person got the e-mail. */
  reason: string
  /** e.g. "Reply to this e-mail to add information; your reply is added to the case." */
  note?: string | null
}

export function registrationUpdateSubject({ headline }: RegistrationUpdateProps): string {
  return oneLine(headline)
}

const factLabel = { fontSize: '13px', lineHeight: '18px', color: '#6b7280', margin: '0' }
const factValue = { fontSize: '15px', lineHeight: '22px', color: '#111827', margin: '0 0 10px', whiteSpace: 'pre-wrap' as const }

export function RegistrationUpdate(props: RegistrationUpdateProps) {
  const { brand, recipientName, headline, paragraphs, facts, action, reason, note } = props
  return (
    <EmailLayout brand={brand} preview={paragraphs[0] ?? headline} heading={headline} reason={reason}>
      <Paragraph>Hi {recipientName},</Paragraph>
      {paragraphs.map((paragraph, index) => (
        <Paragraph key={index}>{paragraph}</Paragraph>
      ))}
      {facts.length > 0 ? (
        <Section style={{ padding: '4px 0 12px' }}>
          {facts.map((fact) => (
            <React.Fragment key={fact.label}>
              <Text style={factLabel}>{fact.label}</Text>
              <Text style={factValue}>{fact.value}</Text>
            </React.Fragment>
          ))}
        </Section>
      ) : null}
      {action ? <ActionButton brand={brand} href={assertWebUrl(action.url, 'action.url')} label={action.label} /> : null}
      {note ? <SmallPrint>{note}</SmallPrint> : null}
    </EmailLayout>
  )
}

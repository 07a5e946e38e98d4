import { describe, expect, it } from 'vitest'
import { type EmailTemplate, renderEmail } from './render.js'
import type { Brand } from './templates/brand.js'

const brand: Brand = { name: 'Acme Partners', logoUrl: 'https://acme.test/logo.png', primaryColor: '#0f766e', supportEmail: 'partners@acme.test' }

const templates: EmailTemplate[] = [
  { name: 'verify-email', props: { brand, recipientName: 'Ada', verifyUrl: 'https://admin.test/verify-email/tok1' } },
  { name: 'password-reset', props: { brand, recipientName: 'Ada', resetUrl: 'https://admin.test/reset-password/tok2', expiresInMinutes: 60 } },
  { name: 'staff-invitation', props: { brand, inviterName: 'Grace', recipientName: null, role: 'Partner manager', acceptUrl: 'https://admin.test/invite/tok3', expiresAt: '2026-11-30T14:30:00.000Z' } },
  { name: 'partner-invitation', props: { brand, inviterName: 'Grace', partnerName: 'Globex', recipientName: 'Ada', role: 'Sales', acceptUrl: 'https://portal.test/t/acme/invite/tok4', expiresAt: '2026-11-30T14:30:00.000Z' } },
  { name: 'magic-link', props: { brand, recipientName: 'Ada', signInUrl: 'https://portal.test/t/acme/magic/tok5', expiresInMinutes: 15 } },
]

function linkOf(template: EmailTemplate): string {
  const props = template.props as unknown as Record<string, string>
  return props.verifyUrl ?? props.resetUrl ?? props.acceptUrl ?? props.signInUrl ?? ''
}

describe('renderEmail', () => {
  it.each(templates.map((template) => [template.name, template] as const))('%s: subject, branded HTML with button and raw link, plain text', async (_name, template) => {
    const email = await renderEmail(template)
    const link = linkOf(template)
    expect(email.subject).toContain('Acme Partners')
    expect(email.html).toMatch(/<html[^>]* lang="en"/)
    expect(email.html).toContain('alt="Acme Partners"')
    expect(email.html).toContain('#0f766e')
    // Button and raw link both point at the URL.
    expect(email.html.split(`href="${link}"`).length - 1).toBeGreaterThanOrEqual(2)
    expect(email.text).toContain(link)
    expect(email.text).toContain('partners@acme.test')
    expect(email.text).not.toContain('<')
  })

  it('formats expiry and validity for people', async () => {
    const invitation = await renderEmail(templates[2] as EmailTemplate)
    expect(invitation.text).toContain('30 November 2026 at 14:30 UTC')
    expect(invitation.text).toContain('Hi there,')
    const reset = await renderEmail(templates[1] as EmailTemplate)
    expect(reset.text).toContain('expires in 1 hour')
    const magic = await renderEmail(templates[4] as EmailTemplate)
    expect(magic.text).toContain('expires in 15 minutes')
  })

  it('escapes tenant-controlled text and refuses unsafe colours and links', async () => {
    const hostile: Brand = { name: '<script>alert(1)</script>', logoUrl: null, primaryColor: 'red;background:url(x)', supportEmail: null }
    const email = await renderEmail({ name: 'verify-email', props: { brand: hostile, recipientName: '<b>Eve</b>', verifyUrl: 'https://admin.test/v/1' } })
    expect(email.html).not.toContain('<script>')
    expect(email.html).not.toContain('<b>Eve</b>')
    expect(email.html).not.toContain('url(x)')
    expect(email.html).toContain('#2563eb')
    await expect(renderEmail({ name: 'verify-email', props: { brand, recipientName: 'Eve', verifyUrl: 'javascript:alert(1)' } })).rejects.toThrow(/http/)
  })

  it('keeps the subject on one line', async () => {
    const email = await renderEmail({ name: 'magic-link', props: { brand: { ...brand, name: 'Acme\r\nBcc: x@y.z' }, recipientName: 'Ada', signInUrl: 'https://portal.test/m', expiresInMinutes: 15 } })
    expect(email.subject).not.toMatch(/[\r\n]/)
  })

  it('uses dark button text on a light brand colour', async () => {
    const email = await renderEmail({ name: 'magic-link', props: { brand: { ...brand, primaryColor: '#fde047' }, recipientName: 'Ada', signInUrl: 'https://portal.test/m', expiresInMinutes: 15 } })
    expect(email.html).toMatch(/background-color:#fde047;color:#111827/)
  })
})

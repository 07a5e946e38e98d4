import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { timed } from '../testing/timing.js'
import {
  extractRegistrationFields,
  firstEmailAddress,
  htmlToPlainText,
  matchLabelLine,
  parseAuthenticationResults,
  parseRawMail,
  parseResendInbound,
  registrationMailTemplate,
  resendEmailIdToFetch,
  senderAuthentication,
  type InboundMail,
} from './inbound-email.js'
import { registrationFieldsSchema } from './input.js'

/** RFC 822 wants CRLF line ends; the fixtures are written as lines. */
const rfc822 = (...lines: string[]) => lines.join('\r\n')

/** Base64 body lines of at most 76 characters, as mail clients write them. */
const base64Lines = (text: string) => Buffer.from(text, 'utf8').toString('base64').match(/.{1,76}/g) ?? []

const mail = (text: string, overrides: Partial<InboundMail> = {}): InboundMail => ({
  from: { email: 'jane@partner.example', name: 'Jane Partner' },
  to: ['leads@vendor.accord.test'],
  subject: 'New registration',
  messageId: '<m1@partner.example>',
  inReplyTo: null,
  text,
  ...overrides,
})

const TODAY = '2026-11-23'

describe('parseRawMail', () => {
  it('decodes an ISO-8859-1 quoted-printable German mail', async () => {
    const raw = rfc822(
      'Return-Path: <juergen@partner-firma.de>',
      'From: =?ISO-8859-1?Q?J=FCrgen_Stra=DFer?= <Juergen.Strasser@Partner-Firma.DE>',
      'To: Leads <Leads@Vendor.Accord.test>',
      'Subject: =?ISO-8859-1?Q?Registrierung:_M=FCller_GmbH?=',
      'Date: Mon, 23 Nov 2026 09:15:00 +0100',
      'Message-ID: <20261123091500.4711@partner-firma.de>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset="ISO-8859-1"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Hallo zusammen,',
      '',
      'Firma: M=FCller GmbH',
      'Webseite: www.mueller-gmbh.de',
      'Ansprechpartner: Hans M=FCller',
      'E-Mail: Hans.Mueller@mueller-gmbh.de',
      'Rolle: Gesch=E4ftsf=FChrer',
      'Bedarf: Sie suchen eine L=F6sung f=FCr die Verwaltung von 40 Vertriebspartne=',
      'rn, heute l=E4uft alles =FCber Excel.',
      'Phase: Budget freigegeben',
      'Einwilligung: ja',
      'Betrag: 48.500 =80',
      'Abschluss: 31.03.2027',
      'N=E4chster Schritt: Demo im Januar',
      '',
      'Viele Gr=FC=DFe',
      'J=FCrgen Stra=DFer',
      'Partner Firma AG',
      '',
    )
    const parsed = await parseRawMail(Buffer.from(raw, 'latin1'))
    expect(parsed.from).toEqual({ email: 'juergen.strasser@partner-firma.de', name: 'Jürgen Straßer' })
    expect(parsed.to).toEqual(['leads@vendor.accord.test'])
    expect(parsed.subject).toBe('Registrierung: Müller GmbH')
    expect(parsed.messageId).toBe('<20261123091500.4711@partner-firma.de>')
    expect(parsed.inReplyTo).toBeNull()
    expect(parsed.text).toContain('Firma: Müller GmbH')
    expect(parsed.text).toContain('Betrag: 48.500 €')

    const result = extractRegistrationFields(parsed)
    expect(result.fields).toEqual({
      kind: 'deal',
      companyName: 'Müller GmbH',
      website: 'www.mueller-gmbh.de',
      contactName: 'Hans Müller',
      contactEmail: 'hans.mueller@mueller-gmbh.de',
      contactRole: 'Geschäftsführer',
      problem: 'Sie suchen eine Lösung für die Verwaltung von 40 Vertriebspartnern, heute läuft alles über Excel.',
      stageGuess: 'budget_approved',
      consent: 'yes',
      amount: '48500',
      currency: 'EUR',
      expectedClose: '31.03.2027',
      nextStep: 'Demo im Januar',
    })
    expect(result.missing).toEqual([])
    expect(result.unrecognisedLines).toBe(0)

    const validated = registrationFieldsSchema(TODAY).safeParse(result.fields)
    expect(validated.success).toBe(true)
    if (validated.success) expect(validated.data).toMatchObject({ kind: 'deal', amount: 48500, currency: 'EUR', expectedClose: '2027-03-31', consent: true })
  })

  it('decodes a base64 UTF-8 mail with emoji', async () => {
    const body = [
      'Hi Accord team 👋,',
      '',
      'Company: Rakete Labs 🚀',
      'Website: https://rakete-labs.example',
      'Contact name: Zoë Ørsted',
      'Contact e-mail: zoe@rakete-labs.example',
      'Problem: Partner onboarding takes weeks — they want self-service 📈',
      'Consent: yes ✅',
      'Products: Portal, Deal registration',
      '',
    ].join('\r\n')
    const raw = rfc822(
      'From: Jane Partner <jane@partner.example>',
      'To: leads@vendor.accord.test, "Sales" <sales@vendor.accord.test>',
      'Subject: =?UTF-8?B?TmV3IGxlYWQg8J+agA==?=',
      'Message-ID: <emoji-1@partner.example>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      ...base64Lines(body),
      '',
    )
    const parsed = await parseRawMail(raw)
    expect(parsed.subject).toBe('New lead 🚀')
    expect(parsed.to).toEqual(['leads@vendor.accord.test', 'sales@vendor.accord.test'])
    expect(parsed.text).toContain('Rakete Labs 🚀')

    const result = extractRegistrationFields(parsed)
    expect(result.fields).toEqual({
      companyName: 'Rakete Labs 🚀',
      website: 'https://rakete-labs.example',
      contactName: 'Zoë Ørsted',
      contactEmail: 'zoe@rakete-labs.example',
      problem: 'Partner onboarding takes weeks — they want self-service 📈',
      consent: 'yes',
      productInterest: 'Portal, Deal registration',
    })
    expect(result.missing).toEqual([])
  })

  it('derives text from the HTML part of an HTML-only multipart/alternative mail', async () => {
    const html = [
      '<html><head><style>p { margin: 0 }</style><title>Lead</title></head><body>',
      '<div dir="ltr"><div>Hello,</div><div><br></div>',
      '<table><tr><td><b>Company</b></td><td>Gr&uuml;n &amp; Partner KG</td></tr>',
      '<tr><td>Contact name</td><td>Petra Gr&uuml;n</td></tr></table>',
      '<p>Contact e-mail: <a href="mailto:petra@gruen-partner.example">petra@gruen-partner.example</a></p>',
      '<p>Website: <a href="https://gruen-partner.example">gruen-partner.example</a></p>',
      '<p>Problem: They sell through 120&nbsp;resellers&#8212;no portal yet.<br>',
      'Renewal of their current tool is due in &#x51;2.</p>',
      '<p>Consent: Yes</p><p>Deal size: &euro;&nbsp;25k</p>',
      '<div class="gmail_quote"><div class="gmail_attr">On Fri, 20 Nov 2026 at 17:02, Accord &lt;leads@vendor.accord.test&gt; wrote:<br></div>',
      '<blockquote class="gmail_quote"><div>Company: Quoted Corp</div><div>Consent: no</div></blockquote></div>',
      '</div></body></html>',
    ].join('\r\n')
    const raw = rfc822(
      'From: "Grün, Petra" <Petra@Partner.example>',
      'To: leads@vendor.accord.test',
      'Subject: Re: Lead',
      'Message-ID: <html-only@partner.example>',
      'In-Reply-To: <reply-1@vendor.accord.test>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="alt-boundary"',
      '',
      '--alt-boundary',
      'Content-Type: text/html; charset=windows-1252',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      ...html.replace(/=/g, '=3D').split('\r\n'),
      '--alt-boundary--',
      '',
    )
    const parsed = await parseRawMail(raw)
    expect(parsed.from).toEqual({ email: 'petra@partner.example', name: 'Grün, Petra' })
    expect(parsed.inReplyTo).toBe('<reply-1@vendor.accord.test>')
    expect(parsed.text).not.toMatch(/<\/?[a-z]+[\s>]|&[a-z]+;|p \{/i)
    expect(parsed.text).toContain('Company\tGrün & Partner KG')
    expect(parsed.text).toContain('> Company: Quoted Corp')

    const result = extractRegistrationFields(parsed)
    expect(result.fields).toEqual({
      kind: 'deal',
      companyName: 'Grün & Partner KG',
      contactName: 'Petra Grün',
      contactEmail: 'petra@gruen-partner.example',
      website: 'gruen-partner.example',
      problem: 'They sell through 120 resellers—no portal yet.\nRenewal of their current tool is due in Q2.',
      consent: 'yes',
      amount: '25k',
      currency: 'EUR',
    })
    // An amount makes it a deal, which also needs a close date.
    expect(result.missing).toEqual([{ field: 'expectedClose', label: 'Expected close' }])
  })

  it('keeps the text part when a mail has both text and HTML', async () => {
    const raw = rfc822(
      'From: jane@partner.example',
      'To: leads@vendor.accord.test',
      'Subject: Lead',
      'Content-Type: multipart/alternative; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Company: Plain Co',
      '--b',
      'Content-Type: text/html; charset=us-ascii',
      '',
      '<p>Company: Html Co</p>',
      '--b--',
      '',
    )
    const parsed = await parseRawMail(raw)
    expect(parsed.text.trim()).toBe('Company: Plain Co')
    expect(parsed.from).toEqual({ email: 'jane@partner.example', name: null })
  })

  it('reads a reply, ignoring the quoted text and taking the company from the subject', async () => {
    const raw = rfc822(
      'From: Jane Partner <jane@partner.example>',
      'To: leads@vendor.accord.test',
      'Subject: Re: Registration: Acme Corp',
      'Message-ID: <reply-2@partner.example>',
      'In-Reply-To: <ask-1@vendor.accord.test>',
      'Content-Type: text/plain; charset=utf-8; format=flowed',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Sure, here is the rest:',
      '',
      'Contact name: Bob Stone',
      'Contact e-mail: bob.stone@acme.example',
      'Consent: x',
      'Problem: Needs a partner portal for',
      '  their 30 distributors in DACH.',
      '',
      'On Mon, 23 Nov 2026 at 10:00, Accord Registrations <leads@vendor.accord.test> wrote:',
      '> Thanks for registering Acme Corp. We still need:',
      '> Contact name:',
      '> Company: Someone Else Inc',
      '> Consent: no',
      '',
      '-- ',
      'Jane Partner | Partner Inc',
      'Email: jane@partner.example',
      '',
    )
    const parsed = await parseRawMail(Buffer.from(raw, 'utf8'))
    expect(parsed.inReplyTo).toBe('<ask-1@vendor.accord.test>')
    const result = extractRegistrationFields(parsed)
    expect(result.fields).toEqual({
      companyName: 'Acme Corp',
      contactName: 'Bob Stone',
      contactEmail: 'bob.stone@acme.example',
      consent: 'yes',
      problem: 'Needs a partner portal for\ntheir 30 distributors in DACH.',
    })
    expect(result.missing).toEqual([])
    // "Sure, here is the rest:" introduces the list and is not counted against the partner.
    expect(result.unrecognisedLines).toBe(0)
  })
})

describe('extractRegistrationFields', () => {
  it('lists exactly the required fields that are missing, without guessing an e-mail from the body', () => {
    const result = extractRegistrationFields(
      mail(
        [
          'Company: Initech',
          'Contact name: Bill Lumbergh',
          'Stage: evaluating',
          'Problem: TPS reports for partners. You can reach Bill at bill@initech.example or via',
          'mailto:bill.lumbergh@initech.example',
          '',
          'Best regards,',
          'Jane Partner',
          'Partner Inc',
          'Email: jane@partner.example',
        ].join('\n'),
      ),
    )
    expect(result.fields.contactEmail).toBeUndefined()
    expect(result.fields.stageGuess).toBe('active_project')
    expect(result.missing).toEqual([
      { field: 'contactEmail', label: 'Contact e-mail' },
      { field: 'consent', label: 'Consent to be contacted' },
    ])
  })

  it('lists every required field for an empty mail', () => {
    expect(extractRegistrationFields(mail('')).missing.map((entry) => entry.field)).toEqual(['companyName', 'contactName', 'contactEmail', 'problem', 'consent'])
  })

  it('takes the company from the subject and the free text as the problem', () => {
    const result = extractRegistrationFields(
      mail(
        [
          'Hi there,',
          '',
          'please register this lead for me:',
          'Contact: Maria Lopez <Maria.Lopez@Globex.example>',
          'Einwilligung: Ja',
          '',
          'Globex wants to replace their reseller spreadsheet.',
          'They have about 200 resellers in Europe.',
          '',
          'Budget is not confirmed yet.',
          '',
          'Thanks!',
          'Jane',
        ].join('\n'),
        { subject: 'Lead: Globex' },
      ),
    )
    expect(result.fields).toEqual({
      companyName: 'Globex',
      contactName: 'Maria Lopez',
      contactEmail: 'maria.lopez@globex.example',
      consent: 'yes',
      problem: 'Globex wants to replace their reseller spreadsheet.\nThey have about 200 resellers in Europe.\n\nBudget is not confirmed yet.',
    })
    expect(result.missing).toEqual([])
  })

  it('reads a deal from the subject and a German deal with separate currency', () => {
    const result = extractRegistrationFields(
      mail(['Kunde: Stadtwerke Nord', 'Volumen: ca. 120.000,-', 'Währung: eur', 'Erwarteter Abschluss: 2027-06-30'].join('\n'), {
        subject: 'AW: Neuer Deal: Stadtwerke Nord',
      }),
    )
    expect(result.fields).toMatchObject({ kind: 'deal', companyName: 'Stadtwerke Nord', amount: '120000', currency: 'EUR', expectedClose: '2027-06-30' })
    expect(result.missing.map((entry) => entry.field)).toEqual(['contactName', 'contactEmail', 'problem', 'consent'])
  })

  it('keeps prose that merely mentions registering or thanks, and drops a German quoted reply', () => {
    const result = extractRegistrationFields(
      mail(
        [
          'Company: Tyrell Corp',
          'Thanks to a new budget they can start in Q1.',
          'Their partners currently register deals via spreadsheets.',
          '',
          'Am 20.11.2026 um 10:00 schrieb Accord Registrations <leads@vendor.accord.test>:',
          '> Company: Quoted GmbH',
        ].join('\n'),
      ),
    )
    expect(result.fields).toEqual({
      companyName: 'Tyrell Corp',
      problem: 'Thanks to a new budget they can start in Q1.\nTheir partners currently register deals via spreadsheets.',
    })
  })

  it.each([
    ['exploring', 'exploring'],
    ['Just exploring', 'exploring'],
    ['early research', 'exploring'],
    ['evaluating', 'active_project'],
    ['Active project', 'active_project'],
    ['active_project', 'active_project'],
    ['Budget approved', 'budget_approved'],
    ['Budget freigegeben', 'budget_approved'],
    ['choosing a vendor', 'vendor_selection'],
    ['RFP sent to 3 vendors', 'vendor_selection'],
  ])('maps stage "%s" to %s', (words, stage) => {
    expect(extractRegistrationFields(mail(`Stage: ${words}`)).fields.stageGuess).toBe(stage)
  })

  it('leaves an unknown stage unset and counts it', () => {
    const result = extractRegistrationFields(mail('Stage: it is complicated\nCompany: Acme'))
    expect(result.fields.stageGuess).toBeUndefined()
    expect(result.unrecognisedLines).toBe(1)
  })

  it.each([
    ['yes', 'yes'],
    ['Ja', 'yes'],
    ['true', 'yes'],
    ['X', 'yes'],
    ['yes, by phone on 2 Nov', 'yes'],
    ['no', 'no'],
    ['nein', 'no'],
  ])('reads consent "%s" as %s', (answer, expected) => {
    expect(extractRegistrationFields(mail(`Consent: ${answer}`)).fields.consent).toBe(expected)
  })

  it('treats a refused consent as given-but-no rather than missing, and placeholders as missing', () => {
    expect(extractRegistrationFields(mail('Consent: no')).missing.map((entry) => entry.field)).not.toContain('consent')
    const placeholders = extractRegistrationFields(mail('Company: -\nContact name: n/a\nConsent: ?'))
    expect(placeholders.fields).toEqual({})
    expect(placeholders.missing.map((entry) => entry.field)).toEqual(['companyName', 'contactName', 'contactEmail', 'problem', 'consent'])
  })

  it('recognises synonyms, bullets, bold labels and values on the next line', () => {
    const result = extractRegistrationFields(
      mail(
        [
          '- **Account:** Hooli',
          '* Domain: hooli.example <https://hooli.example>',
          '1. Ansprechpartner: Gavin Belson',
          'Mail: gavin@hooli.example <mailto:gavin@hooli.example>',
          'Title: CEO',
          'Use case:',
          'Compression for partner content',
          'across regions.',
          '',
          'Region: EMEA',
          'Wettbewerber: Pied Piper',
          'Product interest: Portal; MDF',
          'Nächster Schritt: Workshop',
          'Type: Lead',
          'Einwilligung: ja',
        ].join('\n'),
      ),
    )
    expect(result.fields).toEqual({
      companyName: 'Hooli',
      website: 'hooli.example',
      contactName: 'Gavin Belson',
      contactEmail: 'gavin@hooli.example',
      contactRole: 'CEO',
      problem: 'Compression for partner content\nacross regions.',
      region: 'EMEA',
      competitors: 'Pied Piper',
      productInterest: 'Portal; MDF',
      nextStep: 'Workshop',
      kind: 'lead',
      consent: 'yes',
    })
    expect(result.missing).toEqual([])
  })

  it('ignores Outlook-style quoted messages and reports leftover free text when the problem is explicit', () => {
    const result = extractRegistrationFields(
      mail(
        [
          'Company: Umbrella AG',
          'Contact name: Alice Abernathy',
          'Contact e-mail: alice@umbrella.example',
          'Problem: Partner MDF claims are on paper.',
          'Consent: yes',
          '',
          'Also, their fiscal year ends in March.',
          '',
          '________________________________',
          'From: Accord <leads@vendor.accord.test>',
          'Sent: Monday, 23 November 2026 10:00',
          'To: Jane Partner <jane@partner.example>',
          'Subject: Registration: Umbrella AG',
          '',
          'Company: Wrong Corp',
        ].join('\n'),
      ),
    )
    expect(result.fields.companyName).toBe('Umbrella AG')
    expect(result.fields.problem).toBe('Partner MDF claims are on paper.')
    expect(result.missing).toEqual([])
    expect(result.unrecognisedLines).toBe(1)
  })

  it('reads a forwarded customer enquiry as the problem, skipping the forwarded headers', () => {
    const result = extractRegistrationFields(
      mail(
        [
          'Company: Wayne Enterprises',
          'Contact: Lucius Fox <lucius@wayne.example>',
          'Consent: yes',
          '',
          '---------- Forwarded message ---------',
          'From: Lucius Fox <lucius@wayne.example>',
          'Date: Fri, 20 Nov 2026 at 09:00',
          'Subject: Partner programme',
          'To: <jane@partner.example>',
          '',
          'We are looking for a tool to run our partner programme.',
        ].join('\n'),
        { subject: 'Fwd: Partner programme' },
      ),
    )
    expect(result.fields.problem).toBe('We are looking for a tool to run our partner programme.')
    expect(result.missing).toEqual([])
  })

  it('reads its own template back', () => {
    const filled = registrationMailTemplate()
      .replace('Company: ', 'Company: Cyberdyne Systems')
      .replace('Website: ', 'Website: cyberdyne.example')
      .replace('Contact name: ', 'Contact name: Miles Dyson')
      .replace('Contact e-mail: ', 'Contact e-mail: miles@cyberdyne.example')
      .replace('Contact role: ', 'Contact role: Director')
      .replace('Problem and fit: ', 'Problem and fit: Partner deal conflicts')
      .replace('choosing a vendor): ', 'choosing a vendor): budget approved')
      .replace('(yes/no): ', '(yes/no): yes')
      .replace('Amount: ', 'Amount: 75000')
      .replace('Currency: ', 'Currency: USD')
      .replace('(YYYY-MM-DD): ', '(YYYY-MM-DD): 2027-01-15')
    const result = extractRegistrationFields(mail(filled))
    expect(result.fields).toEqual({
      kind: 'deal',
      companyName: 'Cyberdyne Systems',
      website: 'cyberdyne.example',
      contactName: 'Miles Dyson',
      contactEmail: 'miles@cyberdyne.example',
      contactRole: 'Director',
      problem: 'Partner deal conflicts',
      stageGuess: 'budget_approved',
      consent: 'yes',
      amount: '75000',
      currency: 'USD',
      expectedClose: '2027-01-15',
    })
    expect(result.missing).toEqual([])
    expect(registrationFieldsSchema(TODAY).safeParse(result.fields).success).toBe(true)
  })

  it('reports the template as missing everything when sent back empty', () => {
    const result = extractRegistrationFields(mail(registrationMailTemplate()))
    expect(result.fields).toEqual({})
    expect(result.missing.map((entry) => entry.label)).toEqual(['Company', 'Contact name', 'Contact e-mail', 'Problem and fit', 'Consent to be contacted'])
  })
})

describe('parseResendInbound', () => {
  const receivedEmail = {
    object: 'email',
    id: '56761188-7520-42d8-8898-ff6fc54ce618',
    to: ['Leads <Leads@Vendor.Accord.test>'],
    from: 'Jane Partner <Jane@Partner.example>',
    created_at: '2026-11-23T09:41:11.894719+00:00',
    subject: 'Registration: Soylent Corp',
    message_id: '<CAF=abc@mail.partner.example>',
    bcc: [],
    cc: [],
    reply_to: [],
    html: '<p>Contact name: Sol Roth</p>',
    text: 'Contact name: Sol Roth\nContact e-mail: sol@soylent.example\nConsent: yes\nProblem: Partner leads get lost.\n',
    headers: { 'In-Reply-To': '<ask-9@vendor.accord.test>', 'X-Mailer': 'Gmail' },
    attachments: [],
  }

  it('reads the Received-email API object (the body Resend has us fetch)', () => {
    const parsed = parseResendInbound(receivedEmail)
    expect(parsed).toEqual({
      from: { email: 'jane@partner.example', name: 'Jane Partner' },
      to: ['leads@vendor.accord.test'],
      subject: 'Registration: Soylent Corp',
      messageId: '<CAF=abc@mail.partner.example>',
      inReplyTo: '<ask-9@vendor.accord.test>',
      text: receivedEmail.text,
      truncated: false,
      authenticationResults: [],
      unreadableCharset: null,
    })
    expect(extractRegistrationFields(parsed)).toEqual({
      fields: {
        companyName: 'Soylent Corp',
        contactName: 'Sol Roth',
        contactEmail: 'sol@soylent.example',
        consent: 'yes',
        problem: 'Partner leads get lost.',
      },
      missing: [],
      unrecognisedLines: 0,
    })
  })

  it('reads the email.received envelope with a body, a bare data object and the SDK wrapper', () => {
    const { object: _object, id: _id, ...data } = receivedEmail
    const envelope = {
      type: 'email.received',
      created_at: '2026-11-23T09:41:12.126Z',
      data: { ...data, email_id: '56761188-7520-42d8-8898-ff6fc54ce618', to: 'leads@vendor.accord.test', text: undefined, headers: undefined },
    }
    const fromEnvelope = parseResendInbound(envelope)
    expect(fromEnvelope.to).toEqual(['leads@vendor.accord.test'])
    expect(fromEnvelope.text).toBe('Contact name: Sol Roth')
    expect(fromEnvelope.inReplyTo).toBeNull()
    expect(parseResendInbound(envelope.data)).toEqual(fromEnvelope)
    expect(parseResendInbound({ data: receivedEmail, error: null })).toEqual(parseResendInbound(receivedEmail))
  })

  it('refuses the metadata-only webhook and names the e-mail to fetch', () => {
    const webhook = {
      type: 'email.received',
      created_at: '2026-11-23T09:41:12.126Z',
      data: {
        email_id: '56761188-7520-42d8-8898-ff6fc54ce618',
        created_at: '2026-11-23T09:41:11.894719+00:00',
        from: 'Acme <onboarding@resend.dev>',
        to: ['delivered@resend.dev'],
        bcc: [],
        cc: [],
        message_id: '<example+123>',
        subject: 'Sending this example',
        attachments: [{ id: '2a0c9ce0-3112-4728-976e-47ddcd16a318', filename: 'avatar.png', content_type: 'image/png', content_disposition: 'inline', content_id: 'img001' }],
      },
    }
    expect(resendEmailIdToFetch(webhook)).toBe('56761188-7520-42d8-8898-ff6fc54ce618')
    expect(() => parseResendInbound(webhook)).toThrow(/56761188-7520-42d8-8898-ff6fc54ce618 has no body/)
    expect(resendEmailIdToFetch(receivedEmail)).toBeNull()
    expect(resendEmailIdToFetch('nonsense')).toBeNull()
  })

  it.each([
    ['null', null, /must be a JSON object/],
    ['a string', 'From: a@b.c', /must be a JSON object/],
    ['an array', [receivedEmail], /must be a JSON object/],
    ['another event', { type: 'email.delivered', data: receivedEmail }, /"email.delivered" is not an inbound e-mail/],
    ['an envelope without data', { type: 'email.received' }, /no "data" object/],
    ['no sender', { ...receivedEmail, from: undefined }, /no "from" address/],
    ['a numeric sender', { ...receivedEmail, from: 42 }, /no "from" address/],
    ['no recipients', { ...receivedEmail, to: undefined }, /"to" must be/],
    ['recipients that are not strings', { ...receivedEmail, to: [{ email: 'a@b.c' }] }, /"to" must be/],
    ['a non-string subject', { ...receivedEmail, subject: ['x'] }, /"subject" must be a string/],
    ['a non-string text', { ...receivedEmail, text: { plain: 'x' } }, /"text" must be a string/],
  ])('throws a plain Error for %s', (_name, payload, message) => {
    expect(() => parseResendInbound(payload)).toThrow(Error)
    expect(() => parseResendInbound(payload)).toThrow(message)
  })
})

describe('linear time on hostile mail (1 MB each, < 100 ms)', () => {
  const MB = 1 << 20
  const html: Record<string, string> = {
    'unclosed "<"': '<'.repeat(MB),
    '"<a" without ">"': '<a'.repeat(MB / 2),
    'nested <div>s never closed, then stray closes': `${'<div>'.repeat(MB / 10)}${'</span>'.repeat(MB / 14)}`,
    'empty <div><br></div> blocks': '<div><br></div>'.repeat(MB / 15),
    'table cells': '<td>a</td> '.repeat(MB / 11),
    'blockquotes': '<blockquote>x'.repeat(MB / 13),
    'ampersands': '&'.repeat(MB),
    'numeric entity starts': '&#'.repeat(MB / 2),
    'unterminated comments': '<!--'.repeat(MB / 4),
    'an unclosed <style>': `<style>${'</styl'.repeat(MB / 6)}`,
    'whitespace runs': `${' \n'.repeat(MB / 2)}x`,
    'attributes': '<p a="'.repeat(MB / 6),
  }
  for (const [name, input] of Object.entries(html)) {
    it(`HTML → text: ${name}`, () => {
      expect(timed(() => htmlToPlainText(input))).toBeLessThan(100)
    })
  }

  const mailOf = (text: string): InboundMail => ({ from: { email: 'jane@partner.example', name: null }, to: ['r@x.test'], subject: 'Lead', messageId: null, inReplyTo: null, text })
  const bodies: Record<string, string> = {
    'a bulleted label followed by a megabyte of spaces (the reviewer\'s 16 KB / 11 s line)': `- Company${' '.repeat(MB)}x`,
    'one line of a label and spaces': `Company:${' '.repeat(MB)}x`,
    'a letter and a megabyte of spaces': `a${' '.repeat(MB)}`,
    'one line of label-like words': `Company ${'a '.repeat(MB / 2)}: x`,
    'one line of spaced words after a label': `Problem: ${'a '.repeat(MB / 2)}`,
    'an attribution line repeating "wrote"': `On ${'wrote '.repeat(MB / 6)}`,
    'a tail repeating "schrieb"': `${'schrieb '.repeat(MB / 8)}x`,
    'asterisks inside a value': `Company: x${'*'.repeat(MB)}y`,
    'an address-less contact': `Contact: ${'a'.repeat(MB)}`,
    'a contact of many at-signs': `Contact: ${'a@'.repeat(MB / 2)}`,
    'many link openers': `Website: ${'<http://'.repeat(MB / 8)}>`,
    'a megabyte of ">"': '>'.repeat(MB),
    'a million quote lines': '>\n'.repeat(MB / 2),
    'a million closings': 'Thanks\n'.repeat(MB / 7),
    'a million empty lines': '\n'.repeat(MB),
    'a million colons': ': '.repeat(MB / 2),
    'underscores': `${'_'.repeat(MB)}\nFrom: x`,
  }
  for (const [name, text] of Object.entries(bodies)) {
    it(`registration fields: ${name}`, () => {
      expect(timed(() => extractRegistrationFields(mailOf(text)))).toBeLessThan(100)
    })
  }

  it('Authentication-Results: nested comments and quotes', () => {
    expect(timed(() => parseAuthenticationResults('('.repeat(MB)))).toBeLessThan(100)
    expect(timed(() => parseAuthenticationResults(`mx; ${'dkim=pass '.repeat(MB / 10)}`))).toBeLessThan(100)
  })

  it('e-mail address in a value', () => {
    expect(timed(() => firstEmailAddress(`${'a'.repeat(MB)}@`))).toBeLessThan(100)
    expect(timed(() => firstEmailAddress('a.'.repeat(MB / 2)))).toBeLessThan(100)
  })
})

describe('label lines without backtracking', () => {
  it.each([
    ['Company: Acme', 'companyName', 'Acme'],
    ['  - **Company:** Acme Corp  ', 'companyName', 'Acme Corp'],
    ['1. Contact e-mail (optional): jane@acme.com', 'contactEmail', 'jane@acme.com'],
    ['Firma：Müller GmbH', 'companyName', 'Müller GmbH'],
    ['Company\tGrün & Partner KG', 'companyName', 'Grün & Partner KG'],
    ['\t* Website: acme.com', 'website', 'acme.com'],
    ['Company:', 'companyName', ''],
  ])('%j', (line, field, value) => {
    expect(matchLabelLine(line)).toEqual({ field, value })
  })

  it.each([['Hello there'], ['Unknown label: x'], ['https://acme.com'], [`${'x'.repeat(200)}: y`], ['- : x']])('no label in %j', (line) => {
    expect(matchLabelLine(line)).toBeNull()
  })

  it('finds the address in "Name <address>" and "mailto:" values', () => {
    expect(firstEmailAddress('Jane Doe <jane.doe@acme.co.uk>')).toBe('jane.doe@acme.co.uk')
    expect(firstEmailAddress('mailto:jane@acme.com.')).toBe('jane@acme.com')
    expect(firstEmailAddress('no address here')).toBeNull()
    expect(firstEmailAddress('@acme.com')).toBeNull()
  })
})

describe('charsets and control characters', () => {
  const mime = (headers: string[], body: Buffer) => Buffer.concat([Buffer.from([...headers, '', ''].join('\r\n'), 'latin1'), body])

  it('decodes a Shift-JIS body and a cp932-labelled one', async () => {
    const text = '会社名: 株式会社山田製作所\r\n担当者: 山田太郎\r\n'
    for (const charset of ['Shift_JIS', 'cp932', 'windows-31j']) {
      const parsed = await parseRawMail(mime(['From: taro@yamada.example', 'To: r@x.test', 'Subject: Lead', `Content-Type: text/plain; charset=${charset}`, 'Content-Transfer-Encoding: base64'], Buffer.from(iconv.encode(text, 'Shift_JIS').toString('base64'))))
      expect(parsed.text).toBe(text.replace(/\r\n/g, '\n'))
      expect(parsed.unreadableCharset).toBeNull()
    }
  })

  it('reads an unknown charset label with the detector when the bytes are clear', async () => {
    const text = 'Firma: Müller GmbH\r\nAnsprechpartner: Jörg Weiß\r\nBedarf: Übersicht über alle Händler und Lösungen für Köln\r\n'
    const parsed = await parseRawMail(mime(['From: j@mueller.example', 'To: r@x.test', 'Subject: Lead', 'Content-Type: text/plain; charset=x-unheard-of', 'Content-Transfer-Encoding: 8bit'], iconv.encode(text, 'windows-1252')))
    expect(parsed.text).toBe(text.replace(/\r\n/g, '\n'))
    expect(parsed.unreadableCharset).toBeNull()
  })

  it('flags a body it cannot read instead of storing U+FFFD as text', async () => {
    const unknown = await parseRawMail(mime(['From: j@x.example', 'To: r@x.test', 'Subject: Lead', 'Content-Type: text/plain; charset=x-unheard-of'], Buffer.from([0x4a, 0x69, 0x81, 0x8d, 0x81, 0x8d, 0x0d, 0x0a])))
    expect(unknown.unreadableCharset).toBe('x-unheard-of')
    const badUtf8 = await parseRawMail(mime(['From: j@x.example', 'To: r@x.test', 'Subject: Lead', 'Content-Type: text/plain; charset=utf-8'], Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x0d, 0x0a])))
    expect(badUtf8.unreadableCharset).toBe('utf-8')
  })

  it('strips U+0000 and other control characters from the subject and body', async () => {
    const subject = `=?utf-8?B?${Buffer.from('Lead\u0000: Acme\u0007 Corp').toString('base64')}?=`
    const parsed = await parseRawMail(mime(['From: "Jane\u0000" <jane@partner.example>', 'To: r@x.test', `Subject: ${subject}`, 'Content-Type: text/plain; charset=utf-8'], Buffer.from('Company: Acme\u0000 Corp\u001b\r\n')))
    expect(parsed.subject).toBe('Lead: Acme Corp')
    expect(parsed.text).toBe('Company: Acme Corp\n')
    expect(parsed.from).toEqual({ email: 'jane@partner.example', name: 'Jane' })
  })

  it('keeps the Authentication-Results headers, topmost first', async () => {
    const parsed = await parseRawMail(mime(['Authentication-Results: mx.accord.test;', '\tdkim=pass header.d=partner.example', 'Authentication-Results: forged.example; dkim=pass', 'From: j@partner.example', 'To: r@x.test', 'Subject: Lead'], Buffer.from('Hi')))
    expect(parsed.authenticationResults).toEqual(['mx.accord.test; dkim=pass header.d=partner.example', 'forged.example; dkim=pass'])
  })
})

describe('sender authentication (Authentication-Results)', () => {
  const from = { email: 'rita@partner.example', name: null }
  const trusted = ['mx.accord.test']
  const check = (...headers: string[]) => senderAuthentication({ from, authenticationResults: headers }, trusted)

  it('passes DMARC for the From domain or an aligned DKIM signature from our host', () => {
    expect(check('mx.accord.test; spf=pass smtp.mailfrom=partner.example; dmarc=pass (p=reject) header.from=partner.example')).toEqual({ verdict: 'pass', method: 'dmarc', domain: 'partner.example' })
    expect(check('MX.Accord.Test 1; dkim=pass (2048-bit key) header.d=mail.partner.example header.s=s1')).toEqual({ verdict: 'pass', method: 'dkim', domain: 'mail.partner.example' })
    expect(check('mx.accord.test; dkim=pass header.i=@partner.example')).toMatchObject({ verdict: 'pass', method: 'dkim' })
  })

  it('does not pass failures, other domains, untrusted hosts or a forged header below ours', () => {
    expect(check('mx.accord.test; dkim=fail header.d=partner.example; dmarc=fail header.from=partner.example').verdict).toBe('none')
    expect(check('mx.accord.test; dkim=pass header.d=attacker.example').verdict).toBe('none')
    expect(check('mx.accord.test; dmarc=pass header.from=attacker.example').verdict).toBe('none')
    expect(check('mx.attacker.example; dkim=pass header.d=partner.example').verdict).toBe('none')
    expect(check('mx.accord.test; dkim=none', 'mx.accord.test; dkim=pass header.d=partner.example').verdict).toBe('none')
    expect(check('mx.accord.test; dkim=pass (header.d=partner.example) header.d=attacker.example').verdict).toBe('none')
    expect(check().verdict).toBe('none')
    expect(senderAuthentication({ from, authenticationResults: ['mx.accord.test; dmarc=pass'] }, []).verdict).toBe('none')
  })
})

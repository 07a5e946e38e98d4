import { describe, expect, it } from 'vitest'
import { stripQuotedReply } from './reply-text.js'
import { timed } from '../testing/timing.js'

const lines = (...text: string[]) => text.join('\n')

describe('stripQuotedReply', () => {
  it.each([
    {
      client: 'Gmail (English)',
      text: lines(
        'Thanks, the customer confirmed the meeting for Tuesday.',
        '',
        'On Mon, 30 Nov 2026 at 10:15, Northwind Partners <reply+abc@inbound.accord.localhost> wrote:',
        '',
        '> Approved: Acme (R-1042)',
        '> Your registration for Acme is approved.',
      ),
      expected: 'Thanks, the customer confirmed the meeting for Tuesday.',
    },
    {
      client: 'Gmail (attribution wrapped over two lines)',
      text: lines(
        'Budget is approved.',
        '',
        'On Mon, 30 Nov 2026 at 10:15, Northwind Partner Team <',
        'reply+abc@inbound.accord.localhost> wrote:',
        '> Approved: Acme (R-1042)',
      ),
      expected: 'Budget is approved.',
    },
    {
      client: 'Gmail (German)',
      text: lines(
        'Danke, der Termin ist bestätigt.',
        '',
        'Am Mo., 30. Nov. 2026 um 10:15 Uhr schrieb Northwind Partner <reply+abc@inbound.accord.localhost>:',
        '> Genehmigt: Müller GmbH (R-1042)',
      ),
      expected: 'Danke, der Termin ist bestätigt.',
    },
    {
      client: 'Thunderbird (German)',
      text: lines('Passt, danke!', '', 'Am 30.11.26 um 10:15 schrieb Northwind Partner:', '> Genehmigt'),
      expected: 'Passt, danke!',
    },
    {
      client: 'Apple Mail',
      text: lines(
        'We will send the proposal on Friday.',
        '',
        'Sent from my iPhone',
        '',
        'On 30 Nov 2026, at 10:15, Northwind Partners <reply+abc@inbound.accord.localhost> wrote:',
        '',
        '> Approved: Acme (R-1042)',
      ),
      expected: 'We will send the proposal on Friday.',
    },
    {
      client: 'Outlook (From/Sent header block)',
      text: lines(
        'Please extend the protection, the CFO is on holiday.',
        '',
        'Best regards',
        'Rita',
        '',
        '________________________________',
        'From: Northwind Partners <reply+abc@inbound.accord.localhost>',
        'Sent: Monday, November 30, 2026 10:15 AM',
        'To: Rita Rep <rita@contoso.example>',
        'Subject: Approved: Acme (R-1042)',
        '',
        'Your registration for Acme is approved.',
      ),
      expected: lines('Please extend the protection, the CFO is on holiday.', '', 'Best regards', 'Rita'),
    },
    {
      client: 'Outlook (Original Message)',
      text: lines('Call scheduled.', '', '-----Original Message-----', 'From: Northwind Partners', 'Sent: Monday', 'Approved'),
      expected: 'Call scheduled.',
    },
    {
      client: 'Outlook (German header block)',
      text: lines('Angebot folgt.', '', 'Von: Northwind Partner <reply+abc@inbound.accord.localhost>', 'Gesendet: Montag, 30. November 2026 10:15', 'An: Rita', 'Betreff: Genehmigt'),
      expected: 'Angebot folgt.',
    },
    {
      client: 'signature after "-- "',
      text: lines('Demo went well.', '-- ', 'Rita Rep', 'Contoso Ltd.', '+44 20 7946 0000'),
      expected: 'Demo went well.',
    },
    {
      client: 'interleaved quote lines',
      text: lines('> Is the budget approved?', 'Yes, 50k.', '> Who decides?', 'The CIO.'),
      expected: lines('Yes, 50k.', 'The CIO.'),
    },
    {
      client: 'only a quote (empty reply)',
      text: lines('', 'On Mon, 30 Nov 2026 at 10:15, Northwind <x@y.z> wrote:', '> Approved'),
      expected: '',
    },
  ])('$client', ({ text, expected }) => {
    expect(stripQuotedReply(text)).toBe(expected)
  })

  it('keeps sentences that merely mention someone writing, and "From:" lines that are not a header block', () => {
    const text = lines('On Monday the customer wrote to us again.', 'From: our side, nothing changes.', 'Thanks')
    expect(stripQuotedReply(text)).toBe(text)
  })

  it('normalises CRLF line ends', () => {
    expect(stripQuotedReply('Yes.\r\n\r\nOn Mon, 30 Nov 2026, Northwind wrote:\r\n> Q')).toBe('Yes.')
  })
})

describe('stripQuotedReply on hostile text (1 MB each, < 100 ms)', () => {
  const MB = 1 << 20
  const inputs: Record<string, string> = {
    'an attribution repeating "schrieb"': `Am ${'schrieb '.repeat(MB / 8)}x`,
    'an attribution repeating "wrote"': `On ${'wrote '.repeat(MB / 6)}`,
    'a megabyte of ">"': '>'.repeat(MB),
    'a million quote lines': '> x\n'.repeat(MB / 4),
    'a million empty lines': '\n'.repeat(MB),
    'a long line of spaces then text': `${' '.repeat(MB)}x`,
    'underscores followed by blank lines': `${'_'.repeat(20)}${'\n'.repeat(MB)}From: x`,
    'wrapped attributions on every line': 'On Mon\n'.repeat(MB / 7),
    'header-looking lines': 'From: x\n'.repeat(MB / 8),
  }
  for (const [name, text] of Object.entries(inputs)) {
    it(name, () => {
      expect(timed(() => stripQuotedReply(text))).toBeLessThan(100)
    })
  }

  it('still finds a German attribution with the name after "schrieb" wrapped onto the next line', () => {
    expect(stripQuotedReply('Danke!\n\nAm 3. Nov. 2026 um 10:00 schrieb Max Mustermann\n<max@example.com>:\n> alt')).toBe('Danke!')
  })
})

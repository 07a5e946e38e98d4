import { describe, expect, it } from 'vitest'
import { extractLinks, withBaseTarget } from './mailbox'

describe('extractLinks', () => {
  it('lists http(s) links with their text, decoded and without duplicates', () => {
    const html = `<p><a href="http://localhost:3000/verify-email/abc.def?x=1&amp;y=2" style="x"><span>Verify&nbsp;e-mail</span></a></p>
      <a href='https://portal.example/t/acme'>Open portal</a>
      <a href="http://localhost:3000/verify-email/abc.def?x=1&amp;y=2">again</a>
      <a href="mailto:help@acme.example">Mail us</a><a name="anchor">no href</a>`
    expect(extractLinks(html)).toEqual([
      { href: 'http://localhost:3000/verify-email/abc.def?x=1&y=2', text: 'Verify e-mail' },
      { href: 'https://portal.example/t/acme', text: 'Open portal' },
    ])
  })

  it('ignores javascript: links and uses the URL when a link has no text', () => {
    expect(extractLinks('<a href="javascript:alert(1)">x</a><a href="https://a.example/x"><img src="logo.png"></a>')).toEqual([{ href: 'https://a.example/x', text: 'https://a.example/x' }])
  })
})

describe('withBaseTarget', () => {
  it('adds <base target="_top"> inside the head', () => {
    expect(withBaseTarget('<html><head><title>x</title></head><body></body></html>')).toBe('<html><head><base target="_top"><title>x</title></head><body></body></html>')
  })
  it('adds a head when there is none', () => {
    expect(withBaseTarget('<html lang="en"><body>x</body></html>')).toBe('<html lang="en"><head><base target="_top"></head><body>x</body></html>')
    expect(withBaseTarget('<p>x</p>')).toBe('<base target="_top"><p>x</p>')
  })
})

export interface MailLink {
  href: string
  text: string
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" }

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (whole, name: string) => {
    const lower = name.toLowerCase()
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16))
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10))
    return ENTITIES[lower] ?? whole
  })
}

/**
 * The http(s) links of an e-mail's HTML with their visible text, in order and
 * without duplicates, so the dev mailbox can offer them as ordinary anchors.
 */
export function extractLinks(html: string): MailLink[] {
  const links: MailLink[] = []
  const seen = new Set<string>()
  const anchor = /<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi
  for (const match of html.matchAll(anchor)) {
    const attributes = match[1] ?? ''
    const hrefMatch = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes)
    const rawHref = hrefMatch ? (hrefMatch[1] ?? hrefMatch[2] ?? hrefMatch[3] ?? '') : ''
    const href = decodeEntities(rawHref).trim()
    if (!/^https?:\/\//i.test(href) || seen.has(href)) continue
    seen.add(href)
    const text = decodeEntities((match[2] ?? '').replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim()
    links.push({ href, text: text || href })
  }
  return links
}

/**
 * The e-mail HTML for a sandboxed `<iframe srcdoc>`: links open in the top
 * window (where the sandbox allows it after a click) instead of inside the frame.
 */
export function withBaseTarget(html: string): string {
  const base = '<base target="_top">'
  if (/<head\b[^>]*>/i.test(html)) return html.replace(/<head\b[^>]*>/i, (head) => `${head}${base}`)
  if (/<html\b[^>]*>/i.test(html)) return html.replace(/<html\b[^>]*>/i, (tag) => `${tag}<head>${base}</head>`)
  return `${base}${html}`
}

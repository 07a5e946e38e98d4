/** SOQL literal helpers and website-domain matching shared by the connector and the fake. */

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`
}

export function soqlIn(values: readonly string[]): string {
  return `(${values.map(soqlString).join(', ')})`
}

/** `'%acme.com%'` with LIKE's own wildcards escaped so a domain only matches itself. */
export function soqlContains(value: string): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/[%_]/g, (wildcard) => `\\${wildcard}`)
  return `'%${escaped}%'`
}

/** SOQL datetime literal; SystemModstamp has whole-second precision, so seconds are enough. */
export function soqlDateTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * Host of a Website value without "www." ("https://www.acme.com/about" →
 * "acme.com"). Salesforce keeps whatever users typed: bare domains, URLs,
 * trailing paths.
 */
export function websiteHost(website: string | null | undefined): string | null {
  const trimmed = website?.trim()
  if (!trimmed) return null
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`)
    return url.hostname.toLowerCase().replace(/\.$/, '').replace(/^www\d*\./, '') || null
  } catch {
    return null
  }
}

/** True when the website is on the registrable domain or one of its subdomains (shop.acme.com counts for acme.com). */
export function websiteMatchesDomain(website: string | null | undefined, domain: string): boolean {
  const host = websiteHost(website)
  const wanted = domain.trim().toLowerCase().replace(/^www\./, '')
  return host !== null && wanted !== '' && (host === wanted || host.endsWith(`.${wanted}`))
}

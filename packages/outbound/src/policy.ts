import { categorise, cidrContains, type ParsedAddress, parseAddress, PRIVATE_CATEGORIES, stripBrackets } from './address.js'
import type { OutboundSettings } from './env.js'
import { OutboundError } from './errors.js'

/**
 * Which URLs one provider's connector may call. In strict mode (the
 * default) only these hosts, over https on the default port; the operator's
 * OUTBOUND_ALLOW_CUSTOM_HOSTS lifts the host list (for proxies, sandboxes
 * and the fake servers of the test suite), never the address checks.
 */
export interface OutboundPolicy {
  /** The service as users know it: "HubSpot", "Salesforce", "Slack". */
  readonly service: string
  /** Exact host names, or `*.example.com` for any name below example.com (not example.com itself). */
  readonly hosts: readonly string[]
}

/** HubSpot's public API: api.hubapi.com, its api.hubspot.com alias and the regional api-<region>.hubapi.com hosts. */
export const HUBSPOT_POLICY: OutboundPolicy = Object.freeze({ service: 'HubSpot', hosts: Object.freeze(['api.hubapi.com', 'api.hubspot.com', '*.hubapi.com']) })

/**
 * Salesforce: the login servers, My Domain and instance hosts
 * (`*.my.salesforce.com`, `na1.salesforce.com`, sandboxes), Lightning and
 * legacy `*.force.com` / `*.cloudforce.com` hosts, and Government Cloud
 * Plus (`*.my.salesforce.mil`). The instance URL comes back from the login,
 * so every request is checked, not just the one the tenant typed.
 */
export const SALESFORCE_POLICY: OutboundPolicy = Object.freeze({
  service: 'Salesforce',
  hosts: Object.freeze(['login.salesforce.com', 'test.salesforce.com', '*.salesforce.com', '*.force.com', '*.cloudforce.com', '*.salesforce.mil']),
})

/** Slack incoming webhooks (commercial and GovSlack). */
export const SLACK_WEBHOOK_POLICY: OutboundPolicy = Object.freeze({ service: 'Slack', hosts: Object.freeze(['hooks.slack.com', 'hooks.slack-gov.com']) })

/** Slack's Web API (`https://slack.com/api/…`, GovSlack `https://slack-gov.com/api/…`). */
export const SLACK_API_POLICY: OutboundPolicy = Object.freeze({ service: 'Slack', hosts: Object.freeze(['slack.com', 'slack-gov.com']) })

const MAX_URL_LENGTH = 2048

/** Names that mean "this machine" or "the cloud's metadata service" whatever DNS says. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal'])
/** Suffixes for local and private names (RFC 6761, 6762, 8375, ICANN's .internal). */
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.localdomain', '.lan', '.intranet', '.corp']

export function hostMatches(host: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1) // ".example.com"
    return host.length > suffix.length && host.endsWith(suffix)
  }
  return host === pattern
}

/** Lower-case, no brackets, no trailing dot: the form every check compares. */
export function normaliseHost(hostname: string): string {
  const host = stripBrackets(hostname.toLowerCase())
  return host.endsWith('.') ? host.slice(0, -1) : host
}

/**
 * May this URL be requested at all? Checks what can be checked without the
 * network: scheme, credentials in the URL, port, host against the policy,
 * names that are local by definition, and IP literals (including the
 * decimal, octal and hex spellings, which WHATWG URL parsing turns into
 * dotted quads). Names are checked again, address by address, at connect
 * time. Throws OutboundError('not_allowed').
 */
export function checkOutboundUrl(input: string | URL, policy: OutboundPolicy, settings: OutboundSettings): URL {
  const refuse = (detail: string) => new OutboundError('not_allowed', policy.service, { detail })
  const text = typeof input === 'string' ? input : input.href
  if (text.length > MAX_URL_LENGTH) throw refuse('URL too long')
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw refuse('not a URL')
  }
  const scheme = url.protocol
  if (scheme !== 'https:' && !(scheme === 'http:' && settings.allowCustomHosts)) throw refuse(`scheme ${scheme} not allowed`)
  if (url.username !== '' || url.password !== '') throw refuse('credentials in the URL')
  const host = normaliseHost(url.hostname)
  if (host === '') throw refuse('no host')
  if (!settings.allowCustomHosts) {
    if (url.port !== '') throw refuse(`port ${url.port} not allowed`)
    if (!policy.hosts.some((pattern) => hostMatches(host, pattern))) throw refuse(`host ${host} is not one of ${policy.service}'s`)
  }
  checkHostName(host, policy.service, settings)
  return url
}

/** The name-level part of the check, also run by the agent for every connection it opens. */
export function checkHostName(host: string, service: string, settings: OutboundSettings): void {
  const name = normaliseHost(host)
  const address = parseAddress(name)
  if (address) {
    const verdict = judgeAddress(address, settings)
    if (verdict !== null) throw new OutboundError('not_allowed', service, { detail: `${name} is ${verdict}` })
    return
  }
  if (METADATA_NAMES.has(name)) throw new OutboundError('not_allowed', service, { detail: `${name} is a metadata service` })
  const local = name === 'localhost' || !name.includes('.') || LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix))
  if (local && settings.privateNetworks === 'none') throw new OutboundError('not_allowed', service, { detail: `${name} is a local name` })
}

/** Null when the address may be reached; otherwise why not (for logs). */
export function judgeAddress(address: ParsedAddress, settings: OutboundSettings): string | null {
  const category = categorise(address)
  if (category === 'public') return null
  if (!PRIVATE_CATEGORIES.has(category)) return category
  if (settings.privateNetworks === 'all') return null
  if (settings.privateNetworks !== 'none' && settings.privateNetworks.some((cidr) => cidrContains(cidr, address))) return null
  return category
}

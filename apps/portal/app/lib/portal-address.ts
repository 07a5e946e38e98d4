/**
 * Where a portal request points: which vendor (tenant) and how the address
 * names it. Pure functions, shared by server and browser code.
 *
 * - path mode: every portal URL lives under `/t/<slug>/…` (always accepted)
 * - host mode: `<slug>.<PORTAL_BASE_DOMAIN>` (only when a base domain is configured)
 */
export type PortalMode = 'path' | 'host'

export interface PortalAddress {
  slug: string
  mode: PortalMode
}

/** Same shape as a workspace slug; anything else cannot name a portal. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const PATH_PREFIX = /^\/t\/([^/]+)(?:\/|$)/i

function hostnameOf(host: string): string {
  // Strip the port (IPv6 literals never name a tenant, so a bracket is enough to bail out).
  if (host.startsWith('[')) return ''
  return (host.split(':')[0] ?? '').toLowerCase().replace(/\.$/, '')
}

/**
 * The tenant a request addresses. The `/t/<slug>` prefix wins over the host
 * so path-mode links keep working on a host-mode deployment.
 */
export function tenantSlugFromRequest(url: string | URL, host: string | null, baseDomain: string | undefined | null): PortalAddress | null {
  const parsed = typeof url === 'string' ? new URL(url, 'http://portal.invalid') : url
  const pathMatch = PATH_PREFIX.exec(parsed.pathname)
  if (pathMatch?.[1] !== undefined) {
    let slug: string
    try {
      slug = decodeURIComponent(pathMatch[1]).toLowerCase()
    } catch {
      return null
    }
    return SLUG.test(slug) ? { slug, mode: 'path' } : null
  }
  if (!baseDomain) return null
  const hostname = hostnameOf(host ?? parsed.host)
  const domain = baseDomain.toLowerCase().replace(/^\.+|\.+$/g, '')
  if (!domain || !hostname.endsWith(`.${domain}`)) return null
  const label = hostname.slice(0, -(domain.length + 1))
  // Exactly one label in front of the base domain: a.b.example.com names nothing.
  return SLUG.test(label) ? { slug: label, mode: 'host' } : null
}

/** URL prefix of every portal page: `/t/<slug>` in path mode, nothing in host mode. */
export function portalBasePath(address: PortalAddress): string {
  return address.mode === 'path' ? `/t/${address.slug}` : ''
}

/**
 * The session cookie's path. Path mode scopes it to `/t/<slug>` so one browser
 * can be signed in to two vendors' portals on the same origin.
 */
export function sessionCookiePath(address: PortalAddress): string {
  return address.mode === 'path' ? `/t/${address.slug}` : '/'
}

/** Joins the portal prefix and an in-portal path; `'/'` is the portal's home. */
export function joinPortalPath(basePath: string, to: string): string {
  const normalised = to.startsWith('/') ? to : `/${to}`
  if (normalised === '/') return basePath || '/'
  return `${basePath}${normalised}`
}

/** Link builder from route params (`tenantSlug` is present only on path-mode routes). */
export function portalPath(params: { tenantSlug?: string }, to: string): string {
  return joinPortalPath(params.tenantSlug ? `/t/${params.tenantSlug.toLowerCase()}` : '', to)
}

const REDIRECT_BASE = 'http://portal.invalid'

/** `//host` and `/\\host` are another site to a browser; so is anything that decodes to them. */
function looksLikeAnotherHost(path: string): boolean {
  if (path.startsWith('//') || path.startsWith('/\\')) return true
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return true
  }
  return decoded.startsWith('//') || decoded.startsWith('/\\')
}

/**
 * A post-sign-in destination we are willing to follow: a path inside this
 * portal (never another tenant's prefix, another host, or a scheme-relative
 * URL). The candidate is resolved by the URL parser against a dummy origin
 * and the result checked again: dot segments (`/.//x`, `/%2e//x`, `/..//x`)
 * resolve to `//x`, which a browser follows to another host.
 */
export function safeRedirectPath(candidate: string | null | undefined, basePath: string): string {
  const home = joinPortalPath(basePath, '/')
  if (!candidate || candidate.length > 2000 || !candidate.startsWith('/') || candidate.includes('\\') || looksLikeAnotherHost(candidate)) return home
  if (/[\u0000-\u001f\u007f]/.test(candidate)) return home
  let url: URL
  try {
    url = new URL(candidate, REDIRECT_BASE)
  } catch {
    return home
  }
  if (url.origin !== REDIRECT_BASE || looksLikeAnotherHost(url.pathname)) return home
  const inside = basePath === '' ? !PATH_PREFIX.test(url.pathname) : url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
  if (!inside) return home
  // Never bounce back into the sign-in flow itself.
  const rest = url.pathname.slice(basePath.length)
  if (/^\/(login|logout|magic|invite|reset-password|forgot-password)(\/|$)/.test(rest)) return home
  return `${url.pathname}${url.search}`
}

/** Tenant id embedded in a session id (`<tenantId>.<secret>`), or null. */
export function tenantOfSessionId(sessionId: string): string | null {
  const tenantId = sessionId.split('.')[0] ?? ''
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId) ? tenantId.toLowerCase() : null
}

/** Every value of a cookie; browsers send one per matching path, most specific path first. */
export function readCookieValues(cookieHeader: string | null, name: string): string[] {
  if (!cookieHeader) return []
  const values: string[] = []
  for (const part of cookieHeader.split(';')) {
    const separator = part.indexOf('=')
    if (separator < 0) continue
    if (part.slice(0, separator).trim() !== name) continue
    const raw = part.slice(separator + 1).trim()
    if (!raw) continue
    try {
      values.push(decodeURIComponent(raw))
    } catch {
      values.push(raw)
    }
  }
  return values
}

/**
 * Split presented session ids into those for this portal's tenant and the
 * rest. Only `own` ids are ever validated; a foreign one is never accepted,
 * it only tells the sign-in page why the person appears signed out.
 */
export function partitionSessionIds(sessionIds: string[], tenantId: string): { own: string[]; foreign: string[] } {
  const own: string[] = []
  const foreign: string[] = []
  for (const sessionId of new Set(sessionIds)) {
    const owner = tenantOfSessionId(sessionId)
    if (owner === null) continue
    ;(owner === tenantId.toLowerCase() ? own : foreign).push(sessionId)
  }
  return { own, foreign }
}

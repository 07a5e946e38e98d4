const BASE = 'http://admin.invalid'

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
 * Where to send someone after signing in: only paths on this site. The
 * value is resolved by the URL parser against a dummy origin and checked
 * again afterwards, because dot segments hide a second slash from a prefix
 * test: `/.//evil.example`, `/%2e//x` and `/..//x` all resolve to `//…`,
 * which a browser follows to another host. Anything else falls back.
 */
export function safeRedirectPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return fallback
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback
  if (!value.startsWith('/') || looksLikeAnotherHost(value)) return fallback
  let url: URL
  try {
    url = new URL(value, BASE)
  } catch {
    return fallback
  }
  if (url.origin !== BASE || looksLikeAnotherHost(url.pathname)) return fallback
  return `${url.pathname}${url.search}${url.hash}`
}

/**
 * The page path a request is for. Single-fetch data requests arrive as
 * `/partners.data?_routes=…` (and `/_root.data` for `/`); the person asked
 * for `/partners`, which is where they should return after signing in.
 */
export function pagePath(requestUrl: string): string {
  const url = new URL(requestUrl)
  let pathname = url.pathname
  if (pathname === '/_root.data') pathname = '/'
  else if (pathname.endsWith('.data')) pathname = pathname.slice(0, -'.data'.length) || '/'
  url.searchParams.delete('_routes')
  url.searchParams.delete('index')
  const search = url.searchParams.toString()
  return `${pathname}${search ? `?${search}` : ''}`
}

/** `/login?redirectTo=…` for a page path; the plain login page for `/`. */
export function loginPath(returnTo: string): string {
  return returnTo === '/' ? '/login' : `/login?redirectTo=${encodeURIComponent(returnTo)}`
}

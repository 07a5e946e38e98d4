/**
 * Where to send someone after signing in: only paths on this site. Anything
 * else ("//evil.example", "https://…", "/\\evil") falls back, so the login
 * form cannot be used as an open redirect.
 */
export function safeRedirectPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return fallback
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback
  try {
    const url = new URL(value, 'http://admin.invalid')
    if (url.origin !== 'http://admin.invalid') return fallback
    return `${url.pathname}${url.search}${url.hash}`
  } catch {
    return fallback
  }
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

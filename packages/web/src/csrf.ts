import type { NextFunction, Request, Response } from 'express'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * CSRF defence for every mutation (Remix actions and tRPC alike): a
 * state-changing request must come from our own origin, as browsers state in
 * Origin (or Referer). Combined with SameSite=Lax session cookies.
 * `exemptPaths` are endpoints authenticated by other means (signed webhooks).
 */
export function sameOriginMutations(options: { exemptPathPrefixes?: string[] } = {}) {
  return (request: Request, response: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(request.method)) return next()
    if (options.exemptPathPrefixes?.some((prefix) => request.path.startsWith(prefix))) return next()
    const host = request.get('x-forwarded-host') ?? request.get('host')
    const source = request.get('origin') ?? request.get('referer')
    let sourceHost: string | null = null
    try {
      sourceHost = source && source !== 'null' ? new URL(source).host : null
    } catch {
      sourceHost = null
    }
    if (!host || !sourceHost || sourceHost !== host) {
      response
        .status(403)
        .type('text/plain')
        .send('This request did not come from this site, so it was refused (cross-site request protection). Reload the page and try again.')
      return
    }
    next()
  }
}

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

/**
 * Refuse oversized bodies up front (actions read the whole body into memory).
 * Declared lengths are checked here; a chunked body is cut off when it passes
 * the limit while streaming.
 */
export function limitBodySize(maxBytes: number) {
  return (request: Request, response: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(request.method)) return next()
    const declared = Number(request.get('content-length') ?? 0)
    if (declared > maxBytes) {
      response.status(413).set('Connection', 'close').type('text/plain').send(`The request is larger than ${Math.round(maxBytes / 1024 / 1024)} MB and was refused.`)
      return
    }
    if (!request.get('content-length')) {
      let received = 0
      request.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > maxBytes) request.destroy(new Error('request body too large'))
      })
    }
    next()
  }
}

import type { NextFunction, Request, Response } from 'express'

export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
} as const

/**
 * Security headers for every response, applied when the headers go out and
 * only where the route did not set its own: Remix's Express adapter
 * *appends* a route's headers, so presetting them would turn a file
 * preview's `X-Frame-Options: SAMEORIGIN` into the invalid (and therefore
 * DENY) "DENY, SAMEORIGIN".
 */
export function defaultSecurityHeaders() {
  return (_request: Request, response: Response, next: NextFunction) => {
    const writeHead = response.writeHead
    response.writeHead = function (this: Response, ...args: Parameters<typeof writeHead>) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!this.hasHeader(name)) this.setHeader(name, value)
      return writeHead.apply(this, args)
    } as typeof writeHead
    next()
  }
}

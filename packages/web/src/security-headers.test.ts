import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultSecurityHeaders } from './security-headers.js'

let server: ReturnType<ReturnType<typeof express>['listen']>
let base: string

beforeAll(async () => {
  const app = express()
  app.use(defaultSecurityHeaders())
  app.get('/page', (_request, response) => {
    response.send('page')
  })
  // Like Remix's adapter: the route's own header is appended.
  app.get('/preview', (_request, response) => {
    response.append('X-Frame-Options', 'SAMEORIGIN')
    response.send('preview')
  })
  app.get('/stream', (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain' })
    response.end('streamed')
  })
  server = app.listen(0)
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('default security headers', () => {
  it('are on every response', async () => {
    for (const path of ['/page', '/stream']) {
      const response = await fetch(`${base}${path}`)
      expect(response.headers.get('x-frame-options'), path).toBe('DENY')
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(response.headers.get('cross-origin-opener-policy'), path).toBe('same-origin')
    }
  })

  it('give way to a route that sets its own, instead of producing a combined value', async () => {
    const response = await fetch(`${base}/preview`)
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })
})

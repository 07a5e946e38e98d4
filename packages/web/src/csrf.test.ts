import type { NextFunction, Request, Response } from 'express'
import { describe, expect, it, vi } from 'vitest'
import { limitBodySize, sameOriginMutations } from './csrf.js'

function run(method: string, headers: Record<string, string>, path = '/partners') {
  const request = { method, path, get: (name: string) => headers[name.toLowerCase()] } as unknown as Request
  const sent: { status?: number } = {}
  const response = {
    status(code: number) {
      sent.status = code
      return this
    },
    type() {
      return this
    },
    send() {
      return this
    },
  } as unknown as Response
  const next = vi.fn() as unknown as NextFunction
  sameOriginMutations({ exemptPathPrefixes: ['/webhooks/'] })(request, response, next)
  return { passed: (next as unknown as ReturnType<typeof vi.fn>).mock.calls.length === 1, status: sent.status }
}

describe('same-origin check on mutations', () => {
  it('lets reads through without an Origin', () => {
    expect(run('GET', { host: 'localhost:3000' })).toEqual({ passed: true, status: undefined })
  })
  it('accepts a POST from its own origin (Origin or Referer)', () => {
    expect(run('POST', { host: 'localhost:3000', origin: 'http://localhost:3000' }).passed).toBe(true)
    expect(run('POST', { host: 'acme.localhost:3001', referer: 'http://acme.localhost:3001/login' }).passed).toBe(true)
  })
  it('refuses cross-site, missing and opaque origins with 403', () => {
    expect(run('POST', { host: 'localhost:3000', origin: 'http://evil.example' })).toEqual({ passed: false, status: 403 })
    expect(run('POST', { host: 'localhost:3000' })).toEqual({ passed: false, status: 403 })
    expect(run('DELETE', { host: 'localhost:3000', origin: 'null' })).toEqual({ passed: false, status: 403 })
    // Another tenant's portal host is another origin too.
    expect(run('POST', { host: 'beta.localhost:3001', origin: 'http://alpha.localhost:3001' })).toEqual({ passed: false, status: 403 })
  })
  it('exempts signed webhook paths', () => {
    expect(run('POST', { host: 'localhost:3000' }, '/webhooks/resend').passed).toBe(true)
  })
})

describe('body size limit', () => {
  it('refuses a declared body over the limit with 413 and lets smaller ones through', () => {
    const check = (length: string) => {
      const request = { method: 'POST', get: (name: string) => (name.toLowerCase() === 'content-length' ? length : undefined), on: () => undefined } as unknown as Request
      const sent: { status?: number } = {}
      const response = {
        status(code: number) {
          sent.status = code
          return this
        },
        set() {
          return this
        },
        type() {
          return this
        },
        send() {
          return this
        },
      } as unknown as Response
      const next = vi.fn()
      limitBodySize(1024 * 1024)(request, response, next as unknown as NextFunction)
      return { passed: next.mock.calls.length === 1, status: sent.status }
    }
    expect(check(String(2 * 1024 * 1024))).toEqual({ passed: false, status: 413 })
    expect(check('512')).toEqual({ passed: true, status: undefined })
  })
})

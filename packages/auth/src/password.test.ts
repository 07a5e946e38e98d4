import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from './password.js'
import { createOneTimeToken, parseOneTimeToken } from './tokens.js'

describe('passwords', () => {
  it('verifies the right password and nothing else', async () => {
    const hash = await hashPassword('correct horse battery staple')
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/)
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true)
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false)
    expect(await verifyPassword('anything', null)).toBe(false)
    expect(await verifyPassword('anything', 'plaintext')).toBe(false)
  })

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same password here')).not.toBe(await hashPassword('same password here'))
  })

  it('treats composed and decomposed Unicode the same (NFKC)', async () => {
    const hash = await hashPassword('Zoë straße 2026')
    expect(await verifyPassword('Zoe\u0308 straße 2026', hash)).toBe(true)
  })
})

describe('one-time tokens', () => {
  const tenantId = '6f1c1a52-7f0b-4d43-9a55-2a9b1f0c3d11'

  it('round-trips tenant and secret hash; stores no secret', () => {
    const { token, tokenHash } = createOneTimeToken(tenantId)
    expect(token.startsWith(`${tenantId}.`)).toBe(true)
    expect(tokenHash).not.toContain(token.split('.')[1])
    expect(parseOneTimeToken(token)).toEqual({ tenantId, tokenHash })
  })

  it.each(['', 'nonsense', `${'-'.repeat(36)}.${'a'.repeat(43)}`, `${tenantId}.short`, `not-a-uuid.${'a'.repeat(43)}`, `${tenantId}.${'a'.repeat(42)}!`])('rejects malformed token %j', (token) => {
    expect(parseOneTimeToken(token)).toBeNull()
  })
})

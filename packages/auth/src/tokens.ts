import { createHash, randomBytes } from 'node:crypto'

/**
 * One-time links (invitations, e-mail verification, password reset, magic
 * links) carry `<tenantId>.<secret>`: the tenant part picks the RLS scope,
 * only the secret's SHA-256 is stored, so a database leak yields no usable link.
 */
export function createOneTimeToken(tenantId: string): { token: string; tokenHash: string } {
  const secret = randomBytes(32).toString('base64url')
  return { token: `${tenantId}.${secret}`, tokenHash: hashSecret(secret) }
}

export function parseOneTimeToken(token: string): { tenantId: string; tokenHash: string } | null {
  const match = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/i.exec(token.trim())
  if (!match?.[1] || !match[2]) return null
  return { tenantId: match[1].toLowerCase(), tokenHash: hashSecret(match[2]) }
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

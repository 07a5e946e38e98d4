import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { coreEnv } from '../env.js'

/**
 * CRM credentials at rest: AES-256-GCM with a key from CRM_ENCRYPTION_KEY.
 * Without it a fixed local key is used so the product runs with no
 * configuration; the README says to set a real one in production.
 * Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url), so a key or format
 * change later can be recognised.
 */
const LOCAL_KEY = createHash('sha256').update('accord-local-only-crm-credentials').digest()

function encryptionKey(): Buffer {
  const configured = coreEnv().CRM_ENCRYPTION_KEY
  if (!configured) return LOCAL_KEY
  return /^[0-9a-f]{64}$/i.test(configured) ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'base64')
}

export function encryptSecret(plaintext: string, key: Buffer = encryptionKey()): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.')
}

export class SecretUnreadableError extends Error {}

export function decryptSecret(stored: string, key: Buffer = encryptionKey()): string {
  const [version, iv, tag, ciphertext] = stored.split('.')
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new SecretUnreadableError('Stored CRM credentials are in an unknown format.')
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
  } catch (error) {
    throw new SecretUnreadableError('Stored CRM credentials cannot be decrypted (was CRM_ENCRYPTION_KEY changed?). Reconnect the CRM.', { cause: error })
  }
}

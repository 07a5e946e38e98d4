import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { type Keyring, processKeyring } from './keys.js'

/**
 * Secrets at rest: AES-256-GCM. Stored as
 * `v2:<key id>:<iv>:<tag>:<ciphertext>` (base64url parts), so a ciphertext
 * names the key that sealed it: rotation keeps the old key among the
 * previous keys until the re-encryption job has moved every row to the new
 * one. `v1.<iv>.<tag>.<ciphertext>` (before key ids) still opens, with the
 * current key or any previous one.
 */
export class SecretUnreadableError extends Error {}

export function encryptSecret(plaintext: string, keyring: Keyring = processKeyring()): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return ['v2', keyring.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':')
}

function open(key: Buffer, iv: string, tag: string, ciphertext: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
}

const unreadable = (cause?: unknown) =>
  new SecretUnreadableError('A stored secret cannot be decrypted with CRM_ENCRYPTION_KEY or CRM_ENCRYPTION_PREVIOUS_KEYS (was the key changed without keeping the old one?). Reconnect the CRM or Slack.', { cause })

export function decryptSecret(stored: string, keyring: Keyring = processKeyring()): string {
  if (stored.startsWith('v2:')) {
    const [, keyId, iv, tag, ciphertext] = stored.split(':')
    if (!keyId || !iv || !tag || ciphertext === undefined) throw new SecretUnreadableError('A stored secret is in an unknown format.')
    const key = keyring.all.find((candidate) => candidate.id === keyId)
    if (!key) throw unreadable()
    try {
      return open(key.key, iv, tag, ciphertext)
    } catch (error) {
      throw unreadable(error)
    }
  }
  const [version, iv, tag, ciphertext] = stored.split('.')
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new SecretUnreadableError('A stored secret is in an unknown format.')
  // No key id: the current key first (what sealed it before rotation existed), then the previous ones.
  let lastError: unknown
  for (const candidate of keyring.all) {
    try {
      return open(candidate.key, iv, tag, ciphertext)
    } catch (error) {
      lastError = error
    }
  }
  throw unreadable(lastError)
}

/** Sealed with something other than the current key (or in the old format): the re-encryption job rewrites it. */
export function needsReencryption(stored: string, keyring: Keyring = processKeyring()): boolean {
  return !stored.startsWith(`v2:${keyring.current.id}:`)
}

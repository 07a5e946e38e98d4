import { createHash } from 'node:crypto'
import { type CoreEnv, coreEnv, LOCAL_DEVELOPMENT_SECRETS } from '../env.js'
import { parseKeyMaterial } from './key-material.js'

export { parseKeyMaterial }

/**
 * The keys for secrets at rest (CRM credentials, Slack webhooks, tokens and
 * signing secrets): AES-256 keys, each named by a short id derived from the
 * key itself, so a ciphertext says which key sealed it and keys can rotate.
 */
export interface EncryptionKey {
  /** First 8 hex characters of SHA-256(key): names the key in a ciphertext without revealing it. */
  id: string
  key: Buffer
}

export interface Keyring {
  /** Seals everything new. */
  current: EncryptionKey
  /** Current first, then the previous keys: any of them opens what it sealed. */
  all: EncryptionKey[]
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8)
}

function named(key: Buffer): EncryptionKey {
  return { id: keyIdOf(key), key }
}

/** The public key the local profile uses when CRM_ENCRYPTION_KEY is unset (refused in production by the env check). */
export const LOCAL_ENCRYPTION_KEY = Buffer.from(LOCAL_DEVELOPMENT_SECRETS.crmEncryptionKeyHex, 'hex')

/** The word that names the built-in local key in CRM_ENCRYPTION_PREVIOUS_KEYS, to move data sealed with it to a real key. */
export const LOCAL_KEY_ALIAS = LOCAL_DEVELOPMENT_SECRETS.previousKeyAlias

export function keyringFromEnv(env: Pick<CoreEnv, 'CRM_ENCRYPTION_KEY' | 'CRM_ENCRYPTION_PREVIOUS_KEYS'>): Keyring {
  const currentKey = env.CRM_ENCRYPTION_KEY ? parseKeyMaterial(env.CRM_ENCRYPTION_KEY) : LOCAL_ENCRYPTION_KEY
  if (!currentKey) throw new Error('CRM_ENCRYPTION_KEY is not a 32-byte key')
  const current = named(currentKey)
  const all = [current]
  for (const entry of env.CRM_ENCRYPTION_PREVIOUS_KEYS) {
    const key = entry === LOCAL_KEY_ALIAS ? LOCAL_ENCRYPTION_KEY : parseKeyMaterial(entry)
    if (!key) throw new Error('CRM_ENCRYPTION_PREVIOUS_KEYS holds a value that is not a 32-byte key')
    const previous = named(key)
    if (!all.some((known) => known.id === previous.id)) all.push(previous)
  }
  return { current, all }
}

let cached: Keyring | undefined
/** The process's keyring from its environment (validated at boot by coreEnv). */
export function processKeyring(): Keyring {
  cached ??= keyringFromEnv(coreEnv())
  return cached
}

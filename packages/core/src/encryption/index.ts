export { type EncryptionKey, type Keyring, keyIdOf, keyringFromEnv, LOCAL_KEY_ALIAS, parseKeyMaterial, processKeyring } from './keys.js'
export { decryptSecret, encryptSecret, needsReencryption, SecretUnreadableError } from './secrets.js'
export { listAllTenantIds, type ReencryptionResult, reencryptSecrets } from './reencrypt.js'

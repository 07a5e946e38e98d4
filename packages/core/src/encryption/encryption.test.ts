import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { withTenant } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_DEVELOPMENT_SECRETS } from '../env.js'
import { createPartnerOrganisation, createVendor } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { keyIdOf, keyringFromEnv } from './keys.js'
import { reencryptSecrets } from './reencrypt.js'
import { decryptSecret, encryptSecret, needsReencryption, SecretUnreadableError } from './secrets.js'

const keyA = randomBytes(32)
const keyB = randomBytes(32)
const keyC = randomBytes(32)
const ringA = keyringFromEnv({ CRM_ENCRYPTION_KEY: keyA.toString('base64'), CRM_ENCRYPTION_PREVIOUS_KEYS: [] })
const ringBwithA = keyringFromEnv({ CRM_ENCRYPTION_KEY: keyB.toString('hex'), CRM_ENCRYPTION_PREVIOUS_KEYS: [keyA.toString('base64')] })
const ringB = keyringFromEnv({ CRM_ENCRYPTION_KEY: keyB.toString('hex'), CRM_ENCRYPTION_PREVIOUS_KEYS: [] })
const ringC = keyringFromEnv({ CRM_ENCRYPTION_KEY: keyC.toString('hex'), CRM_ENCRYPTION_PREVIOUS_KEYS: [] })

/** The format before key ids (`v1.<iv>.<tag>.<ciphertext>`), as the old code wrote it. */
function sealV1(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.')
}

describe('secrets at rest carry the id of their key', () => {
  it('seals as v2:<key id>:<iv>:<tag>:<ciphertext>, the id being the first 8 hex of SHA-256(key)', () => {
    const sealed = encryptSecret('pat-123', ringA)
    const parts = sealed.split(':')
    expect(parts).toHaveLength(5)
    expect(parts[0]).toBe('v2')
    expect(parts[1]).toBe(createHash('sha256').update(keyA).digest('hex').slice(0, 8))
    expect(parts[1]).toBe(keyIdOf(keyA))
    expect(sealed).not.toContain('pat-123')
    expect(decryptSecret(sealed, ringA)).toBe('pat-123')
  })

  it('opens what a previous key sealed during a rotation, and refuses once that key is gone', () => {
    const sealedWithA = encryptSecret('xoxb-secret', ringA)
    expect(decryptSecret(sealedWithA, ringBwithA)).toBe('xoxb-secret')
    expect(needsReencryption(sealedWithA, ringBwithA)).toBe(true)
    expect(needsReencryption(encryptSecret('x', ringBwithA), ringBwithA)).toBe(false)
    expect(() => decryptSecret(sealedWithA, ringB)).toThrow(SecretUnreadableError)
  })

  it('still opens ciphertexts from before key ids, with the current key or a previous one', () => {
    expect(decryptSecret(sealV1('old token', keyB), ringBwithA)).toBe('old token')
    expect(decryptSecret(sealV1('older token', keyA), ringBwithA)).toBe('older token')
    expect(needsReencryption(sealV1('x', keyB), ringBwithA)).toBe(true)
    expect(() => decryptSecret(sealV1('x', keyC), ringBwithA)).toThrow(SecretUnreadableError)
  })

  it('refuses a tampered ciphertext and an unknown format', () => {
    const sealed = encryptSecret('token', ringA)
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`
    expect(() => decryptSecret(tampered, ringA)).toThrow(SecretUnreadableError)
    expect(() => decryptSecret('plain text', ringA)).toThrow(/unknown format/)
  })

  it('builds the keyring from the environment: hex or base64, previous keys, the local key by name', () => {
    const local = Buffer.from(LOCAL_DEVELOPMENT_SECRETS.crmEncryptionKeyHex, 'hex')
    const ring = keyringFromEnv({ CRM_ENCRYPTION_KEY: keyA.toString('hex'), CRM_ENCRYPTION_PREVIOUS_KEYS: [keyB.toString('base64url'), 'local-development-key', keyA.toString('base64')] })
    expect(ring.current.id).toBe(keyIdOf(keyA))
    expect(ring.all.map((key) => key.id)).toEqual([keyIdOf(keyA), keyIdOf(keyB), keyIdOf(local)])
    // Unset key: the public local one (production refuses to boot without a key).
    expect(keyringFromEnv({ CRM_ENCRYPTION_KEY: undefined, CRM_ENCRYPTION_PREVIOUS_KEYS: [] }).current.id).toBe(keyIdOf(local))
  })
})

describe('re-encryption', () => {
  let deps: TestDeps
  beforeAll(async () => {
    deps = await createTestDeps()
  })
  afterAll(async () => {
    await deps?.close()
  })

  it('rewrites CRM and Slack secrets under the current key, leaves unreadable ones alone, and is a no-op the second time', async () => {
    const vendor = await createVendor(deps)
    const partner = await createPartnerOrganisation(vendor.owner, { name: 'Slack Partner' })
    const credentials = JSON.stringify({ provider: 'hubspot', accessToken: 'pat-na1-1234567890' })
    await withTenant(deps.db, { tenantId: vendor.tenantId }, async (trx) => {
      await trx.insertInto('crm_connections').values({ tenant_id: vendor.tenantId, provider: 'hubspot', credentials_ciphertext: sealV1(credentials, keyA), webhook_secret_ciphertext: encryptSecret('webhook-secret', ringA) }).execute()
      await trx.insertInto('slack_connections').values({ tenant_id: vendor.tenantId, mode: 'webhook', credentials_ciphertext: encryptSecret('{"mode":"webhook","webhookUrl":"https://hooks.slack.test/1"}', ringA), signing_secret_ciphertext: encryptSecret('signing', ringC) }).execute()
      await trx.insertInto('partner_slack_channels').values({ tenant_id: vendor.tenantId, partner_id: partner.id, webhook_url_ciphertext: encryptSecret('https://hooks.slack.test/partner', ringA) }).execute()
    })

    const first = await reencryptSecrets(deps, ringBwithA)
    expect(first.reencrypted).toBeGreaterThanOrEqual(4)
    expect(first.unreadable).toBeGreaterThanOrEqual(1)
    const rows = await withTenant(deps.db, { tenantId: vendor.tenantId }, async (trx) => ({
      crm: await trx.selectFrom('crm_connections').selectAll().executeTakeFirstOrThrow(),
      slack: await trx.selectFrom('slack_connections').selectAll().executeTakeFirstOrThrow(),
      channel: await trx.selectFrom('partner_slack_channels').selectAll().executeTakeFirstOrThrow(),
    }))
    const onB = `v2:${keyIdOf(keyB)}:`
    expect(rows.crm.credentials_ciphertext.startsWith(onB)).toBe(true)
    expect(rows.crm.webhook_secret_ciphertext?.startsWith(onB)).toBe(true)
    expect(rows.slack.credentials_ciphertext.startsWith(onB)).toBe(true)
    expect(rows.channel.webhook_url_ciphertext.startsWith(onB)).toBe(true)
    // Key A is no longer needed for anything.
    expect(decryptSecret(rows.crm.credentials_ciphertext, ringB)).toBe(credentials)
    expect(decryptSecret(rows.crm.webhook_secret_ciphertext as string, ringB)).toBe('webhook-secret')
    expect(decryptSecret(rows.channel.webhook_url_ciphertext, ringB)).toBe('https://hooks.slack.test/partner')
    // Sealed with a key nobody configured: left as it was, to be reconnected.
    expect(rows.slack.signing_secret_ciphertext?.startsWith(`v2:${keyIdOf(keyC)}:`)).toBe(true)

    const second = await reencryptSecrets(deps, ringBwithA)
    const again = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) => trx.selectFrom('crm_connections').select('credentials_ciphertext').executeTakeFirstOrThrow())
    expect(again.credentials_ciphertext).toBe(rows.crm.credentials_ciphertext)
    expect(second.reencrypted).toBeLessThan(first.reencrypted)
  })
})

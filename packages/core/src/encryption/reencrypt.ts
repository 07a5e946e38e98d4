import { sql, type TenantTransaction, withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { type Keyring, processKeyring } from './keys.js'
import { decryptSecret, encryptSecret, needsReencryption, SecretUnreadableError } from './secrets.js'

export interface ReencryptionResult {
  tenants: number
  /** Ciphertexts rewritten under the current key. */
  reencrypted: number
  /** Ciphertexts no configured key opens (left as they are; the CRM or Slack must be reconnected). */
  unreadable: number
}

/** Every workspace, suspended ones too: their secrets must move off an old key before it is dropped. */
export async function listAllTenantIds(deps: Pick<CoreDeps, 'db'>): Promise<string[]> {
  const result = await sql<{ id: string }>`select all_tenant_ids() as id`.execute(deps.db)
  return result.rows.map((row) => row.id)
}

type Counts = { reencrypted: number; unreadable: number }

function reseal(stored: string, keyring: Keyring, counts: Counts): string | null {
  if (!needsReencryption(stored, keyring)) return null
  try {
    const next = encryptSecret(decryptSecret(stored, keyring), keyring)
    counts.reencrypted += 1
    return next
  } catch (error) {
    if (!(error instanceof SecretUnreadableError)) throw error
    counts.unreadable += 1
    return null
  }
}

async function reencryptTenant(trx: TenantTransaction, keyring: Keyring, counts: Counts): Promise<void> {
  // Rows are locked while rewritten, so a concurrent reconnect is not overwritten with the old secret.
  const crm = await trx.selectFrom('crm_connections').select(['credentials_ciphertext', 'webhook_secret_ciphertext']).forUpdate().executeTakeFirst()
  if (crm) {
    const credentials = reseal(crm.credentials_ciphertext, keyring, counts)
    const webhook = crm.webhook_secret_ciphertext ? reseal(crm.webhook_secret_ciphertext, keyring, counts) : null
    if (credentials || webhook) {
      await trx
        .updateTable('crm_connections')
        .set({ ...(credentials ? { credentials_ciphertext: credentials } : {}), ...(webhook ? { webhook_secret_ciphertext: webhook } : {}) })
        .execute()
    }
  }
  const slack = await trx.selectFrom('slack_connections').select(['credentials_ciphertext', 'signing_secret_ciphertext']).forUpdate().executeTakeFirst()
  if (slack) {
    const credentials = reseal(slack.credentials_ciphertext, keyring, counts)
    const signing = slack.signing_secret_ciphertext ? reseal(slack.signing_secret_ciphertext, keyring, counts) : null
    if (credentials || signing) {
      await trx
        .updateTable('slack_connections')
        .set({ ...(credentials ? { credentials_ciphertext: credentials } : {}), ...(signing ? { signing_secret_ciphertext: signing } : {}) })
        .execute()
    }
  }
  const channels = await trx.selectFrom('partner_slack_channels').select(['partner_id', 'webhook_url_ciphertext']).forUpdate().execute()
  for (const channel of channels) {
    const webhook = reseal(channel.webhook_url_ciphertext, keyring, counts)
    if (webhook) await trx.updateTable('partner_slack_channels').set({ webhook_url_ciphertext: webhook }).where('partner_id', '=', channel.partner_id).execute()
  }
}

/**
 * Rewrite every secret at rest that is not sealed with the current key (old
 * format, or a previous key) under the current key, one workspace per
 * transaction. Safe to run any time and repeatedly: rows already on the
 * current key are not touched. The worker runs it at start-up, so after a
 * key change (new CRM_ENCRYPTION_KEY, old one in CRM_ENCRYPTION_PREVIOUS_KEYS)
 * one restart moves everything; the log says when nothing is left on old keys.
 */
export async function reencryptSecrets(deps: Pick<CoreDeps, 'db'>, keyring: Keyring = processKeyring()): Promise<ReencryptionResult> {
  const tenantIds = await listAllTenantIds(deps)
  const counts: Counts = { reencrypted: 0, unreadable: 0 }
  for (const tenantId of tenantIds) await withTenant(deps.db, { tenantId }, (trx) => reencryptTenant(trx, keyring, counts))
  return { tenants: tenantIds.length, ...counts }
}

import { type AttributionMode, type CrmConnector, type CrmCredentials, crmCredentials, type CrmRequestHooks } from '@accord/crm'
import { createHubspotConnector } from '@accord/crm/hubspot/connector'
import { createSalesforceConnector } from '@accord/crm/salesforce/connector'
import type { DB, Selectable } from '@accord/db'
import { decryptSecret, encryptSecret } from '../encryption/secrets.js'

export type CrmConnectionRow = Selectable<DB['crm_connections']>

export function crmLabel(provider: string): string {
  return provider === 'hubspot' ? 'HubSpot' : provider === 'salesforce' ? 'Salesforce' : 'the built-in CRM'
}

export function sealCredentials(credentials: CrmCredentials): string {
  return encryptSecret(JSON.stringify(credentials))
}

export function readConnectionCredentials(connection: Pick<CrmConnectionRow, 'credentials_ciphertext'>): CrmCredentials {
  return crmCredentials.parse(JSON.parse(decryptSecret(connection.credentials_ciphertext)))
}

/** The one place a provider name becomes a connector. */
export function connectorFor(credentials: CrmCredentials, hooks: CrmRequestHooks = {}, options: { timeoutMs?: number; attributionMode?: AttributionMode } = {}): CrmConnector {
  if (credentials.provider === 'hubspot') return createHubspotConnector(credentials, { hooks, timeoutMs: options.timeoutMs, attributionMode: options.attributionMode })
  return createSalesforceConnector(credentials, { hooks, timeoutMs: options.timeoutMs })
}

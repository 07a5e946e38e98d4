import { type AttributionMode, type CrmConnector, type CrmCredentials, crmCredentials, type CrmRequestHooks, isCrmError } from '@accord/crm'
import { createHubspotConnector } from '@accord/crm/hubspot/connector'
import { createSalesforceConnector } from '@accord/crm/salesforce/connector'
import type { DB, Selectable } from '@accord/db'
import { describeOutboundFailure } from '@accord/outbound'
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

/**
 * What the settings page may say about a failed call to the CRM: which
 * kind of failure, the HTTP status, or a documented error code from
 * Accord's own list — never the answer's text or a socket error, because
 * the address may be one the tenant chose to probe with.
 */
export function describeCrmFailure(error: unknown, provider: string): { message: string; credentials: boolean } {
  const label = crmLabel(provider)
  if (!isCrmError(error)) return { message: `Could not reach ${label}.`, credentials: false }
  const { outbound, status, code } = error.details
  if (outbound) return { message: describeOutboundFailure(label, outbound, status), credentials: false }
  if (error.kind === 'auth' && (status !== undefined || code !== undefined)) return { message: `${label} did not accept these credentials (${code ?? `HTTP ${status}`}).`, credentials: true }
  if (status !== undefined) return { message: describeOutboundFailure(label, 'http_status', status), credentials: false }
  return { message: `${label} sent an answer Accord could not use.`, credentials: false }
}

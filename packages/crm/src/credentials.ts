import { z } from 'zod'

/**
 * Credentials per provider, as the admin form submits them and as they are
 * stored (encrypted at rest by core). `baseUrl`/`loginUrl` default to the
 * real services; tests and the benchmark point them at local fake servers.
 */
const httpUrl = z.string().trim().url('Enter a full URL, e.g. https://api.hubapi.com').refine((value) => /^https?:\/\//.test(value), 'Use an http or https URL')

export const hubspotCredentials = z.object({
  provider: z.literal('hubspot'),
  /** Private-app access token (`pat-…`) or an OAuth access token. */
  accessToken: z.string().trim().min(10, 'Paste the private app access token (it starts with pat-)').max(500),
  baseUrl: httpUrl.optional(),
})
export type HubspotCredentials = z.infer<typeof hubspotCredentials>

export const salesforcePasswordCredentials = z.object({
  provider: z.literal('salesforce'),
  method: z.literal('password'),
  username: z.string().trim().min(3, 'Enter the integration user name').max(200),
  password: z.string().min(1, 'Enter the password').max(200),
  securityToken: z.string().trim().max(200).default(''),
  /** https://login.salesforce.com, https://test.salesforce.com for sandboxes, or a My Domain URL. */
  loginUrl: httpUrl.default('https://login.salesforce.com'),
})

export const salesforceOAuthCredentials = z.object({
  provider: z.literal('salesforce'),
  method: z.literal('oauth'),
  instanceUrl: httpUrl,
  accessToken: z.string().trim().min(10, 'Paste the OAuth access token').max(2000),
  refreshToken: z.string().trim().max(2000).optional(),
  clientId: z.string().trim().max(500).optional(),
  clientSecret: z.string().trim().max(500).optional(),
  loginUrl: httpUrl.default('https://login.salesforce.com'),
})

export const salesforceCredentials = z.discriminatedUnion('method', [salesforcePasswordCredentials, salesforceOAuthCredentials])
export type SalesforceCredentials = z.infer<typeof salesforceCredentials>

export const crmCredentials = z.union([hubspotCredentials, salesforcePasswordCredentials, salesforceOAuthCredentials])
export type CrmCredentials = z.infer<typeof crmCredentials>

/**
 * The outbound HTTP guard: every URL a tenant supplies (CRM base and login
 * URLs, Slack webhooks and API URLs) is requested through a client made
 * here, never with a bare fetch or agent.
 */
export { categorise, type AddressCategory, parseAddress, parseCidr } from './address.js'
export { type OutboundSettings, outboundSettings, STRICT_SETTINGS } from './env.js'
export { describeOutboundFailure, isOutboundError, OutboundError, type OutboundErrorCode, type OutboundFailure, toOutboundError } from './errors.js'
export { type OutboundResolver, type ResolvedAddress, systemResolver } from './lookup.js'
export { checkOutboundUrl, HUBSPOT_POLICY, type OutboundPolicy, SALESFORCE_POLICY, SLACK_API_POLICY, SLACK_WEBHOOK_POLICY } from './policy.js'
export { createOutboundClient, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, type OutboundClient, type OutboundClientOptions, type OutboundOverrides } from './client.js'

/**
 * The one connector contract every CRM implements (built-in, HubSpot,
 * Salesforce). The sync engine in core plans the work (which registrations,
 * which properties, through the tenant's field mapping) and a connector only
 * speaks its CRM's API. Connectors never retry on their own: they throw a
 * CrmError saying what happened (rate limit with its wait, transient,
 * invalid, auth) and the engine decides — so backoff, rate-limit waits and
 * the sync log live in one place.
 *
 * Every write is an upsert keyed by Accord's own ids (the registration id for
 * deals/opportunities, the account id for companies, the partner
 * organisation id for partner records, the e-mail for contacts), so a batch
 * replayed after a crash or a dropped connection never creates a duplicate.
 */

export type CrmProvider = 'builtin' | 'hubspot' | 'salesforce'

/** How a HubSpot deal carries its partner (domain.md, "Attribution"); Salesforce always uses Opportunity fields. */
export type AttributionMode = 'deal_property' | 'company_association' | 'partner_object'
export const ATTRIBUTION_MODES: readonly AttributionMode[] = ['deal_property', 'company_association', 'partner_object']

/** Values written to a CRM property: already formatted by the field mapping (dates as YYYY-MM-DD or ISO, numbers as strings). */
export type CrmPropertyValues = Record<string, string | null>

export interface CrmCompanyPush {
  /** Accord's account id: the upsert key (custom unique property / external id field). */
  accountId: string
  /** Registrable domain ("acme.com"); an existing CRM company with this domain is reused before anything is created. */
  domain: string | null
  name: string
  properties: CrmPropertyValues
}

export interface CrmContactPush {
  /** Contacts are keyed by e-mail (HubSpot's native unique key; SOQL lookup on Salesforce). */
  email: string
  firstName: string | null
  lastName: string
  properties: CrmPropertyValues
}

export interface CrmPartnerPush {
  /** Accord's partner organisation id: the upsert key of the partner record. */
  partnerId: string
  name: string
  domain: string | null
  properties: CrmPropertyValues
}

/** One approved registration as Accord wants it in the CRM. */
export interface CrmDealPush {
  /** Accord's registration id: the deal/opportunity upsert key, never changes. */
  registrationId: string
  /** Deal/opportunity properties Accord owns: written on every push. */
  properties: CrmPropertyValues
  /**
   * CRM-owned properties (stage, amount, close date): written only when the
   * record is created, never on update, so the CRM stays the source of
   * truth for them and pulls do not echo back.
   */
  createOnlyProperties: CrmPropertyValues
  company: CrmCompanyPush
  contact: CrmContactPush | null
  partner: CrmPartnerPush
  attribution: 'sourced' | 'influenced'
  /** External ids already in the map: connectors may skip look-ups with them, never require them. */
  known: { dealId?: string; companyId?: string; contactId?: string; partnerRecordId?: string }
}

export interface CrmDealPushResult {
  registrationId: string
  dealId: string
  companyId: string | null
  contactId: string | null
  partnerRecordId: string | null
  /** True when this push created the deal (false: it updated one that existed). */
  created: boolean
}

/** A deal as the CRM has it now: what pull brings back. */
export interface CrmDealChange {
  dealId: string
  /** Accord's registration id, read back from the deal's unique key property; null for deals Accord did not create. */
  registrationId: string | null
  /** The CRM's own stage value (HubSpot dealstage id, Salesforce StageName). */
  stage: string | null
  amount: number | null
  currency: string | null
  /** YYYY-MM-DD */
  closeDate: string | null
  outcome: 'open' | 'won' | 'lost'
  /** The CRM's last-modified time (ISO): hs_lastmodifieddate / SystemModstamp. */
  modifiedAt: string
}

export interface CrmPullPage {
  changes: CrmDealChange[]
  /** Pass back to continue; opaque to the engine. Null when nothing was seen (keep the old cursor). */
  cursor: string | null
  /** True when more changes are waiting after this page. */
  more: boolean
}

/**
 * Write-back of facts Accord learns later (certifications, engagement) onto
 * CRM contacts and companies. Defined now so later capabilities only add
 * callers; properties go through the same field mapping.
 */
export interface CrmWriteBack {
  object: 'contact' | 'company'
  /** Contact e-mail or company domain. */
  key: string
  properties: CrmPropertyValues
}

export interface CrmConnectionInfo {
  /** Human-readable name of what we are connected to ("HubSpot portal 12345", "Salesforce org 00D…"). */
  account: string
}

/** What the connector tells the engine about the CRM-side pipeline, for the stage mapping UI. */
export interface CrmStageOption {
  value: string
  label: string
}

export interface CrmConnector {
  readonly provider: CrmProvider
  /** Cheap authenticated call proving the credentials and base URL work. */
  testConnection(): Promise<CrmConnectionInfo>
  /**
   * Create what Accord needs in the CRM (custom properties/fields, association
   * labels, the Partner object) if missing. Idempotent: running it again
   * changes nothing.
   */
  ensureSchema(options: { attributionMode: AttributionMode; dealProperties: string[]; companyProperties: string[]; contactProperties: string[] }): Promise<void>
  /** Upsert up to 100 deals with their companies, contacts, partner records and associations. */
  upsertDeals(deals: CrmDealPush[]): Promise<CrmDealPushResult[]>
  /** Deals changed since the cursor, oldest first, at most `limit`. */
  pullChangedDeals(input: { cursor: string | null; limit: number }): Promise<CrmPullPage>
  /** The CRM's deal stages, for mapping them to Accord's motion stages. */
  listStages(): Promise<CrmStageOption[]>
  writeBack(records: CrmWriteBack[]): Promise<void>
  /**
   * Put a note on a deal's timeline (HubSpot: a note associated with the
   * deal; Salesforce: a completed Task on the opportunity). Creates a new
   * record every call: the engine keeps `noteId` by `dedupeKey` and never
   * calls twice for one key once it has the id.
   */
  addDealNote(input: CrmDealNote): Promise<{ noteId: string }>
}

export interface CrmDealNote {
  /** The CRM's deal / opportunity id (from the external-id map). */
  dealId: string
  /** Plain text. */
  body: string
  /** ISO time the note is dated at (when the partner wrote). */
  timestamp: string
  /** Accord's id for the note (the registration event id). */
  dedupeKey: string
}

/** Counts every HTTP request a connector makes and waits for a slot first (the engine's rate limiter). */
export interface CrmRequestHooks {
  /** Awaited before every request; the engine paces requests here. */
  beforeRequest?: () => Promise<void>
  /** Called after every response (or network failure), with its status (0 for a network failure). */
  afterResponse?: (status: number) => void
}

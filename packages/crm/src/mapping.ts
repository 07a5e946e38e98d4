import { z } from 'zod'
import type { CrmDealPush, CrmPropertyValues } from './connector.js'

/**
 * Field mapping: which Accord field goes to which CRM property, per object,
 * and who owns it.
 *
 * Ownership rule (docs/decisions/008-crm-sync.md):
 * - `accord` fields (partner, attribution, registration, protection, conflict,
 *   last activity) are Accord's: written on create and on every change.
 * - `crm` fields (deal name, stage, amount, close date, currency, company and
 *   contact details) belong to the CRM: written once, when Accord creates the
 *   record, and never overwritten afterwards; later changes flow back by pull.
 * Because an update never carries a CRM-owned field, a pulled change cannot
 * be pushed back, so push and pull do not echo each other.
 */

export type SyncedObject = 'deal' | 'company' | 'contact'
export type FieldOwner = 'accord' | 'crm'

/** Everything Accord knows about one approved registration, as plain values. */
export interface RegistrationSyncSource {
  registrationId: string
  caseNumber: number
  kind: 'lead' | 'deal'
  status: string
  motion: string
  companyName: string
  domain: string | null
  accountId: string
  contactName: string
  contactEmail: string
  contactRole: string | null
  amount: number | null
  currency: string | null
  expectedClose: string | null
  /** Accord's stage key of the deal (motion stage), when there is a deal. */
  stage: string | null
  partner: { id: string; name: string; type: string; domain: string | null }
  attribution: 'sourced' | 'influenced'
  attributionPercent: number
  partnerContactRole: string | null
  protectionStartsAt: string | null
  protectionEndsAt: string | null
  conflictStatus: string
  lastActivityAt: string
}

interface FieldDefinition {
  object: SyncedObject
  label: string
  owner: FieldOwner
  value: (source: RegistrationSyncSource, context: { stageFor: (source: RegistrationSyncSource) => string | null }) => string | null
  defaults: { hubspot: string | null; salesforce: string | null }
}

const day = (iso: string | null) => (iso === null ? null : iso.slice(0, 10))
const splitName = (name: string) => {
  const parts = name.trim().split(/\s+/)
  const lastName = parts.length > 1 ? parts.slice(1).join(' ') : (parts[0] ?? name)
  return { firstName: parts.length > 1 ? (parts[0] ?? null) : null, lastName }
}

export const SYNC_FIELDS = {
  case_number: { object: 'deal', label: 'Registration case number', owner: 'accord', value: (s) => `R-${s.caseNumber}`, defaults: { hubspot: 'accord_case_number', salesforce: 'Accord_Case_Number__c' } },
  registration_status: { object: 'deal', label: 'Registration status', owner: 'accord', value: (s) => s.status, defaults: { hubspot: 'accord_registration_status', salesforce: 'Accord_Registration_Status__c' } },
  motion: { object: 'deal', label: 'Partner motion', owner: 'accord', value: (s) => s.motion, defaults: { hubspot: 'accord_partner_motion', salesforce: 'Accord_Partner_Motion__c' } },
  partner_name: { object: 'deal', label: 'Partner organisation', owner: 'accord', value: (s) => s.partner.name, defaults: { hubspot: 'accord_partner_name', salesforce: 'Accord_Partner__c' } },
  partner_id: { object: 'deal', label: 'Partner organisation id', owner: 'accord', value: (s) => s.partner.id, defaults: { hubspot: 'accord_partner_id', salesforce: 'Accord_Partner_Id__c' } },
  partner_type: { object: 'deal', label: 'Partner type', owner: 'accord', value: (s) => s.partner.type, defaults: { hubspot: 'accord_partner_type', salesforce: 'Accord_Partner_Type__c' } },
  attribution: { object: 'deal', label: 'Sourced / influenced', owner: 'accord', value: (s) => s.attribution, defaults: { hubspot: 'accord_attribution', salesforce: 'Accord_Attribution__c' } },
  attribution_percent: { object: 'deal', label: 'Attribution %', owner: 'accord', value: (s) => String(s.attributionPercent), defaults: { hubspot: 'accord_attribution_percent', salesforce: 'Accord_Attribution_Percent__c' } },
  partner_contact_role: { object: 'deal', label: 'Partner contact role', owner: 'accord', value: (s) => s.partnerContactRole, defaults: { hubspot: 'accord_partner_contact_role', salesforce: 'Accord_Partner_Contact_Role__c' } },
  protection_start: { object: 'deal', label: 'Protection start', owner: 'accord', value: (s) => day(s.protectionStartsAt), defaults: { hubspot: 'accord_protection_start', salesforce: 'Accord_Protection_Start__c' } },
  protection_end: { object: 'deal', label: 'Protection end', owner: 'accord', value: (s) => day(s.protectionEndsAt), defaults: { hubspot: 'accord_protection_end', salesforce: 'Accord_Protection_End__c' } },
  conflict_status: { object: 'deal', label: 'Conflict status', owner: 'accord', value: (s) => s.conflictStatus, defaults: { hubspot: 'accord_conflict_status', salesforce: 'Accord_Conflict_Status__c' } },
  last_activity: { object: 'deal', label: 'Last partner activity', owner: 'accord', value: (s) => day(s.lastActivityAt), defaults: { hubspot: 'accord_last_activity', salesforce: 'Accord_Last_Activity__c' } },
  deal_name: { object: 'deal', label: 'Deal name', owner: 'crm', value: (s) => `${s.companyName} (R-${s.caseNumber})`, defaults: { hubspot: 'dealname', salesforce: 'Name' } },
  stage: { object: 'deal', label: 'Stage', owner: 'crm', value: (s, context) => context.stageFor(s), defaults: { hubspot: 'dealstage', salesforce: 'StageName' } },
  amount: { object: 'deal', label: 'Amount', owner: 'crm', value: (s) => (s.amount === null ? null : String(s.amount)), defaults: { hubspot: 'amount', salesforce: 'Amount' } },
  close_date: { object: 'deal', label: 'Close date', owner: 'crm', value: (s) => s.expectedClose, defaults: { hubspot: 'closedate', salesforce: 'CloseDate' } },
  currency: { object: 'deal', label: 'Currency', owner: 'crm', value: (s) => s.currency, defaults: { hubspot: 'deal_currency_code', salesforce: null } },
  company_name: { object: 'company', label: 'Company name', owner: 'crm', value: (s) => s.companyName, defaults: { hubspot: 'name', salesforce: 'Name' } },
  company_domain: { object: 'company', label: 'Company domain', owner: 'crm', value: (s) => s.domain, defaults: { hubspot: 'domain', salesforce: 'Website' } },
  contact_first_name: { object: 'contact', label: 'Contact first name', owner: 'crm', value: (s) => splitName(s.contactName).firstName, defaults: { hubspot: 'firstname', salesforce: 'FirstName' } },
  contact_last_name: { object: 'contact', label: 'Contact last name', owner: 'crm', value: (s) => splitName(s.contactName).lastName, defaults: { hubspot: 'lastname', salesforce: 'LastName' } },
  contact_role: { object: 'contact', label: 'Contact job title', owner: 'crm', value: (s) => s.contactRole, defaults: { hubspot: 'jobtitle', salesforce: 'Title' } },
} satisfies Record<string, FieldDefinition>

export type SyncField = keyof typeof SYNC_FIELDS
export const SYNC_FIELD_NAMES = Object.keys(SYNC_FIELDS) as SyncField[]

/** Accord field → CRM property name (null: not synced). */
export type FieldMapping = Partial<Record<SyncField, string | null>>

/** HubSpot: lower-case letters, digits, underscores. Salesforce: API names (custom ones end in __c). */
const propertyName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'Use the CRM property’s internal name: letters, digits and underscores, starting with a letter')

export const fieldMappingInput = z.record(z.enum(SYNC_FIELD_NAMES as [SyncField, ...SyncField[]]), propertyName.nullable())

export function defaultFieldMapping(provider: 'hubspot' | 'salesforce'): Record<SyncField, string | null> {
  const mapping = {} as Record<SyncField, string | null>
  for (const field of SYNC_FIELD_NAMES) mapping[field] = SYNC_FIELDS[field].defaults[provider]
  return mapping
}

/** The tenant's stored mapping on top of the provider's defaults (fields added later get their default). */
export function effectiveFieldMapping(provider: 'hubspot' | 'salesforce', stored: FieldMapping | null | undefined): Record<SyncField, string | null> {
  const mapping = defaultFieldMapping(provider)
  for (const field of SYNC_FIELD_NAMES) {
    const value = stored?.[field]
    if (value !== undefined) mapping[field] = value
  }
  return mapping
}

/** Two Accord fields may not write one CRM property of the same object. */
export function mappingProblems(mapping: Record<SyncField, string | null>): Partial<Record<SyncField, string>> {
  const problems: Partial<Record<SyncField, string>> = {}
  const seen = new Map<string, SyncField>()
  for (const field of SYNC_FIELD_NAMES) {
    const property = mapping[field]
    if (!property) continue
    const key = `${SYNC_FIELDS[field].object}:${property.toLowerCase()}`
    const earlier = seen.get(key)
    if (earlier) problems[field] = `“${property}” is already written by ${SYNC_FIELDS[earlier].label}`
    else seen.set(key, field)
  }
  return problems
}

/** Accord stage (motion:stage) → the CRM's stage value; unmapped stages fall back to the provider's first open stage. */
export type StageMapping = Record<string, string>

export function defaultCrmStage(provider: 'hubspot' | 'salesforce'): string {
  return provider === 'hubspot' ? 'appointmentscheduled' : 'Prospecting'
}

/** Build what the connector writes for one registration, through the mapping. */
export function planDealPush(
  provider: 'hubspot' | 'salesforce',
  source: RegistrationSyncSource,
  mapping: Record<SyncField, string | null>,
  stageMapping: StageMapping,
  known: CrmDealPush['known'],
): CrmDealPush {
  const context = {
    stageFor: (registration: RegistrationSyncSource) =>
      (registration.stage ? stageMapping[`${registration.motion}:${registration.stage}`] : undefined) ?? stageMapping[`${registration.motion}:*`] ?? defaultCrmStage(provider),
  }
  const objectProperties = (object: SyncedObject, owner: FieldOwner): CrmPropertyValues => {
    const properties: CrmPropertyValues = {}
    for (const field of SYNC_FIELD_NAMES) {
      const definition: FieldDefinition = SYNC_FIELDS[field]
      const property = mapping[field]
      if (!property || definition.object !== object || definition.owner !== owner) continue
      // Name, domain, e-mail are passed to the connector as identity; not duplicated here.
      if (field === 'company_name' || field === 'company_domain' || field === 'contact_first_name' || field === 'contact_last_name') continue
      properties[property] = definition.value(source, context)
    }
    return properties
  }
  const name = splitName(source.contactName)
  return {
    registrationId: source.registrationId,
    properties: objectProperties('deal', 'accord'),
    createOnlyProperties: objectProperties('deal', 'crm'),
    company: { accountId: source.accountId, domain: source.domain, name: source.companyName, properties: objectProperties('company', 'crm') },
    contact: source.contactEmail ? { email: source.contactEmail.toLowerCase(), firstName: name.firstName, lastName: name.lastName, properties: objectProperties('contact', 'crm') } : null,
    partner: { partnerId: source.partner.id, name: source.partner.name, domain: source.partner.domain, properties: {} },
    attribution: source.attribution,
    known,
  }
}

/** Property names the CRM must have, per object (ensureSchema creates the missing custom ones). */
export function mappedProperties(mapping: Record<SyncField, string | null>): { dealProperties: string[]; companyProperties: string[]; contactProperties: string[] } {
  const of = (object: SyncedObject) => SYNC_FIELD_NAMES.filter((field) => SYNC_FIELDS[field].object === object).flatMap((field) => (mapping[field] ? [mapping[field] as string] : []))
  return { dealProperties: of('deal'), companyProperties: of('company'), contactProperties: of('contact') }
}

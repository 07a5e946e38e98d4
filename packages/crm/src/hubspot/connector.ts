import { Client } from '@hubspot/api-client'
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects/models/Filter.js'
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/AssociationSpec.js'
import type { PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties/models/PropertyCreate.js'
import type { ObjectTypePropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/schemas/models/ObjectTypePropertyCreate.js'
import { createOutboundClient, HUBSPOT_POLICY, type OutboundOverrides } from '@accord/outbound'
import type { HubspotCredentials } from '../credentials.js'
import { CrmError } from '../errors.js'
import type {
  AttributionMode,
  CrmConnector,
  CrmDealChange,
  CrmDealPush,
  CrmDealPushResult,
  CrmPropertyValues,
  CrmPullPage,
  CrmRequestHooks,
  CrmStageOption,
  CrmWriteBack,
} from '../connector.js'
import { guardedSdkAgent, HubspotHttpError, HubspotTransport, SDK_CALL_OPTIONS as sdk } from './http.js'

export const HUBSPOT_DEFAULT_BASE_URL = 'https://api.hubapi.com'
const DEFAULT_TIMEOUT_MS = 30_000

/** Accord's own unique keys in HubSpot: every write upserts by one of them. */
export const HUBSPOT_REGISTRATION_KEY = 'accord_registration_id'
export const HUBSPOT_ACCOUNT_KEY = 'accord_account_id'
export const HUBSPOT_PARTNER_KEY = 'accord_partner_id'
export const HUBSPOT_PARTNER_OBJECT = 'accord_partner'
export const HUBSPOT_PARTNER_LABELS = { sourced: 'Partner sourced', influenced: 'Partner influenced' } as const
const LABEL_NAMES = { sourced: 'partner_sourced', influenced: 'partner_influenced' } as const
const PROPERTY_GROUP = 'accord'
const DEAL_OBJECT_TYPE_ID = '0-3'
/** HubSpot's built-in association type "note to deal". */
export const NOTE_TO_DEAL_TYPE_ID = 214
const BATCH_LIMIT = 100
const SEARCH_PAGE_LIMIT = 200
/** HubSpot search refuses to page past this many results; pulls move the timestamp instead. */
const SEARCH_RESULT_CAP = 10_000

const PULL_PROPERTIES = ['dealstage', 'amount', 'closedate', 'deal_currency_code', 'hs_is_closed_won', 'hs_is_closed', HUBSPOT_REGISTRATION_KEY, 'hs_lastmodifieddate']

export interface HubspotConnectorOptions {
  hooks?: CrmRequestHooks
  timeoutMs?: number
  /**
   * How deals carry their partner. `upsertDeals` needs it and the contract
   * only passes it to `ensureSchema`; connectors are built per job run, so
   * the engine passes the tenant's mode here (ensureSchema also sets it).
   */
  attributionMode?: AttributionMode
  /** The outbound guard's settings, resolver and size cap; the operator's settings and the system resolver by default (tests pass their own). */
  outbound?: OutboundOverrides
}

type Properties = Record<string, string>
type ObjectType = 'deals' | 'companies' | 'contacts' | (string & {})

interface FoundObject {
  id: string
  properties: Record<string, string | null>
}

interface BatchErrorDetail {
  category?: string
  message?: string
  context?: Record<string, string[]>
}

interface BatchErrors {
  errors?: BatchErrorDetail[]
}

interface BatchAnswer extends BatchErrors {
  results?: Array<{ id: string; properties?: Record<string, string | null>; _new?: boolean; new?: boolean }>
  errors?: BatchErrorDetail[]
}

interface Filter {
  propertyName: string
  operator: 'EQ' | 'GTE' | 'IN'
  value?: string
  values?: string[]
}

export function createHubspotConnector(credentials: HubspotCredentials, options: HubspotConnectorOptions = {}): CrmConnector {
  const baseUrl = (credentials.baseUrl ?? HUBSPOT_DEFAULT_BASE_URL).replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  // The base URL is the tenant's: every request goes through the outbound guard (HubSpot's hosts only, unless the operator allows others).
  const outbound = createOutboundClient({ policy: HUBSPOT_POLICY, timeoutMs, ...options.outbound })
  // The engine paces and retries: no SDK retries (numberOfApiCallRetries 0) and no Bottleneck limiter (no limiterOptions).
  const client = new Client({
    accessToken: credentials.accessToken,
    basePath: baseUrl,
    numberOfApiCallRetries: 0,
    httpAgent: guardedSdkAgent(outbound),
  })
  // Resolved now: the SDK applies its (process-wide) retry/limiter decorators when an API object is first built.
  const api = {
    objects: client.crm.objects.batchApi,
    search: client.crm.objects.searchApi,
    properties: client.crm.properties.coreApi,
    propertyBatches: client.crm.properties.batchApi,
    propertyGroups: client.crm.properties.groupsApi,
    schemas: client.crm.schemas.coreApi,
    associations: client.crm.associations.v4.batchApi,
    associationLabels: client.crm.associations.v4.schema.definitionsApi,
    pipelines: client.crm.pipelines.pipelinesApi,
    notes: client.crm.objects.notes.basicApi,
  }
  const transport = new HubspotTransport(options.hooks ?? {}, timeoutMs, outbound, baseUrl)
  const send = transport.send.bind(transport)

  let attributionMode: AttributionMode | null = options.attributionMode ?? null
  // Discovered (read, or created) per connector instance; a new instance reads them again.
  let labelTypeIds: { sourced: number; influenced: number } | null = null
  let partnerObjectTypeId: string | null = null

  async function searchAll(objectType: ObjectType, filterGroups: Filter[][], properties: string[]): Promise<FoundObject[]> {
    const found: FoundObject[] = []
    let after: string | undefined
    do {
      const page = await send(`HubSpot search ${objectType}`, () =>
        api.search.doSearchWithHttpInfo(objectType, {
          filterGroups: filterGroups.map((filters) => ({ filters: filters.map(toSdkFilter) })),
          properties,
          limit: SEARCH_PAGE_LIMIT,
          ...(after === undefined ? {} : { after }),
        }, sdk),
      )
      for (const result of page.results) found.push({ id: result.id, properties: result.properties })
      after = page.paging?.next?.after
    } while (after !== undefined && Number(after) < SEARCH_RESULT_CAP)
    return found
  }

  async function readByKey(objectType: ObjectType, idProperty: string, keys: string[], properties: string[]): Promise<Map<string, FoundObject>> {
    const found = new Map<string, FoundObject>()
    for (const chunk of chunks(keys, BATCH_LIMIT)) {
      const answer = (await send(`HubSpot batch read ${objectType}`, () =>
        api.objects.readWithHttpInfo(objectType, { idProperty, inputs: chunk.map((id) => ({ id })), properties: [...properties, idProperty], propertiesWithHistory: [] }, undefined, sdk),
      )) as BatchAnswer
      // Keys not in HubSpot come back as OBJECT_NOT_FOUND errors in a 207: that is the answer, not a failure.
      failOnBatchErrors(answer, `HubSpot batch read ${objectType}`, ['OBJECT_NOT_FOUND'])
      for (const result of answer.results ?? []) {
        const key = result.properties?.[idProperty]
        if (key) found.set(normaliseKey(idProperty, key), { id: result.id, properties: result.properties ?? {} })
      }
    }
    return found
  }

  /** Batch upsert by a unique property; returns key → record id and whether this call created it. */
  async function upsertByKey(objectType: ObjectType, idProperty: string, rows: Array<{ key: string; properties: Properties }>): Promise<Map<string, { id: string; created: boolean }>> {
    const upserted = new Map<string, { id: string; created: boolean }>()
    for (const chunk of chunks(rows, BATCH_LIMIT)) {
      const answer = (await send(`HubSpot batch upsert ${objectType}`, () =>
        api.objects.upsertWithHttpInfo(objectType, {
          // The key is repeated in properties so the answer echoes it and results can be matched without relying on order.
          inputs: chunk.map((row) => ({ idProperty, id: row.key, properties: { ...row.properties, [idProperty]: row.key } })),
        }, sdk),
      )) as BatchAnswer
      failOnBatchErrors(answer, `HubSpot batch upsert ${objectType}`, [])
      for (const result of answer.results ?? []) {
        const key = result.properties?.[idProperty]
        if (key) upserted.set(normaliseKey(idProperty, key), { id: result.id, created: result._new ?? result.new ?? false })
      }
    }
    const unmatched = rows.map((row) => row.key).filter((key) => !upserted.has(key))
    if (unmatched.length > 0) {
      for (const [key, record] of await readByKey(objectType, idProperty, unmatched, [])) upserted.set(key, { id: record.id, created: false })
    }
    return upserted
  }

  async function updateById(objectType: ObjectType, rows: Array<{ id: string; idProperty?: string; properties: Properties }>, ignoreNotFound: boolean): Promise<void> {
    for (const chunk of chunks(rows, BATCH_LIMIT)) {
      const answer = (await send(`HubSpot batch update ${objectType}`, () =>
        api.objects.updateWithHttpInfo(objectType, {
          inputs: chunk.map((row) => ({ id: row.id, properties: row.properties, ...(row.idProperty ? { idProperty: row.idProperty } : {}) })),
        }, sdk),
      )) as BatchAnswer
      failOnBatchErrors(answer, `HubSpot batch update ${objectType}`, ignoreNotFound ? ['OBJECT_NOT_FOUND'] : [])
    }
  }

  /** Creates Accord's `accord_*` properties that are missing; standard properties must already exist. */
  async function ensureProperties(objectType: ObjectType, wanted: string[], uniqueKeys: string[], existingProperties?: Array<{ name: string; hasUniqueValue?: boolean }>): Promise<void> {
    const existing =
      existingProperties ?? (await send(`HubSpot read ${objectType} properties`, () => api.properties.getAllWithHttpInfo(objectType, undefined, undefined, sdk))).results
    const byName = new Map(existing.map((property) => [property.name, property]))
    const names = [...new Set([...uniqueKeys, ...wanted])]
    const missingStandard = names.filter((name) => !isAccordProperty(name) && !byName.has(name))
    if (missingStandard.length > 0) {
      throw new CrmError('invalid', `HubSpot has no ${objectType} propert${missingStandard.length === 1 ? 'y' : 'ies'} ${missingStandard.join(', ')}: check the field mapping`)
    }
    for (const key of uniqueKeys) {
      const property = byName.get(key)
      if (property && !property.hasUniqueValue) {
        throw new CrmError('invalid', `The HubSpot ${objectType} property ${key} exists but does not require unique values; Accord upserts by it, so delete it and run the setup again`)
      }
    }
    const missing = names.filter((name) => isAccordProperty(name) && !byName.has(name))
    if (missing.length === 0) return
    const groups = await send(`HubSpot read ${objectType} property groups`, () => api.propertyGroups.getAllWithHttpInfo(objectType, sdk))
    if (!groups.results.some((group) => group.name === PROPERTY_GROUP)) {
      await send(`HubSpot create ${objectType} property group`, () => api.propertyGroups.createWithHttpInfo(objectType, { name: PROPERTY_GROUP, label: 'Accord' }, sdk))
    }
    await send(`HubSpot create ${objectType} properties`, () =>
      api.propertyBatches.createWithHttpInfo(objectType, {
        inputs: missing.map((name) => ({
          name,
          label: propertyLabel(name),
          groupName: PROPERTY_GROUP,
          type: 'string' as PropertyCreateTypeEnum,
          fieldType: 'text' as PropertyCreateFieldTypeEnum,
          hasUniqueValue: uniqueKeys.includes(name),
          description: 'Written by Accord.',
        })),
      }, sdk),
    )
  }

  async function ensurePartnerLabels(): Promise<{ sourced: number; influenced: number }> {
    if (labelTypeIds) return labelTypeIds
    const read = async () => (await send('HubSpot read deal→company association labels', () => api.associationLabels.getAllWithHttpInfo('deals', 'companies', sdk))).results
    let labels = await read()
    const find = (label: string) => labels.find((spec) => spec.category === 'USER_DEFINED' && spec.label?.trim().toLowerCase() === label.toLowerCase())?.typeId
    let created = false
    for (const attribution of ['sourced', 'influenced'] as const) {
      if (find(HUBSPOT_PARTNER_LABELS[attribution]) !== undefined) continue
      await send('HubSpot create association label', () =>
        api.associationLabels.createWithHttpInfo('deals', 'companies', { label: HUBSPOT_PARTNER_LABELS[attribution], name: LABEL_NAMES[attribution] }, sdk),
      )
      created = true
    }
    // Read back rather than trust the create answer, which lists both directions' type ids.
    if (created) labels = await read()
    const sourced = find(HUBSPOT_PARTNER_LABELS.sourced)
    const influenced = find(HUBSPOT_PARTNER_LABELS.influenced)
    if (sourced === undefined || influenced === undefined) throw new CrmError('invalid', 'HubSpot did not keep the "Partner sourced"/"Partner influenced" association labels')
    labelTypeIds = { sourced, influenced }
    return labelTypeIds
  }

  async function ensurePartnerObject(extraProperties: string[]): Promise<string> {
    const schemas = (await send('HubSpot read custom object schemas', () => api.schemas.getAllWithHttpInfo(undefined, sdk))).results
    const schema = schemas.find((candidate) => candidate.name === HUBSPOT_PARTNER_OBJECT && !candidate.archived)
    const wanted = extraProperties.filter((name) => isAccordProperty(name) && name !== HUBSPOT_PARTNER_KEY && name !== HUBSPOT_ACCOUNT_KEY)
    if (!schema) {
      const created = await send('HubSpot create the Partner object', () =>
        api.schemas.createWithHttpInfo({
          name: HUBSPOT_PARTNER_OBJECT,
          labels: { singular: 'Partner', plural: 'Partners' },
          description: 'Partner organisations registered in Accord.',
          primaryDisplayProperty: 'name',
          secondaryDisplayProperties: ['domain'],
          searchableProperties: ['name', 'domain', HUBSPOT_PARTNER_KEY],
          requiredProperties: ['name'],
          associatedObjects: ['DEAL'],
          properties: [
            { name: 'name', label: 'Name', type: 'string' as ObjectTypePropertyCreateTypeEnum, fieldType: 'text' },
            { name: HUBSPOT_PARTNER_KEY, label: 'Accord partner id', type: 'string' as ObjectTypePropertyCreateTypeEnum, fieldType: 'text', hasUniqueValue: true },
            { name: 'domain', label: 'Domain', type: 'string' as ObjectTypePropertyCreateTypeEnum, fieldType: 'text' },
            ...wanted.map((name) => ({ name, label: propertyLabel(name), type: 'string' as ObjectTypePropertyCreateTypeEnum, fieldType: 'text' })),
          ],
        }, sdk),
      )
      if (!created.objectTypeId) throw new CrmError('invalid', 'HubSpot created the Partner object without an object type id')
      partnerObjectTypeId = created.objectTypeId
      return created.objectTypeId
    }
    const objectTypeId = schema.objectTypeId ?? schema.id
    // Someone may have deleted a property or the deal association since it was created.
    await ensureProperties(objectTypeId, ['name', 'domain', ...wanted], [HUBSPOT_PARTNER_KEY], schema.properties)
    const linkedToDeals = schema.associations.some((association) => association.toObjectTypeId === DEAL_OBJECT_TYPE_ID || association.fromObjectTypeId === DEAL_OBJECT_TYPE_ID)
    if (!linkedToDeals) {
      await send('HubSpot associate the Partner object with deals', () =>
        api.schemas.createAssociationWithHttpInfo(objectTypeId, { fromObjectTypeId: objectTypeId, toObjectTypeId: DEAL_OBJECT_TYPE_ID, name: 'accord_partner_to_deal' }, sdk),
      )
    }
    partnerObjectTypeId = objectTypeId
    return objectTypeId
  }

  /** Customer companies: reuse what HubSpot has (by our key, a known id, or the domain) before creating anything. */
  async function upsertCompanies(companies: Map<string, CrmDealPush['company']>, knownIds: Map<string, string>): Promise<Map<string, string>> {
    const companyIds = new Map<string, string>()
    if (companies.size === 0) return companyIds
    const accountIds = [...companies.keys()]
    const domains = [...new Set([...companies.values()].map((company) => normaliseDomain(company.domain)).filter((domain): domain is string => domain !== null))]
    const known = [...new Set(knownIds.values())]
    const filterGroups: Filter[][] = [[{ propertyName: HUBSPOT_ACCOUNT_KEY, operator: 'IN', values: accountIds }]]
    if (domains.length > 0) filterGroups.push([{ propertyName: 'domain', operator: 'IN', values: domains }])
    if (known.length > 0) filterGroups.push([{ propertyName: 'hs_object_id', operator: 'IN', values: known }])
    const candidates = (await searchAll('companies', filterGroups, ['domain', 'name', HUBSPOT_ACCOUNT_KEY])).sort((a, b) => Number(a.id) - Number(b.id))

    const claimed = new Set<string>()
    const updates: Array<{ id: string; properties: Properties }> = []
    const creates: Array<{ key: string; properties: Properties }> = []
    const pick = (accountId: string, company: CrmDealPush['company']): FoundObject | undefined => {
      const free = (candidate: FoundObject) => !claimed.has(candidate.id)
      const byKey = candidates.find((candidate) => candidate.properties[HUBSPOT_ACCOUNT_KEY] === accountId && free(candidate))
      if (byKey) return byKey
      const knownId = knownIds.get(accountId)
      const byKnownId = knownId === undefined ? undefined : candidates.find((candidate) => candidate.id === knownId && free(candidate) && !belongsToAnotherAccount(candidate, accountId))
      if (byKnownId) return byKnownId
      const domain = normaliseDomain(company.domain)
      if (domain === null) return undefined
      // Oldest first (sorted by id); never take a company another Accord account already owns.
      return candidates.find((candidate) => normaliseDomain(candidate.properties.domain ?? null) === domain && free(candidate) && !belongsToAnotherAccount(candidate, accountId))
    }
    for (const [accountId, company] of companies) {
      const match = pick(accountId, company)
      if (match) {
        claimed.add(match.id)
        companyIds.set(accountId, match.id)
        // An existing company keeps its CRM-owned name and domain; it only gets our key and our properties.
        updates.push({ id: match.id, properties: { ...writable(company.properties), [HUBSPOT_ACCOUNT_KEY]: accountId } })
      } else {
        const domain = normaliseDomain(company.domain)
        creates.push({ key: accountId, properties: { ...writable(company.properties), name: company.name, ...(domain === null ? {} : { domain }) } })
      }
    }
    if (updates.length > 0) await updateById('companies', updates, false)
    for (const [accountId, record] of await upsertByKey('companies', HUBSPOT_ACCOUNT_KEY, creates)) companyIds.set(accountId, record.id)
    return companyIds
  }

  async function upsertPartners(mode: AttributionMode, partners: Map<string, CrmDealPush['partner']>): Promise<Map<string, string>> {
    const partnerIds = new Map<string, string>()
    if (mode === 'deal_property' || partners.size === 0) return partnerIds
    const objectType = mode === 'company_association' ? 'companies' : (partnerObjectTypeId ?? (await ensurePartnerObject([])))
    const rows = [...partners].map(([partnerId, partner]) => {
      const domain = normaliseDomain(partner.domain)
      return { key: partnerId, properties: { ...writable(partner.properties), name: partner.name, ...(domain === null ? {} : { domain }) } }
    })
    for (const [partnerId, record] of await upsertByKey(objectType, HUBSPOT_PARTNER_KEY, rows)) partnerIds.set(partnerId, record.id)
    return partnerIds
  }

  async function associate(toObjectType: string, pairs: Array<{ dealId: string; toId: string; typeId?: number }>): Promise<void> {
    const unique = [...new Map(pairs.map((pair) => [`${pair.dealId}→${pair.toId}#${pair.typeId ?? 'default'}`, pair])).values()]
    const labelled = unique.filter((pair) => pair.typeId !== undefined)
    const plain = unique.filter((pair) => pair.typeId === undefined)
    // Associations are sets in HubSpot: creating one that exists changes nothing, so replays are safe.
    for (const chunk of chunks(plain, BATCH_LIMIT)) {
      const answer = (await send(`HubSpot associate deals with ${toObjectType}`, () =>
        api.associations.createDefaultWithHttpInfo('deals', toObjectType, { inputs: chunk.map((pair) => ({ _from: { id: pair.dealId }, to: { id: pair.toId } })) }, sdk),
      )) as BatchErrors
      failOnBatchErrors(answer, `HubSpot associate deals with ${toObjectType}`, [])
    }
    for (const chunk of chunks(labelled, BATCH_LIMIT)) {
      const answer = (await send(`HubSpot label deal associations with ${toObjectType}`, () =>
        api.associations.createWithHttpInfo('deals', toObjectType, {
          inputs: chunk.map((pair) => ({
            _from: { id: pair.dealId },
            to: { id: pair.toId },
            types: [{ associationCategory: 'USER_DEFINED' as AssociationSpecAssociationCategoryEnum, associationTypeId: pair.typeId ?? 0 }],
          })),
        }, sdk),
      )) as BatchErrors
      failOnBatchErrors(answer, `HubSpot label deal associations with ${toObjectType}`, [])
    }
  }

  return {
    provider: 'hubspot',

    async testConnection() {
      const details = await send('HubSpot account details', async () => {
        // No typed SDK API for account-info, and the SDK's generic apiRequest ignores httpAgent: the guard's own fetch.
        const response = await outbound.fetch(`${baseUrl}/account-info/v3/details`, { headers: { authorization: `Bearer ${credentials.accessToken}`, accept: 'application/json' } })
        const text = await response.text()
        if (!response.ok) {
          const headers: Record<string, string> = {}
          response.headers.forEach((value, name) => (headers[name] = value))
          throw new HubspotHttpError(response.status, headers, text)
        }
        return { httpStatusCode: response.status, data: parseJsonObject(text) as { portalId?: unknown } }
      })
      // Shown on the settings page: only a portal id, never other text from the answer.
      if (!/^\d{1,20}$/.test(String(details.portalId ?? ''))) throw new CrmError('invalid', 'HubSpot account details came back without a portal id')
      return { account: `HubSpot portal ${details.portalId}` }
    },

    async ensureSchema({ attributionMode: mode, dealProperties, companyProperties, contactProperties }) {
      attributionMode = mode
      await ensureProperties('deals', dealProperties, [HUBSPOT_REGISTRATION_KEY])
      await ensureProperties('companies', companyProperties, [HUBSPOT_ACCOUNT_KEY, HUBSPOT_PARTNER_KEY])
      await ensureProperties('contacts', contactProperties, [])
      if (mode === 'company_association') {
        labelTypeIds = null
        await ensurePartnerLabels()
      }
      if (mode === 'partner_object') await ensurePartnerObject(companyProperties)
    },

    async upsertDeals(deals) {
      if (deals.length === 0) return []
      if (deals.length > BATCH_LIMIT) throw new RangeError(`upsertDeals takes at most ${BATCH_LIMIT} deals, got ${deals.length}`)
      const mode = attributionMode
      if (mode === null) throw new Error('The HubSpot connector needs the attribution mode: pass attributionMode when creating it, or run ensureSchema first')

      // The same registration twice in one batch: the last one wins (HubSpot refuses duplicate keys in one upsert).
      const byRegistration = new Map(deals.map((deal) => [deal.registrationId, deal]))
      const companies = new Map<string, CrmDealPush['company']>()
      const knownCompanyIds = new Map<string, string>()
      const contacts = new Map<string, CrmDealPush['contact'] & object>()
      const partners = new Map<string, CrmDealPush['partner']>()
      for (const deal of byRegistration.values()) {
        companies.set(deal.company.accountId, deal.company)
        if (deal.known.companyId) knownCompanyIds.set(deal.company.accountId, deal.known.companyId)
        if (deal.contact) contacts.set(normaliseEmail(deal.contact.email), deal.contact)
        partners.set(deal.partner.partnerId, deal.partner)
      }

      // (a) Which deals exist decides whether the CRM-owned (create-only) properties go along.
      const existingDeals = await readByKey('deals', HUBSPOT_REGISTRATION_KEY, [...byRegistration.keys()], [])
      // (b) customer companies, (c) contacts, (d) partner records.
      const companyIds = await upsertCompanies(companies, knownCompanyIds)
      const contactIds = new Map<string, string>()
      const contactRows = [...contacts].map(([email, contact]) => ({
        key: email,
        properties: { ...writable(contact.properties), lastname: contact.lastName, ...(contact.firstName === null ? {} : { firstname: contact.firstName }) },
      }))
      for (const [email, record] of await upsertByKey('contacts', 'email', contactRows)) contactIds.set(email, record.id)
      const partnerIds = await upsertPartners(mode, partners)
      const labels = mode === 'company_association' ? await ensurePartnerLabels() : null

      // (e) One upsert for all deals.
      const dealRows = [...byRegistration.values()].map((deal) => ({
        key: deal.registrationId,
        properties: existingDeals.has(deal.registrationId) ? writable(deal.properties) : { ...createOnly(deal.createOnlyProperties), ...writable(deal.properties) },
      }))
      const dealIds = await upsertByKey('deals', HUBSPOT_REGISTRATION_KEY, dealRows)

      // (f) Associations.
      const toCompanies: Array<{ dealId: string; toId: string; typeId?: number }> = []
      const toContacts: Array<{ dealId: string; toId: string }> = []
      const toPartnerObjects: Array<{ dealId: string; toId: string }> = []
      for (const deal of byRegistration.values()) {
        const dealId = dealIds.get(deal.registrationId)?.id
        if (!dealId) throw new CrmError('invalid', `HubSpot did not return deal ${deal.registrationId} from the upsert`)
        const companyId = companyIds.get(deal.company.accountId)
        if (companyId) toCompanies.push({ dealId, toId: companyId })
        const contactId = deal.contact ? contactIds.get(normaliseEmail(deal.contact.email)) : undefined
        if (contactId) toContacts.push({ dealId, toId: contactId })
        const partnerId = partnerIds.get(deal.partner.partnerId)
        if (partnerId && labels) toCompanies.push({ dealId, toId: partnerId, typeId: labels[deal.attribution] })
        if (partnerId && mode === 'partner_object') toPartnerObjects.push({ dealId, toId: partnerId })
      }
      await associate('companies', toCompanies)
      await associate('contacts', toContacts)
      if (toPartnerObjects.length > 0 && partnerObjectTypeId) await associate(partnerObjectTypeId, toPartnerObjects)

      return deals.map((deal): CrmDealPushResult => {
        const upserted = dealIds.get(deal.registrationId)
        if (!upserted) throw new CrmError('invalid', `HubSpot did not return deal ${deal.registrationId} from the upsert`)
        return {
          registrationId: deal.registrationId,
          dealId: upserted.id,
          companyId: companyIds.get(deal.company.accountId) ?? null,
          contactId: deal.contact ? (contactIds.get(normaliseEmail(deal.contact.email)) ?? null) : null,
          partnerRecordId: partnerIds.get(deal.partner.partnerId) ?? null,
          created: upserted.created && !existingDeals.has(deal.registrationId),
        }
      })
    },

    async pullChangedDeals({ cursor, limit }) {
      const position = decodeCursor(cursor)
      const wanted = Math.max(1, Math.min(limit, BATCH_LIMIT))
      const seen = new Set(position?.seenIds ?? [])
      const filters: Filter[] = position ? [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(position.modifiedMs) }] : []
      const changes: Array<CrmDealChange & { modifiedMs: number }> = []
      let more = false
      let after: string | undefined
      // Ask for enough to cover the deals already seen at the cursor's exact timestamp.
      const pageSize = Math.min(SEARCH_PAGE_LIMIT, wanted + seen.size)
      for (;;) {
        const page = await send('HubSpot search changed deals', () =>
          api.search.doSearchWithHttpInfo('deals', {
            filterGroups: filters.length > 0 ? [{ filters: filters.map(toSdkFilter) }] : [],
            // The SDK types sorts as strings; HubSpot takes (and documents) the object form.
            sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }] as unknown as string[],
            properties: PULL_PROPERTIES,
            limit: pageSize,
            ...(after === undefined ? {} : { after }),
          }, sdk),
        )
        for (const result of page.results) {
          const change = toDealChange(result.id, result.properties, result.updatedAt)
          if (position && change.modifiedMs <= position.modifiedMs && seen.has(change.dealId)) continue
          if (changes.length === wanted) {
            more = true
            break
          }
          changes.push(change)
        }
        after = page.paging?.next?.after
        if (more || after === undefined) break
        if (changes.length === wanted) {
          more = true
          break
        }
        // Only reachable when thousands of deals share the cursor's millisecond; HubSpot stops paging at 10,000.
        if (Number(after) >= SEARCH_RESULT_CAP) throw new CrmError('invalid', `More than ${SEARCH_RESULT_CAP} HubSpot deals share the modification time ${new Date(position?.modifiedMs ?? 0).toISOString()}`)
      }
      if (changes.length === 0) return { changes: [], cursor: null, more: false }
      const last = changes[changes.length - 1]!.modifiedMs
      const seenAtLast = changes.filter((change) => change.modifiedMs === last).map((change) => change.dealId)
      const carried = position && position.modifiedMs === last ? [...seen] : []
      return {
        changes: changes.map(({ modifiedMs: _modifiedMs, ...change }) => change),
        cursor: encodeCursor({ modifiedMs: last, seenIds: [...new Set([...carried, ...seenAtLast])] }),
        more,
      }
    },

    async listStages() {
      const pipelines = await send('HubSpot read deal pipelines', () => api.pipelines.getAllWithHttpInfo('deals', sdk))
      return [...pipelines.results]
        .filter((pipeline) => !pipeline.archived)
        .sort((a, b) => a.displayOrder - b.displayOrder)
        .flatMap((pipeline) =>
          [...pipeline.stages]
            .filter((stage) => !stage.archived)
            .sort((a, b) => a.displayOrder - b.displayOrder)
            .map((stage): CrmStageOption => ({ value: stage.id, label: `${pipeline.label}: ${stage.label}` })),
        )
    },

    async addDealNote({ dealId, body, timestamp }) {
      // POST /crm/v3/objects/notes with the association to the deal in the same request (HubSpot-defined note→deal type).
      const note = await send('HubSpot create note', () =>
        api.notes.createWithHttpInfo(
          {
            properties: { hs_note_body: noteHtml(body), hs_timestamp: new Date(timestamp).toISOString() },
            associations: [{ to: { id: dealId }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum, associationTypeId: NOTE_TO_DEAL_TYPE_ID }] }],
          },
          sdk,
        ),
      )
      return { noteId: note.id }
    },

    async writeBack(records: CrmWriteBack[]) {
      const contacts = new Map<string, Properties>()
      const companies = new Map<string, Properties>()
      for (const record of records) {
        const target = record.object === 'contact' ? contacts : companies
        const key = record.object === 'contact' ? normaliseEmail(record.key) : normaliseDomain(record.key)
        if (!key) continue
        target.set(key, { ...target.get(key), ...writable(record.properties) })
      }
      // Facts go onto records that exist; a contact HubSpot does not have is skipped, not created.
      await updateById(
        'contacts',
        [...contacts].filter(([, properties]) => Object.keys(properties).length > 0).map(([email, properties]) => ({ id: email, idProperty: 'email', properties })),
        true,
      )
      const domains = [...companies.keys()]
      const updates: Array<{ id: string; properties: Properties }> = []
      for (const chunk of chunks(domains, BATCH_LIMIT)) {
        for (const company of await searchAll('companies', [[{ propertyName: 'domain', operator: 'IN', values: chunk }]], ['domain'])) {
          const properties = companies.get(normaliseDomain(company.properties.domain ?? null) ?? '')
          if (properties && Object.keys(properties).length > 0) updates.push({ id: company.id, properties })
        }
      }
      await updateById('companies', updates, true)
    },
  }
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** hs_note_body is rich text: escape the partner's text and keep its line breaks. */
function noteHtml(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  return escaped.split(/\n/).map((line) => `<p>${line}</p>`).join('')
}

function toSdkFilter(filter: Filter) {
  return { propertyName: filter.propertyName, operator: filter.operator as FilterOperatorEnum, ...(filter.value === undefined ? {} : { value: filter.value }), ...(filter.values ? { values: filter.values } : {}) }
}

function failOnBatchErrors(answer: BatchErrors, what: string, ignoredCategories: string[]): void {
  const errors = (answer.errors ?? []).filter((error) => !ignoredCategories.includes(error.category ?? ''))
  if (errors.length === 0) return
  const message = errors.map((error) => `${error.category ?? 'ERROR'}: ${error.message ?? 'no message'}`).join('; ')
  throw new CrmError('invalid', `${what}: ${message}`, { status: 207 })
}

function toDealChange(dealId: string, properties: Record<string, string | null>, updatedAt: Date | undefined): CrmDealChange & { modifiedMs: number } {
  const modifiedMs = parseTime(properties.hs_lastmodifieddate) ?? updatedAt?.getTime() ?? 0
  const stage = properties.dealstage || null
  const won = properties.hs_is_closed_won === 'true' || stage === 'closedwon'
  const lost = !won && (properties.hs_is_closed === 'true' || stage === 'closedlost')
  const amount = properties.amount ? Number(properties.amount) : NaN
  return {
    dealId,
    registrationId: properties[HUBSPOT_REGISTRATION_KEY] || null,
    stage,
    amount: Number.isFinite(amount) ? amount : null,
    currency: properties.deal_currency_code || null,
    closeDate: toDateOnly(properties.closedate),
    outcome: won ? 'won' : lost ? 'lost' : 'open',
    modifiedAt: new Date(modifiedMs).toISOString(),
    modifiedMs,
  }
}

/** HubSpot datetimes come as ISO strings, older properties as epoch milliseconds. */
function parseTime(value: string | null | undefined): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value)) return Number(value)
  const time = Date.parse(value)
  return Number.isNaN(time) ? undefined : time
}

function toDateOnly(value: string | null | undefined): string | null {
  if (!value) return null
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10)
  const time = parseTime(value)
  return time === undefined ? null : new Date(time).toISOString().slice(0, 10)
}

interface PullPosition {
  modifiedMs: number
  /** Deals already returned whose modification time is exactly `modifiedMs`. */
  seenIds: string[]
}

function encodeCursor(position: PullPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, t: position.modifiedMs, ids: position.seenIds })).toString('base64url')
}

function decodeCursor(cursor: string | null): PullPosition | null {
  if (!cursor) return null
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown; ids?: unknown }
    if (typeof parsed.t === 'number' && Array.isArray(parsed.ids)) return { modifiedMs: parsed.t, seenIds: parsed.ids.filter((id): id is string => typeof id === 'string') }
  } catch {
    // fall through
  }
  // A bare ISO timestamp is accepted too (e.g. a cursor set by hand to start from a date).
  const time = Date.parse(cursor)
  if (!Number.isNaN(time)) return { modifiedMs: time, seenIds: [] }
  throw new CrmError('invalid', 'The HubSpot pull cursor is not one this connector wrote')
}

/** Accord-owned values: null clears the property (HubSpot clears on an empty string). */
function writable(values: CrmPropertyValues): Properties {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value ?? '']))
}

/** Create-only values: null means "leave HubSpot's default", so it is not sent. */
function createOnly(values: CrmPropertyValues): Properties {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== null))
}

function isAccordProperty(name: string): boolean {
  return name.startsWith('accord_')
}

function propertyLabel(name: string): string {
  const words = name.replace(/^accord_/, '').replace(/_/g, ' ')
  return `Accord ${words}`
}

function belongsToAnotherAccount(candidate: FoundObject, accountId: string): boolean {
  const owner = candidate.properties[HUBSPOT_ACCOUNT_KEY]
  return Boolean(owner) && owner !== accountId
}

function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

function normaliseDomain(domain: string | null): string | null {
  const trimmed = domain?.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/\/.*$/, '')
  return trimmed ? trimmed : null
}

/** HubSpot stores e-mails lower-cased, so answers are matched on the lower-cased key. */
function normaliseKey(idProperty: string, key: string): string {
  return idProperty === 'email' ? normaliseEmail(key) : key
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size))
  return out
}

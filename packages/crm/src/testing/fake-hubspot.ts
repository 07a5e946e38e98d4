import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * An in-memory HubSpot speaking the wire format of every endpoint the HubSpot
 * connector calls (CRM objects v3 batch/search, single create for notes with
 * their deal association, properties, schemas,
 * associations v4, pipelines, account info), with HubSpot's rules that matter
 * for a sync: unique-value properties, e-mail uniqueness, strictly increasing
 * hs_lastmodifieddate, the 10,000-result search cap, rolling rate limits and
 * HubSpot-shaped errors. Faults (429 storms, 5xx, hung responses, dropped
 * connections before or after a write was applied) are injected on demand.
 */

export const FAKE_HUBSPOT_TOKEN = 'pat-na1-00000000-fake-hubspot-token'

export interface FakeHubspotOptions {
  port?: number
  accessToken?: string
  portalId?: number
  /** Rolling window like HubSpot's ten-secondly limit: past `requests` within `windowMs`, answer 429. */
  rateLimit?: { requests: number; windowMs: number }
}

export interface FakeRecord {
  id: string
  objectTypeId: string
  properties: Record<string, string>
  createdAt: string
  updatedAt: string
}

export interface FakeAssociation {
  fromObjectTypeId: string
  fromId: string
  toObjectTypeId: string
  toId: string
  category: AssociationCategory
  typeId: number
  label: string | null
}

export interface FakeRequestLogEntry {
  method: string
  path: string
  /** 0 when the connection was dropped or the response held open. */
  status: number
}

export interface FakeDuplicate {
  objectTypeId: string
  property: string
  value: string
  ids: string[]
}

type FaultTarget = { path?: string | RegExp }
export type FakeRateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY'

export interface FakeHubspotFaults {
  /** The next `count` matching requests get a 429 (ten-secondly rolling unless another policy is named). */
  rateLimitStorm(count: number, options?: FaultTarget & { policy?: FakeRateLimitPolicy; retryAfterSeconds?: number }): void
  /** The next `count` matching requests fail with 500/502/503 in turn (502 as an HTML gateway page), or `status`. */
  serverErrors(count: number, options?: FaultTarget & { status?: number }): void
  /** The next `count` matching requests are never answered (the socket stays open until the client gives up). */
  timeouts(count: number, options?: FaultTarget): void
  /** The next `count` matching requests lose their connection, before or (afterApplying) after the write happened. */
  dropConnection(count: number, options?: FaultTarget & { afterApplying?: boolean }): void
  clear(): void
  readonly pending: number
}

export interface FakeHubspot {
  readonly url: string
  readonly accessToken: string
  readonly portalId: number
  readonly faults: FakeHubspotFaults
  /** Every request received, faulted ones included. */
  readonly requests: number
  /** 429s answered (storms and the rolling limit). */
  readonly rateLimited: number
  readonly log: readonly FakeRequestLogEntry[]
  /** `deals`, `companies`, `contacts`, a custom object's name (`accord_partner`) or an object type id. */
  records(objectType: string): FakeRecord[]
  record(objectType: string, id: string): FakeRecord | undefined
  associations(fromObjectType?: string, toObjectType?: string): FakeAssociation[]
  propertyNames(objectType: string): string[]
  associationLabels(fromObjectType: string, toObjectType: string): Array<{ category: AssociationCategory; typeId: number; label: string | null }>
  schemaNames(): string[]
  /** Records sharing a unique value (unique properties, contact e-mail): must always be empty. */
  duplicates(): FakeDuplicate[]
  /** Seed a record directly (no HTTP); `modifiedAt` pins hs_lastmodifieddate, e.g. to make ties. */
  insert(objectType: string, properties: Record<string, string>, options?: { modifiedAt?: string | number }): FakeRecord
  /** A CRM user editing a deal in HubSpot: bumps hs_lastmodifieddate like any write. */
  updateDeal(id: string, changes: { dealstage?: string; amount?: string | number; closedate?: string; dealname?: string }): FakeRecord
  resetCounters(): void
  close(): Promise<void>
}

type AssociationCategory = 'HUBSPOT_DEFINED' | 'USER_DEFINED' | 'INTEGRATOR_DEFINED'

interface FakeProperty {
  name: string
  label: string
  type: string
  fieldType: string
  groupName: string
  description: string
  hasUniqueValue: boolean
  hubspotDefined: boolean
  readOnly: boolean
  options: Array<{ label: string; value: string; displayOrder: number; hidden: boolean }>
  displayOrder: number
  createdAt: string
  updatedAt: string
}

interface ObjectTypeState {
  objectTypeId: string
  /** Upper-case singular used in HubSpot's messages: DEAL, COMPANY… */
  singular: string
  aliases: string[]
  properties: Map<string, FakeProperty>
  groups: Map<string, { name: string; label: string; displayOrder: number; archived: boolean }>
  records: Map<string, FakeRecord>
  /** Lower-cased "name\0value" → record ids: HubSpot looks records up by indexed values, so the fake must not scan. */
  valueIndex: Map<string, Set<string>>
}

interface LabelDefinition {
  category: AssociationCategory
  typeId: number
  label: string | null
  name: string | null
  inverseTypeId: number
}

interface FakeSchema {
  id: string
  objectTypeId: string
  name: string
  labels: { singular?: string; plural?: string }
  description?: string
  primaryDisplayProperty?: string
  secondaryDisplayProperties: string[]
  searchableProperties: string[]
  requiredProperties: string[]
  associations: Array<{ id: string; fromObjectTypeId: string; toObjectTypeId: string; name: string; createdAt: string; updatedAt: string }>
  createdAt: string
  updatedAt: string
}

type Fault =
  | { kind: 'rate_limit'; remaining: number; target: FaultTarget; policy: FakeRateLimitPolicy; retryAfterSeconds?: number }
  | { kind: 'server_error'; remaining: number; target: FaultTarget; status?: number; served: number }
  | { kind: 'timeout'; remaining: number; target: FaultTarget }
  | { kind: 'drop'; remaining: number; target: FaultTarget; afterApplying: boolean }

interface Answer {
  status: number
  body: unknown
  headers?: Record<string, string>
  contentType?: string
}

class HubspotFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly category: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

const CONTACTS = '0-1'
const COMPANIES = '0-2'
const DEALS = '0-3'
const NOTES = '0-46'
const SEARCH_MAX_LIMIT = 200
const SEARCH_RESULT_CAP = 10_000
const BATCH_MAX = 100
const DEFAULT_PROPERTIES = ['hs_object_id', 'createdate', 'hs_lastmodifieddate']

type StageSeed = readonly [id: string, label: string, probability: number]
const DEAL_PIPELINES: Array<{ id: string; label: string; stages: readonly StageSeed[] }> = [
  {
    id: 'default',
    label: 'Sales Pipeline',
    stages: [
      ['appointmentscheduled', 'Appointment Scheduled', 0.2],
      ['qualifiedtobuy', 'Qualified To Buy', 0.4],
      ['presentationscheduled', 'Presentation Scheduled', 0.6],
      ['decisionmakerboughtin', 'Decision Maker Bought-In', 0.8],
      ['contractsent', 'Contract Sent', 0.9],
      ['closedwon', 'Closed Won', 1],
      ['closedlost', 'Closed Lost', 0],
    ],
  },
  {
    id: '75318642',
    label: 'Partner Pipeline',
    stages: [
      ['75318643', 'Registered', 0.1],
      ['75318644', 'Won', 1],
      ['75318645', 'Lost', 0],
    ],
  },
]

export async function startFakeHubspot(options: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const accessToken = options.accessToken ?? FAKE_HUBSPOT_TOKEN
  const portalId = options.portalId ?? 24_681_357
  const bootTime = new Date().toISOString()
  let nextId = 1_000_001
  let nextTypeId = 500
  let nextSchema = 1
  let lastWriteMs = 0
  let requests = 0
  let rateLimited = 0
  const log: FakeRequestLogEntry[] = []
  const faults: Fault[] = []
  const windowHits: number[] = []
  const sockets = new Set<Socket>()

  const types = new Map<string, ObjectTypeState>()
  const schemas = new Map<string, FakeSchema>()
  const labels = new Map<string, LabelDefinition[]>()
  const associations = new Map<string, FakeAssociation>()
  /** "fromType:fromId>toType:toId" → association keys, so reading one pair's labels does not scan every association. */
  const associationsByPair = new Map<string, Set<string>>()

  // ---- schema: built-in objects, properties, pipelines, default association types ----

  function property(name: string, label: string, type: string, fieldType: string, groupName: string, extra: Partial<FakeProperty> = {}): FakeProperty {
    return { name, label, type, fieldType, groupName, description: '', hasUniqueValue: false, hubspotDefined: true, readOnly: false, options: [], displayOrder: -1, createdAt: bootTime, updatedAt: bootTime, ...extra }
  }

  function addType(objectTypeId: string, singular: string, aliases: string[], group: { name: string; label: string }, own: FakeProperty[]): ObjectTypeState {
    const state: ObjectTypeState = {
      objectTypeId,
      singular,
      aliases,
      properties: new Map(),
      groups: new Map([[group.name, { ...group, displayOrder: -1, archived: false }]]),
      records: new Map(),
      valueIndex: new Map(),
    }
    const system = [
      property('hs_object_id', 'Record ID', 'number', 'number', group.name, { readOnly: true }),
      property('createdate', 'Create Date', 'datetime', 'date', group.name, { readOnly: true }),
      property('hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', group.name, { readOnly: true }),
    ]
    for (const item of [...system, ...own]) state.properties.set(item.name, item)
    types.set(objectTypeId, state)
    return state
  }

  addType(CONTACTS, 'CONTACT', ['contacts', 'contact'], { name: 'contactinformation', label: 'Contact information' }, [
    property('email', 'Email', 'string', 'text', 'contactinformation'),
    property('firstname', 'First Name', 'string', 'text', 'contactinformation'),
    property('lastname', 'Last Name', 'string', 'text', 'contactinformation'),
    property('jobtitle', 'Job Title', 'string', 'text', 'contactinformation'),
    property('phone', 'Phone Number', 'string', 'phonenumber', 'contactinformation'),
    property('company', 'Company Name', 'string', 'text', 'contactinformation'),
    property('lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'contactinformation', { readOnly: true }),
  ])
  addType(COMPANIES, 'COMPANY', ['companies', 'company'], { name: 'companyinformation', label: 'Company information' }, [
    property('name', 'Company name', 'string', 'text', 'companyinformation'),
    property('domain', 'Company Domain Name', 'string', 'text', 'companyinformation'),
    property('website', 'Website URL', 'string', 'text', 'companyinformation'),
    property('industry', 'Industry', 'enumeration', 'select', 'companyinformation'),
    property('phone', 'Phone Number', 'string', 'phonenumber', 'companyinformation'),
    property('country', 'Country/Region', 'string', 'text', 'companyinformation'),
  ])
  const stageOptions = DEAL_PIPELINES.flatMap((pipeline) => pipeline.stages.map(([id, label], index) => ({ label, value: id, displayOrder: index, hidden: false })))
  addType(DEALS, 'DEAL', ['deals', 'deal'], { name: 'dealinformation', label: 'Deal information' }, [
    property('dealname', 'Deal Name', 'string', 'text', 'dealinformation'),
    property('amount', 'Amount', 'number', 'number', 'dealinformation'),
    property('dealstage', 'Deal Stage', 'enumeration', 'radio', 'dealinformation', { options: stageOptions }),
    property('pipeline', 'Pipeline', 'enumeration', 'select', 'dealinformation', {
      options: DEAL_PIPELINES.map((pipeline, index) => ({ label: pipeline.label, value: pipeline.id, displayOrder: index, hidden: false })),
    }),
    property('closedate', 'Close Date', 'datetime', 'date', 'dealinformation'),
    property('deal_currency_code', 'Currency', 'enumeration', 'select', 'dealinformation'),
    property('dealtype', 'Deal Type', 'enumeration', 'radio', 'dealinformation'),
    property('description', 'Deal Description', 'string', 'textarea', 'dealinformation'),
    property('hubspot_owner_id', 'Deal owner', 'enumeration', 'select', 'dealinformation'),
    property('hs_is_closed_won', 'Is Closed Won', 'bool', 'booleancheckbox', 'dealinformation', { readOnly: true }),
    property('hs_is_closed', 'Is Deal Closed?', 'bool', 'booleancheckbox', 'dealinformation', { readOnly: true }),
  ])

  addType(NOTES, 'NOTE', ['notes', 'note'], { name: 'engagement', label: 'Engagement' }, [
    property('hs_note_body', 'Note body', 'string', 'html', 'engagement'),
    property('hs_timestamp', 'Activity date', 'datetime', 'date', 'engagement'),
    property('hubspot_owner_id', 'Activity assigned to', 'enumeration', 'select', 'engagement'),
  ])

  function defineLabelPair(from: string, to: string, category: AssociationCategory, forward: { typeId: number; label: string | null; name: string | null }, inverse: { typeId: number; label: string | null; name: string | null }) {
    const forwardList = labels.get(`${from}>${to}`) ?? []
    forwardList.push({ category, ...forward, inverseTypeId: inverse.typeId })
    labels.set(`${from}>${to}`, forwardList)
    const inverseList = labels.get(`${to}>${from}`) ?? []
    inverseList.push({ category, ...inverse, inverseTypeId: forward.typeId })
    labels.set(`${to}>${from}`, inverseList)
  }
  // HubSpot's own type ids for the built-in pairs.
  defineLabelPair(DEALS, COMPANIES, 'HUBSPOT_DEFINED', { typeId: 341, label: null, name: null }, { typeId: 342, label: null, name: null })
  defineLabelPair(DEALS, COMPANIES, 'HUBSPOT_DEFINED', { typeId: 5, label: 'Primary', name: 'deal_to_company' }, { typeId: 6, label: 'Primary', name: 'company_to_deal' })
  defineLabelPair(DEALS, CONTACTS, 'HUBSPOT_DEFINED', { typeId: 3, label: null, name: null }, { typeId: 4, label: null, name: null })
  defineLabelPair(CONTACTS, COMPANIES, 'HUBSPOT_DEFINED', { typeId: 279, label: null, name: null }, { typeId: 280, label: null, name: null })
  defineLabelPair(NOTES, DEALS, 'HUBSPOT_DEFINED', { typeId: 214, label: null, name: 'note_to_deal' }, { typeId: 213, label: null, name: 'deal_to_note' })

  // ---- helpers ----

  function resolveType(name: string): ObjectTypeState | undefined {
    const lower = decodeURIComponent(name).toLowerCase()
    for (const state of types.values()) {
      if (state.objectTypeId === lower || state.aliases.includes(lower)) return state
    }
    return undefined
  }

  function requireType(name: string): ObjectTypeState {
    const state = resolveType(name)
    if (!state) throw new HubspotFailure(400, `Unable to infer object type from: ${name}`, 'VALIDATION_ERROR')
    return state
  }

  function tick(): number {
    lastWriteMs = Math.max(Date.now(), lastWriteMs + 1)
    return lastWriteMs
  }

  function isUnique(state: ObjectTypeState, name: string): boolean {
    return state.properties.get(name)?.hasUniqueValue === true || (state.objectTypeId === CONTACTS && name === 'email')
  }

  function sameValue(state: ObjectTypeState, name: string, a: string | undefined, b: string | undefined): boolean {
    if (a === undefined || b === undefined || a === '' || b === '') return false
    return state.objectTypeId === CONTACTS && name === 'email' ? a.toLowerCase() === b.toLowerCase() : a === b
  }

  const indexKey = (name: string, value: string) => `${name}\u0000${value.toLowerCase()}`

  function indexed(state: ObjectTypeState, name: string, value: string): FakeRecord[] {
    const ids = state.valueIndex.get(indexKey(name, value))
    if (!ids) return []
    return [...ids].flatMap((id) => {
      const record = state.records.get(id)
      return record ? [record] : []
    })
  }

  function setIndexed(state: ObjectTypeState, record: FakeRecord, present: boolean) {
    for (const [name, value] of Object.entries(record.properties)) {
      if (value === undefined || value === null || value === '') continue
      const key = indexKey(name, String(value))
      let ids = state.valueIndex.get(key)
      if (present) {
        if (!ids) state.valueIndex.set(key, (ids = new Set()))
        ids.add(record.id)
      } else {
        ids?.delete(record.id)
        if (ids?.size === 0) state.valueIndex.delete(key)
      }
    }
  }

  function findBy(state: ObjectTypeState, idProperty: string | undefined, id: string): FakeRecord | undefined {
    if (!idProperty || idProperty === 'hs_object_id') return state.records.get(id)
    for (const record of indexed(state, idProperty, id)) {
      if (sameValue(state, idProperty, record.properties[idProperty], id)) return record
    }
    return undefined
  }

  function parseTime(value: string): number | undefined {
    if (/^-?\d+$/.test(value)) return Number(value)
    const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)
    return Number.isNaN(time) ? undefined : time
  }

  /** Validates and normalises written values the way HubSpot does; throws HubSpot's 400 listing every bad value. */
  function normalise(state: ObjectTypeState, values: Record<string, unknown>, options: { allowReadOnly?: boolean } = {}): Record<string, string> {
    const problems: Array<{ isValid: false; message: string; error: string; name: string }> = []
    const out: Record<string, string> = {}
    for (const [name, raw] of Object.entries(values ?? {})) {
      const definition = state.properties.get(name)
      const value = raw === null || raw === undefined ? '' : String(raw)
      if (!definition) {
        problems.push({ isValid: false, message: `Property "${name}" does not exist`, error: 'PROPERTY_DOESNT_EXIST', name })
        continue
      }
      if (definition.readOnly && !options.allowReadOnly) {
        problems.push({ isValid: false, message: `${name} is a read only property; its value cannot be set.`, error: 'READ_ONLY_VALUE', name })
        continue
      }
      if (value === '') {
        out[name] = ''
        continue
      }
      if (definition.type === 'number' && !Number.isFinite(Number(value))) {
        problems.push({ isValid: false, message: `${value} was not a valid number.`, error: 'INVALID_FLOAT', name })
        continue
      }
      if (definition.type === 'datetime' || definition.type === 'date') {
        const time = parseTime(value)
        if (time === undefined) {
          problems.push({ isValid: false, message: `${value} was not a valid long (epoch millis) or ISO 8601 date.`, error: 'INVALID_DATE', name })
          continue
        }
        out[name] = new Date(time).toISOString()
        continue
      }
      if (name === 'dealstage' || name === 'pipeline') {
        if (!definition.options.some((option) => option.value === value)) {
          problems.push({ isValid: false, message: `${value} was not one of the allowed options: ${definition.options.map((option) => option.value).join(', ')}`, error: 'INVALID_OPTION', name })
          continue
        }
      }
      out[name] = state.objectTypeId === CONTACTS && name === 'email' ? value.toLowerCase() : value
    }
    if (problems.length > 0) {
      throw new HubspotFailure(400, `Property values were not valid: ${JSON.stringify(problems)}`, 'VALIDATION_ERROR', {
        errors: problems.map((problem) => ({ message: problem.message, code: problem.error, context: { propertyName: [problem.name] } })),
      })
    }
    return out
  }

  /** Unique values must stay unique across existing records and within the batch; HubSpot refuses the whole batch. */
  function checkUnique(state: ObjectTypeState, planned: Array<{ record?: FakeRecord; properties: Record<string, string> }>): void {
    const claims = new Map<string, string>()
    for (const [index, plan] of planned.entries()) {
      for (const [name, value] of Object.entries(plan.properties)) {
        if (!isUnique(state, name) || value === '') continue
        const claimKey = `${name}\u0000${state.objectTypeId === CONTACTS && name === 'email' ? value.toLowerCase() : value}`
        const owner = plan.record?.id ?? `new#${index}`
        const other = claims.get(claimKey)
        if (other !== undefined && other !== owner) throw new HubspotFailure(400, `Duplicate unique value ${value} for ${name} in batch input`, 'VALIDATION_ERROR')
        claims.set(claimKey, owner)
        for (const record of indexed(state, name, value)) {
          if (record.id === plan.record?.id) continue
          if (!sameValue(state, name, record.properties[name], value)) continue
          if (name === 'email') throw new HubspotFailure(409, `Contact already exists. Existing ID: ${record.id}`, 'CONFLICT')
          throw new HubspotFailure(400, `Property values were not valid: [{"isValid":false,"message":"${value} is already used by ${state.singular} ${record.id}; ${name} requires unique values","error":"INVALID_UNIQUE_VALUE","name":"${name}"}]`, 'VALIDATION_ERROR')
        }
      }
    }
  }

  function applyDerived(state: ObjectTypeState, record: FakeRecord, isNew: boolean) {
    if (state.objectTypeId !== DEALS) return
    if (isNew && !record.properties.pipeline) record.properties.pipeline = 'default'
    const stage = record.properties.dealstage
    if (stage === undefined) return
    const probability = DEAL_PIPELINES.flatMap((pipeline) => pipeline.stages).find(([id]) => id === stage)?.[2]
    record.properties.hs_is_closed_won = String(probability === 1)
    record.properties.hs_is_closed = String(probability === 1 || probability === 0)
  }

  function write(state: ObjectTypeState, existing: FakeRecord | undefined, properties: Record<string, string>, atMs: number): FakeRecord {
    const at = new Date(atMs).toISOString()
    const record = existing ?? { id: String(nextId++), objectTypeId: state.objectTypeId, properties: {}, createdAt: at, updatedAt: at }
    if (existing) setIndexed(state, existing, false)
    Object.assign(record.properties, properties)
    record.properties.hs_object_id = record.id
    if (!existing) record.properties.createdate = at
    record.properties.hs_lastmodifieddate = at
    if (state.objectTypeId === CONTACTS) record.properties.lastmodifieddate = at
    record.updatedAt = at
    applyDerived(state, record, !existing)
    state.records.set(record.id, record)
    setIndexed(state, record, true)
    return record
  }

  function recordJson(record: FakeRecord, propertyNames: string[] | null, extra: Record<string, unknown> = {}) {
    const names = propertyNames ?? Object.keys(record.properties)
    const properties: Record<string, string | null> = {}
    for (const name of [...new Set([...names, ...DEFAULT_PROPERTIES])]) properties[name] = record.properties[name] ?? null
    return { id: record.id, properties, createdAt: record.createdAt, updatedAt: record.updatedAt, archived: false, ...extra }
  }

  function batchAnswer(results: unknown[], errors: unknown[], okStatus = 200): Answer {
    const now = new Date().toISOString()
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt: now, completedAt: now }
    if (errors.length > 0) Object.assign(body, { numErrors: errors.length, errors })
    return { status: errors.length > 0 ? 207 : okStatus, body }
  }

  function notFoundError(state: ObjectTypeState, ids: string[]) {
    return {
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      message: `Could not get some ${state.singular} objects, they may be deleted or not exist. Check that ids are valid.`,
      context: { ids },
      errors: [],
      links: {},
    }
  }

  function inputsOf(body: unknown): Array<Record<string, unknown>> {
    const inputs = (body as { inputs?: unknown })?.inputs
    if (!Array.isArray(inputs)) throw new HubspotFailure(400, 'Invalid input JSON on line 1: "inputs" is required', 'VALIDATION_ERROR')
    if (inputs.length > BATCH_MAX) throw new HubspotFailure(400, `Batch input size must be at most ${BATCH_MAX}`, 'VALIDATION_ERROR')
    return inputs as Array<Record<string, unknown>>
  }

  function rejectDuplicateIds(ids: string[], state: ObjectTypeState, idProperty: string | undefined) {
    const seen = new Set<string>()
    const duplicated = new Set<string>()
    for (const id of ids) {
      const key = state.objectTypeId === CONTACTS && idProperty === 'email' ? id.toLowerCase() : id
      if (seen.has(key)) duplicated.add(id)
      seen.add(key)
    }
    if (duplicated.size > 0) throw new HubspotFailure(400, `Duplicate IDs found in batch input: [${[...duplicated].join(', ')}]. IDs must be unique`, 'VALIDATION_ERROR')
  }

  // ---- CRM object endpoints ----

  function batchRead(state: ObjectTypeState, body: Record<string, unknown>): Answer {
    const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined
    if (idProperty && idProperty !== 'hs_object_id' && !isUnique(state, idProperty)) throw new HubspotFailure(400, `${idProperty} is not a unique identifier property`, 'VALIDATION_ERROR')
    const names = Array.isArray(body.properties) ? (body.properties as string[]) : []
    const results: unknown[] = []
    const missing: string[] = []
    for (const input of inputsOf(body)) {
      const id = String(input.id)
      const record = findBy(state, idProperty, id)
      if (record) results.push(recordJson(record, names))
      else missing.push(id)
    }
    return batchAnswer(results, missing.length > 0 ? [notFoundError(state, missing)] : [])
  }

  function batchUpsert(state: ObjectTypeState, body: Record<string, unknown>): Answer {
    const inputs = inputsOf(body)
    const idProperties = new Set(inputs.map((input) => input.idProperty))
    if (idProperties.size > 1) throw new HubspotFailure(400, 'All inputs in an upsert must use the same idProperty', 'VALIDATION_ERROR')
    const idProperty = inputs[0]?.idProperty
    if (inputs.length > 0 && (typeof idProperty !== 'string' || !isUnique(state, idProperty))) {
      throw new HubspotFailure(400, `Upsert requires an idProperty with unique values; ${String(idProperty)} is not one`, 'VALIDATION_ERROR')
    }
    const key = idProperty as string
    rejectDuplicateIds(inputs.map((input) => String(input.id)), state, key)
    const planned = inputs.map((input) => {
      const id = String(input.id)
      const properties = normalise(state, { ...(input.properties as Record<string, unknown>), [key]: id })
      return { record: findBy(state, key, id), properties, sent: Object.keys(properties) }
    })
    checkUnique(state, planned)
    const at = tick()
    const results = planned.map((plan) => {
      const isNew = plan.record === undefined
      const record = write(state, plan.record, plan.properties, at)
      return recordJson(record, plan.sent, { new: isNew })
    })
    return batchAnswer(results, [])
  }

  function batchUpdate(state: ObjectTypeState, body: Record<string, unknown>): Answer {
    const inputs = inputsOf(body)
    rejectDuplicateIds(
      inputs.map((input) => String(input.id)),
      state,
      typeof inputs[0]?.idProperty === 'string' ? inputs[0].idProperty : undefined,
    )
    const missing: string[] = []
    const planned: Array<{ record: FakeRecord; properties: Record<string, string>; sent: string[] }> = []
    for (const input of inputs) {
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined
      if (idProperty && idProperty !== 'hs_object_id' && !isUnique(state, idProperty)) throw new HubspotFailure(400, `${idProperty} is not a unique identifier property`, 'VALIDATION_ERROR')
      const record = findBy(state, idProperty, String(input.id))
      if (!record) {
        missing.push(String(input.id))
        continue
      }
      const properties = normalise(state, input.properties as Record<string, unknown>)
      planned.push({ record, properties, sent: Object.keys(properties) })
    }
    checkUnique(state, planned)
    const at = tick()
    const results = planned.map((plan) => recordJson(write(state, plan.record, plan.properties, at), plan.sent))
    return batchAnswer(results, missing.length > 0 ? [notFoundError(state, missing)] : [])
  }

  function compareValues(state: ObjectTypeState, name: string, a: string, b: string): number {
    const type = state.properties.get(name)?.type
    if (type === 'datetime' || type === 'date') return (parseTime(a) ?? 0) - (parseTime(b) ?? 0)
    if (type === 'number') return Number(a) - Number(b)
    return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0
  }

  function sortKey(state: ObjectTypeState, name: string, value: string): number | string {
    const type = state.properties.get(name)?.type
    if (type === 'datetime' || type === 'date') return parseTime(value) ?? 0
    if (type === 'number') return Number(value)
    return value.toLowerCase()
  }

  /** When every filter group has an EQ/IN on a text property, only records holding those values can match. */
  function indexedCandidates(state: ObjectTypeState, groups: Array<{ filters?: Array<Record<string, unknown>> }>): FakeRecord[] | null {
    if (groups.length === 0) return null
    const found = new Map<string, FakeRecord>()
    for (const group of groups) {
      const filter = (group.filters ?? []).find((candidate) => {
        const type = state.properties.get(String(candidate.propertyName))?.type
        return (candidate.operator === 'EQ' || candidate.operator === 'IN') && type !== 'datetime' && type !== 'date' && type !== 'number'
      })
      if (!filter) return null
      const values = filter.operator === 'EQ' ? [String(filter.value)] : Array.isArray(filter.values) ? filter.values.map(String) : []
      for (const value of values) for (const record of indexed(state, String(filter.propertyName), value)) found.set(record.id, record)
    }
    return [...found.values()]
  }

  function matchesFilter(state: ObjectTypeState, record: FakeRecord, filter: Record<string, unknown>): boolean {
    const name = String(filter.propertyName)
    const actual = record.properties[name]
    const has = actual !== undefined && actual !== ''
    const value = filter.value === undefined ? undefined : String(filter.value)
    const values = Array.isArray(filter.values) ? filter.values.map(String) : []
    switch (filter.operator) {
      case 'HAS_PROPERTY':
        return has
      case 'NOT_HAS_PROPERTY':
        return !has
      case 'EQ':
        return has && value !== undefined && compareValues(state, name, actual, value) === 0
      case 'NEQ':
        return !has || value === undefined || compareValues(state, name, actual, value) !== 0
      case 'GT':
        return has && value !== undefined && compareValues(state, name, actual, value) > 0
      case 'GTE':
        return has && value !== undefined && compareValues(state, name, actual, value) >= 0
      case 'LT':
        return has && value !== undefined && compareValues(state, name, actual, value) < 0
      case 'LTE':
        return has && value !== undefined && compareValues(state, name, actual, value) <= 0
      case 'IN':
        return has && values.some((candidate) => compareValues(state, name, actual, candidate) === 0)
      case 'NOT_IN':
        return !has || !values.some((candidate) => compareValues(state, name, actual, candidate) === 0)
      default:
        throw new HubspotFailure(400, `Unsupported filter operator ${String(filter.operator)}`, 'VALIDATION_ERROR')
    }
  }

  function search(state: ObjectTypeState, body: Record<string, unknown>): Answer {
    const limit = body.limit === undefined ? 10 : Number(body.limit)
    if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_MAX_LIMIT) throw new HubspotFailure(400, `limit must be between 0 and ${SEARCH_MAX_LIMIT}`, 'VALIDATION_ERROR')
    const offset = body.after === undefined || body.after === '' ? 0 : Number(body.after)
    if (!Number.isInteger(offset) || offset < 0) throw new HubspotFailure(400, `Invalid after: ${String(body.after)}`, 'VALIDATION_ERROR')
    if (offset >= SEARCH_RESULT_CAP) {
      throw new HubspotFailure(400, `There was a problem with the request. Search results are limited to ${SEARCH_RESULT_CAP} total; narrow the filters instead of paging past them.`, 'VALIDATION_ERROR')
    }
    const groups = Array.isArray(body.filterGroups) ? (body.filterGroups as Array<{ filters?: Array<Record<string, unknown>> }>) : []
    if (groups.length > 5) throw new HubspotFailure(400, 'Too many filter groups: at most 5', 'VALIDATION_ERROR')
    const filterCount = groups.reduce((total, group) => total + (group.filters?.length ?? 0), 0)
    if (groups.some((group) => (group.filters?.length ?? 0) > 6) || filterCount > 18) throw new HubspotFailure(400, 'Too many filters: at most 6 per group and 18 in all', 'VALIDATION_ERROR')
    for (const group of groups) {
      for (const filter of group.filters ?? []) {
        if (!state.properties.has(String(filter.propertyName))) throw new HubspotFailure(400, `Property ${String(filter.propertyName)} does not exist`, 'VALIDATION_ERROR')
      }
    }
    const sorts = (Array.isArray(body.sorts) ? body.sorts : []).map((sort: unknown) => {
      if (typeof sort === 'string') return { name: sort.replace(/^-/, ''), descending: sort.startsWith('-') }
      const object = sort as { propertyName?: string; direction?: string }
      return { name: String(object.propertyName), descending: object.direction === 'DESCENDING' }
    })
    if (sorts.length > 1) throw new HubspotFailure(400, 'Only one sort is supported', 'VALIDATION_ERROR')
    const candidates = indexedCandidates(state, groups) ?? [...state.records.values()]
    const filtered = candidates.filter((record) => groups.length === 0 || groups.some((group) => (group.filters ?? []).every((filter) => matchesFilter(state, record, filter))))
    // Sort keys computed once per record (dates parsed once), not once per comparison.
    const keyed = filtered.map((record) => ({ record, keys: sorts.map((sort) => sortKey(state, sort.name, record.properties[sort.name] ?? '')) }))
    keyed.sort((a, b) => {
      for (const [index, sort] of sorts.entries()) {
        const left = a.keys[index] as number | string
        const right = b.keys[index] as number | string
        const order = left < right ? -1 : left > right ? 1 : 0
        if (order !== 0) return sort.descending ? -order : order
      }
      return Number(a.record.id) - Number(b.record.id)
    })
    const matched = keyed.map((entry) => entry.record)
    const names = Array.isArray(body.properties) ? (body.properties as string[]) : []
    const page = matched.slice(offset, offset + limit)
    const next = offset + limit < matched.length ? { paging: { next: { after: String(offset + limit), link: `?after=${offset + limit}` } } } : {}
    return { status: 200, body: { total: matched.length, results: page.map((record) => recordJson(record, names)), ...next } }
  }

  // ---- properties and groups ----

  function propertyJson(item: FakeProperty) {
    const { readOnly, ...rest } = item
    return { ...rest, formField: false, calculated: false, externalOptions: false, hidden: false, archived: false, modificationMetadata: { archivable: !item.hubspotDefined, readOnlyDefinition: item.hubspotDefined, readOnlyValue: readOnly } }
  }

  function createProperty(state: ObjectTypeState, input: Record<string, unknown>): FakeProperty {
    const name = String(input.name ?? '')
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new HubspotFailure(400, `Property name ${name} is invalid: use lower-case letters, digits and underscores`, 'VALIDATION_ERROR')
    if (state.properties.has(name)) throw new HubspotFailure(409, `Property already exists: ${name}`, 'OBJECT_ALREADY_EXISTS')
    const groupName = String(input.groupName ?? '')
    if (!state.groups.has(groupName)) throw new HubspotFailure(400, `Property group ${groupName} does not exist`, 'VALIDATION_ERROR')
    if (!input.type || !input.fieldType || !input.label) throw new HubspotFailure(400, 'A property needs name, label, type and fieldType', 'VALIDATION_ERROR')
    const unique = input.hasUniqueValue === true
    if (unique && [...state.properties.values()].filter((item) => item.hasUniqueValue).length >= 10) {
      throw new HubspotFailure(400, 'An object can have at most 10 unique value properties', 'VALIDATION_ERROR')
    }
    const now = new Date().toISOString()
    return property(name, String(input.label), String(input.type), String(input.fieldType), groupName, {
      hasUniqueValue: unique,
      hubspotDefined: false,
      description: String(input.description ?? ''),
      createdAt: now,
      updatedAt: now,
    })
  }

  function createProperties(state: ObjectTypeState, body: unknown): Answer {
    const created = inputsOf(body).map((input) => createProperty(state, input))
    const names = new Set(created.map((item) => item.name))
    if (names.size !== created.length) throw new HubspotFailure(400, 'Duplicate property names in batch input', 'VALIDATION_ERROR')
    for (const item of created) state.properties.set(item.name, item)
    return batchAnswer(created.map(propertyJson), [], 201)
  }

  function createGroup(state: ObjectTypeState, body: Record<string, unknown>): Answer {
    const name = String(body.name ?? '')
    if (!/^[a-z][a-z0-9_]*$/.test(name) || !body.label) throw new HubspotFailure(400, 'A property group needs a valid name and a label', 'VALIDATION_ERROR')
    if (state.groups.has(name)) throw new HubspotFailure(409, `Property group already exists: ${name}`, 'OBJECT_ALREADY_EXISTS')
    const group = { name, label: String(body.label), displayOrder: Number(body.displayOrder ?? -1), archived: false }
    state.groups.set(name, group)
    return { status: 201, body: group }
  }

  // ---- custom object schemas ----

  function schemaJson(schema: FakeSchema) {
    const state = types.get(schema.objectTypeId)
    return {
      ...schema,
      fullyQualifiedName: `p${portalId}_${schema.name}`,
      archived: false,
      properties: state ? [...state.properties.values()].map(propertyJson) : [],
    }
  }

  function resolveAssociatedObject(value: string): string {
    const upper = value.toUpperCase()
    if (upper === 'DEAL' || upper === 'DEALS') return DEALS
    if (upper === 'COMPANY' || upper === 'COMPANIES') return COMPANIES
    if (upper === 'CONTACT' || upper === 'CONTACTS') return CONTACTS
    const state = resolveType(value)
    if (!state) throw new HubspotFailure(400, `Unknown associated object ${value}`, 'VALIDATION_ERROR')
    return state.objectTypeId
  }

  function linkSchema(schema: FakeSchema, otherTypeId: string, name: string) {
    const now = new Date().toISOString()
    const forward = nextTypeId++
    const inverse = nextTypeId++
    defineLabelPair(schema.objectTypeId, otherTypeId, 'USER_DEFINED', { typeId: forward, label: null, name }, { typeId: inverse, label: null, name })
    const association = { id: String(forward), fromObjectTypeId: schema.objectTypeId, toObjectTypeId: otherTypeId, name, createdAt: now, updatedAt: now }
    schema.associations.push(association)
    return association
  }

  function createSchema(body: Record<string, unknown>): Answer {
    const name = String(body.name ?? '')
    if (!/^[a-z][a-z0-9_]*$/i.test(name)) throw new HubspotFailure(400, 'A custom object needs a name of letters, digits and underscores', 'VALIDATION_ERROR')
    if ([...schemas.values()].some((schema) => schema.name === name)) throw new HubspotFailure(409, `Object type already exists with name ${name}`, 'OBJECT_ALREADY_EXISTS')
    const labelsInput = (body.labels ?? {}) as { singular?: string; plural?: string }
    if (!labelsInput.singular || !labelsInput.plural) throw new HubspotFailure(400, 'labels.singular and labels.plural are required', 'VALIDATION_ERROR')
    const propertyInputs = Array.isArray(body.properties) ? (body.properties as Array<Record<string, unknown>>) : []
    const requiredProperties = Array.isArray(body.requiredProperties) ? body.requiredProperties.map(String) : []
    const propertyNames = new Set(propertyInputs.map((input) => String(input.name)))
    for (const required of requiredProperties) if (!propertyNames.has(required)) throw new HubspotFailure(400, `Required property ${required} is not defined`, 'VALIDATION_ERROR')
    const primary = typeof body.primaryDisplayProperty === 'string' ? body.primaryDisplayProperty : undefined
    if (primary && !propertyNames.has(primary)) throw new HubspotFailure(400, `Primary display property ${primary} is not defined`, 'VALIDATION_ERROR')
    const objectTypeId = `2-${4_000_000 + nextSchema++}`
    const groupName = `${name.toLowerCase()}_information`
    const state = addType(objectTypeId, name.toUpperCase(), [name.toLowerCase(), `p_${name.toLowerCase()}`, `p${portalId}_${name.toLowerCase()}`], { name: groupName, label: `${labelsInput.singular} information` }, [])
    try {
      for (const input of propertyInputs) state.properties.set(String(input.name), createProperty(state, { groupName, ...input }))
    } catch (error) {
      types.delete(objectTypeId)
      throw error
    }
    const now = new Date().toISOString()
    const schema: FakeSchema = {
      id: objectTypeId.slice(2),
      objectTypeId,
      name,
      labels: labelsInput,
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      ...(primary ? { primaryDisplayProperty: primary } : {}),
      secondaryDisplayProperties: Array.isArray(body.secondaryDisplayProperties) ? body.secondaryDisplayProperties.map(String) : [],
      searchableProperties: Array.isArray(body.searchableProperties) ? body.searchableProperties.map(String) : [],
      requiredProperties,
      associations: [],
      createdAt: now,
      updatedAt: now,
    }
    schemas.set(objectTypeId, schema)
    for (const associated of Array.isArray(body.associatedObjects) ? body.associatedObjects.map(String) : []) {
      linkSchema(schema, resolveAssociatedObject(associated), `${name.toLowerCase()}_to_${associated.toLowerCase()}`)
    }
    return { status: 201, body: schemaJson(schema) }
  }

  function findSchema(objectType: string): FakeSchema {
    const state = resolveType(objectType)
    const schema = state ? schemas.get(state.objectTypeId) : undefined
    if (!schema) throw new HubspotFailure(404, `Unable to find object type ${objectType}`, 'OBJECT_NOT_FOUND')
    return schema
  }

  // ---- associations ----

  function labelList(fromTypeId: string, toTypeId: string): LabelDefinition[] {
    return labels.get(`${fromTypeId}>${toTypeId}`) ?? []
  }

  function createLabel(from: ObjectTypeState, to: ObjectTypeState, body: Record<string, unknown>): Answer {
    const label = typeof body.label === 'string' ? body.label.trim() : ''
    const name = typeof body.name === 'string' ? body.name.trim() : ''
    if (!label || !name) throw new HubspotFailure(400, 'An association label needs a label and a name', 'VALIDATION_ERROR')
    if (labelList(from.objectTypeId, to.objectTypeId).some((definition) => definition.name === name || definition.label === label)) {
      throw new HubspotFailure(409, `An association label named ${name} already exists between these objects`, 'CONFLICT')
    }
    const forward = nextTypeId++
    const inverse = nextTypeId++
    const inverseLabel = typeof body.inverseLabel === 'string' && body.inverseLabel ? body.inverseLabel : label
    defineLabelPair(from.objectTypeId, to.objectTypeId, 'USER_DEFINED', { typeId: forward, label, name }, { typeId: inverse, label: inverseLabel, name })
    return {
      status: 200,
      body: {
        results: [
          { category: 'USER_DEFINED', typeId: inverse, label: inverseLabel },
          { category: 'USER_DEFINED', typeId: forward, label },
        ],
      },
    }
  }

  function associate(from: ObjectTypeState, fromId: string, to: ObjectTypeState, toId: string, definition: LabelDefinition) {
    const put = (fromTypeId: string, a: string, toTypeId: string, b: string, spec: { category: AssociationCategory; typeId: number; label: string | null }) => {
      const key = `${fromTypeId}:${a}>${toTypeId}:${b}#${spec.category}:${spec.typeId}`
      associations.set(key, { fromObjectTypeId: fromTypeId, fromId: a, toObjectTypeId: toTypeId, toId: b, ...spec })
      const pair = `${fromTypeId}:${a}>${toTypeId}:${b}`
      let keys = associationsByPair.get(pair)
      if (!keys) associationsByPair.set(pair, (keys = new Set()))
      keys.add(key)
    }
    const inverse = labelList(to.objectTypeId, from.objectTypeId).find((candidate) => candidate.typeId === definition.inverseTypeId)
    put(from.objectTypeId, fromId, to.objectTypeId, toId, definition)
    if (inverse) put(to.objectTypeId, toId, from.objectTypeId, fromId, inverse)
  }

  function defaultDefinition(from: ObjectTypeState, to: ObjectTypeState): LabelDefinition {
    const definition = labelList(from.objectTypeId, to.objectTypeId).find((candidate) => candidate.label === null)
    if (!definition) throw new HubspotFailure(400, `No association is defined between ${from.singular} and ${to.singular}`, 'VALIDATION_ERROR')
    return definition
  }

  function associationEnds(from: ObjectTypeState, to: ObjectTypeState, input: Record<string, unknown>): { fromId: string; toId: string } | string {
    const fromId = String((input.from as { id?: unknown } | undefined)?.id ?? '')
    const toId = String((input.to as { id?: unknown } | undefined)?.id ?? '')
    if (!from.records.has(fromId)) return fromId
    if (!to.records.has(toId)) return toId
    return { fromId, toId }
  }

  function createAssociations(from: ObjectTypeState, to: ObjectTypeState, body: unknown, labelled: boolean): Answer {
    const inputs = inputsOf(body)
    const results: unknown[] = []
    const missing: string[] = []
    const plans: Array<{ fromId: string; toId: string; definitions: LabelDefinition[] }> = []
    for (const input of inputs) {
      const ends = associationEnds(from, to, input)
      if (typeof ends === 'string') {
        missing.push(ends)
        continue
      }
      const definitions = labelled
        ? (Array.isArray(input.types) ? (input.types as Array<{ associationCategory?: string; associationTypeId?: number }>) : []).map((type) => {
            const definition = labelList(from.objectTypeId, to.objectTypeId).find((candidate) => candidate.typeId === Number(type.associationTypeId) && candidate.category === type.associationCategory)
            if (!definition) throw new HubspotFailure(400, `Association type ${type.associationCategory}/${type.associationTypeId} is not valid between ${from.singular} and ${to.singular}`, 'VALIDATION_ERROR')
            return definition
          })
        : [defaultDefinition(from, to)]
      // Labelled associations always come with the unlabelled one, as in HubSpot.
      if (labelled && definitions.length > 0) definitions.push(defaultDefinition(from, to))
      plans.push({ ...ends, definitions })
    }
    for (const plan of plans) {
      for (const definition of plan.definitions) associate(from, plan.fromId, to, plan.toId, definition)
      if (labelled) {
        const labelsNow = [...(associationsByPair.get(`${from.objectTypeId}:${plan.fromId}>${to.objectTypeId}:${plan.toId}`) ?? [])]
          .flatMap((key) => {
            const item = associations.get(key)
            return item && item.label !== null ? [item] : []
          })
          .map((item) => item.label as string)
        results.push({ fromObjectTypeId: from.objectTypeId, fromObjectId: Number(plan.fromId), toObjectTypeId: to.objectTypeId, toObjectId: Number(plan.toId), labels: labelsNow })
      } else {
        const spec = plan.definitions[0]!
        results.push({ from: { id: plan.fromId }, to: { id: plan.toId }, associationSpec: { associationCategory: spec.category, associationTypeId: spec.typeId } })
      }
    }
    const errors = missing.length > 0 ? [{ status: 'error', category: 'VALIDATION_ERROR', message: `No objects found for ids: ${missing.join(', ')}`, context: { ids: missing }, errors: [], links: {} }] : []
    return batchAnswer(results, errors, labelled ? 201 : 200)
  }

  /** POST /crm/v3/objects/{type}: one record, with associations given by type id (as notes are created). */
  function createSingle(state: ObjectTypeState, body: Record<string, unknown>): Answer {
    const properties = normalise(state, (body.properties ?? {}) as Record<string, unknown>)
    if (state.objectTypeId === NOTES && !properties.hs_timestamp) {
      throw new HubspotFailure(400, 'Property values were not valid: [{"isValid":false,"message":"hs_timestamp is required","error":"REQUIRED_PROPERTY","name":"hs_timestamp"}]', 'VALIDATION_ERROR')
    }
    checkUnique(state, [{ properties }])
    const links: Array<{ to: ObjectTypeState; toId: string; definition: LabelDefinition }> = []
    for (const association of Array.isArray(body.associations) ? (body.associations as Array<Record<string, unknown>>) : []) {
      const toId = String((association.to as { id?: unknown } | undefined)?.id ?? '')
      for (const type of Array.isArray(association.types) ? (association.types as Array<{ associationCategory?: string; associationTypeId?: number }>) : []) {
        let found: { to: ObjectTypeState; definition: LabelDefinition } | undefined
        for (const candidate of types.values()) {
          const definition = labelList(state.objectTypeId, candidate.objectTypeId).find((item) => item.typeId === Number(type.associationTypeId) && item.category === type.associationCategory)
          if (definition) found = { to: candidate, definition }
        }
        if (!found) throw new HubspotFailure(400, `Association type ${type.associationCategory}/${type.associationTypeId} is not valid from ${state.singular}`, 'VALIDATION_ERROR')
        if (!found.to.records.has(toId)) throw new HubspotFailure(400, `No ${found.to.singular} with id ${toId} exists to associate with`, 'VALIDATION_ERROR')
        links.push({ to: found.to, toId, definition: found.definition })
      }
    }
    const record = write(state, undefined, properties, tick())
    for (const link of links) associate(state, record.id, link.to, link.toId, link.definition)
    return { status: 201, body: recordJson(record, Object.keys(properties)) }
  }

  // ---- routing ----

  function route(method: string, path: string, body: Record<string, unknown>): Answer {
    let match: RegExpMatchArray | null
    if (method === 'GET' && path === '/account-info/v3/details') {
      return {
        status: 200,
        body: { portalId, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18_000_000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' },
      }
    }
    if ((match = path.match(/^\/crm\/v3\/objects\/([^/]+)\/batch\/(read|upsert|update)$/)) && method === 'POST') {
      const state = requireType(match[1]!)
      if (match[2] === 'read') return batchRead(state, body)
      if (match[2] === 'upsert') return batchUpsert(state, body)
      return batchUpdate(state, body)
    }
    if ((match = path.match(/^\/crm\/v3\/objects\/([^/]+)\/search$/)) && method === 'POST') return search(requireType(match[1]!), body)
    if ((match = path.match(/^\/crm\/v3\/objects\/([^/]+)$/)) && method === 'POST') return createSingle(requireType(match[1]!), body)
    if ((match = path.match(/^\/crm\/v3\/properties\/([^/]+)$/))) {
      const state = requireType(match[1]!)
      if (method === 'GET') return { status: 200, body: { results: [...state.properties.values()].map(propertyJson) } }
      if (method === 'POST') {
        const created = createProperty(state, body)
        state.properties.set(created.name, created)
        return { status: 201, body: propertyJson(created) }
      }
    }
    if ((match = path.match(/^\/crm\/v3\/properties\/([^/]+)\/batch\/create$/)) && method === 'POST') return createProperties(requireType(match[1]!), body)
    if ((match = path.match(/^\/crm\/v3\/properties\/([^/]+)\/groups$/))) {
      const state = requireType(match[1]!)
      if (method === 'GET') return { status: 200, body: { results: [...state.groups.values()] } }
      if (method === 'POST') return createGroup(state, body)
    }
    if ((match = path.match(/^\/crm(?:-object-schemas)?\/v3\/schemas$/))) {
      if (method === 'GET') return { status: 200, body: { results: [...schemas.values()].map(schemaJson) } }
      if (method === 'POST') return createSchema(body)
    }
    if ((match = path.match(/^\/crm(?:-object-schemas)?\/v3\/schemas\/([^/]+)$/)) && method === 'GET') return { status: 200, body: schemaJson(findSchema(match[1]!)) }
    if ((match = path.match(/^\/crm(?:-object-schemas)?\/v3\/schemas\/([^/]+)\/associations$/)) && method === 'POST') {
      const schema = findSchema(match[1]!)
      const to = resolveAssociatedObject(String(body.toObjectTypeId ?? ''))
      if (schema.associations.some((association) => association.toObjectTypeId === to)) throw new HubspotFailure(409, 'This association already exists', 'CONFLICT')
      return { status: 200, body: linkSchema(schema, to, String(body.name ?? `${schema.name}_to_${to}`)) }
    }
    if ((match = path.match(/^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/labels$/))) {
      const from = requireType(match[1]!)
      const to = requireType(match[2]!)
      if (method === 'GET') return { status: 200, body: { results: labelList(from.objectTypeId, to.objectTypeId).map(({ category, typeId, label }) => ({ category, typeId, label })) } }
      if (method === 'POST') return createLabel(from, to, body)
    }
    if ((match = path.match(/^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/batch\/(create|associate\/default)$/)) && method === 'POST') {
      return createAssociations(requireType(match[1]!), requireType(match[2]!), body, match[3] === 'create')
    }
    if (method === 'GET' && path === '/crm/v3/pipelines/deals') {
      return {
        status: 200,
        body: {
          results: DEAL_PIPELINES.map((pipeline, index) => ({
            id: pipeline.id,
            label: pipeline.label,
            displayOrder: index,
            archived: false,
            createdAt: bootTime,
            updatedAt: bootTime,
            stages: pipeline.stages.map(([id, label, probability], order) => ({
              id,
              label,
              displayOrder: order,
              archived: false,
              createdAt: bootTime,
              updatedAt: bootTime,
              writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
              metadata: { isClosed: String(probability === 0 || probability === 1), probability: String(probability) },
            })),
          })),
        },
      }
    }
    throw new HubspotFailure(404, `No route for ${method} ${path}`, 'OBJECT_NOT_FOUND')
  }

  // ---- HTTP ----

  function errorBody(message: string, category: string, extra: Record<string, unknown> = {}) {
    return { status: 'error', message, correlationId: randomUUID(), category, ...extra }
  }

  function rateLimitHeaders(remaining: number): Record<string, string> {
    if (!options.rateLimit) return {}
    return {
      'X-HubSpot-RateLimit-Max': String(options.rateLimit.requests),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(options.rateLimit.windowMs),
    }
  }

  function tooManyRequests(policy: FakeRateLimitPolicy, headers: Record<string, string>): Answer {
    rateLimited += 1
    const message =
      policy === 'DAILY' ? 'You have reached your daily limit.' : policy === 'SECONDLY' ? 'You have reached your secondly limit.' : 'You have reached your ten_secondly_rolling limit.'
    return {
      status: 429,
      headers,
      body: { status: 'error', message, errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: policy, groupName: policy === 'DAILY' ? 'api-calls-daily' : `api-calls-burst:${portalId}` },
    }
  }

  function takeFault(path: string): Fault | undefined {
    const fault = faults.find((candidate) => {
      const target = candidate.target.path
      return target === undefined || (typeof target === 'string' ? path.includes(target) : target.test(path))
    })
    if (!fault) return undefined
    fault.remaining -= 1
    if (fault.remaining <= 0) faults.splice(faults.indexOf(fault), 1)
    return fault
  }

  function respond(response: http.ServerResponse, answer: Answer) {
    const isJson = answer.contentType === undefined
    const payload = isJson ? JSON.stringify(answer.body) : String(answer.body)
    response.writeHead(answer.status, {
      'Content-Type': answer.contentType ?? 'application/json;charset=utf-8',
      'Content-Length': Buffer.byteLength(payload),
      ...answer.headers,
    })
    response.end(payload)
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const method = request.method ?? 'GET'
    const path = new URL(request.url ?? '/', 'http://fake').pathname
    requests += 1
    const entry: FakeRequestLogEntry = { method, path, status: 0 }
    log.push(entry)

    const fault = takeFault(path)
    if (fault?.kind === 'timeout') return // never answered; close() destroys the socket
    if (fault?.kind === 'drop' && !fault.afterApplying) {
      request.socket.destroy()
      return
    }
    const send = (answer: Answer) => {
      if (fault?.kind === 'drop') {
        // The write already happened; the client just never hears about it.
        request.socket.destroy()
        return
      }
      entry.status = answer.status
      respond(response, answer)
    }
    if (fault?.kind === 'server_error') {
      const status = fault.status ?? [500, 502, 503][fault.served++ % 3]!
      if (status === 502) return send({ status, contentType: 'text/html', body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>' })
      return send({ status, body: errorBody(status === 503 ? 'Service Unavailable' : 'internal error', 'INTERNAL_ERROR') })
    }
    if (fault?.kind === 'rate_limit') {
      return send(tooManyRequests(fault.policy, { ...rateLimitHeaders(0), ...(fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) }) }))
    }

    if (request.headers.authorization !== `Bearer ${accessToken}`) {
      return send({
        status: 401,
        body: errorBody('Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview', 'INVALID_AUTHENTICATION'),
      })
    }

    let remaining = Number.POSITIVE_INFINITY
    if (options.rateLimit) {
      const now = Date.now()
      while (windowHits.length > 0 && windowHits[0]! <= now - options.rateLimit.windowMs) windowHits.shift()
      if (windowHits.length >= options.rateLimit.requests) return send(tooManyRequests('TEN_SECONDLY_ROLLING', rateLimitHeaders(0)))
      windowHits.push(now)
      remaining = options.rateLimit.requests - windowHits.length
    }

    let body: Record<string, unknown> = {}
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
      } catch {
        return send({ status: 400, body: errorBody('Invalid input JSON: could not parse the request body', 'VALIDATION_ERROR') })
      }
    }
    try {
      const answer = route(method, path, body)
      send({ ...answer, headers: { ...rateLimitHeaders(remaining), ...answer.headers } })
    } catch (error) {
      if (error instanceof HubspotFailure) return send({ status: error.status, headers: rateLimitHeaders(remaining), body: errorBody(error.message, error.category, error.extra) })
      send({ status: 500, body: errorBody(error instanceof Error ? error.message : 'internal error', 'INTERNAL_ERROR') })
    }
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch(() => response.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  function typeOrThrow(objectType: string): ObjectTypeState {
    const state = resolveType(objectType)
    if (!state) throw new Error(`fake HubSpot has no object type ${objectType}`)
    return state
  }

  return {
    url: `http://127.0.0.1:${port}`,
    accessToken,
    portalId,
    faults: {
      rateLimitStorm(count, { policy = 'TEN_SECONDLY_ROLLING', retryAfterSeconds, path } = {}) {
        faults.push({ kind: 'rate_limit', remaining: count, target: { path }, policy, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) })
      },
      serverErrors(count, { status, path } = {}) {
        faults.push({ kind: 'server_error', remaining: count, target: { path }, served: 0, ...(status === undefined ? {} : { status }) })
      },
      timeouts(count, { path } = {}) {
        faults.push({ kind: 'timeout', remaining: count, target: { path } })
      },
      dropConnection(count, { afterApplying = false, path } = {}) {
        faults.push({ kind: 'drop', remaining: count, target: { path }, afterApplying })
      },
      clear() {
        faults.length = 0
      },
      get pending() {
        return faults.reduce((total, fault) => total + fault.remaining, 0)
      },
    },
    get requests() {
      return requests
    },
    get rateLimited() {
      return rateLimited
    },
    log,
    records(objectType) {
      return [...typeOrThrow(objectType).records.values()].map((record) => ({ ...record, properties: { ...record.properties } }))
    },
    record(objectType, id) {
      const record = typeOrThrow(objectType).records.get(id)
      return record ? { ...record, properties: { ...record.properties } } : undefined
    },
    associations(fromObjectType, toObjectType) {
      const from = fromObjectType ? typeOrThrow(fromObjectType).objectTypeId : undefined
      const to = toObjectType ? typeOrThrow(toObjectType).objectTypeId : undefined
      return [...associations.values()].filter((item) => (from === undefined || item.fromObjectTypeId === from) && (to === undefined || item.toObjectTypeId === to))
    },
    propertyNames(objectType) {
      return [...typeOrThrow(objectType).properties.keys()]
    },
    associationLabels(fromObjectType, toObjectType) {
      return labelList(typeOrThrow(fromObjectType).objectTypeId, typeOrThrow(toObjectType).objectTypeId).map(({ category, typeId, label }) => ({ category, typeId, label }))
    },
    schemaNames() {
      return [...schemas.values()].map((schema) => schema.name)
    },
    duplicates() {
      const found: FakeDuplicate[] = []
      for (const state of types.values()) {
        for (const name of state.properties.keys()) {
          if (!isUnique(state, name)) continue
          const owners = new Map<string, string[]>()
          for (const record of state.records.values()) {
            const value = record.properties[name]
            if (!value) continue
            const key = name === 'email' ? value.toLowerCase() : value
            owners.set(key, [...(owners.get(key) ?? []), record.id])
          }
          for (const [value, ids] of owners) if (ids.length > 1) found.push({ objectTypeId: state.objectTypeId, property: name, value, ids })
        }
      }
      return found
    },
    insert(objectType, properties, { modifiedAt } = {}) {
      const state = typeOrThrow(objectType)
      const values = normalise(state, properties)
      checkUnique(state, [{ properties: values }])
      const at = modifiedAt === undefined ? tick() : typeof modifiedAt === 'number' ? modifiedAt : Date.parse(modifiedAt)
      lastWriteMs = Math.max(lastWriteMs, at)
      return { ...write(state, undefined, values, at) }
    },
    updateDeal(id, changes) {
      const state = typeOrThrow('deals')
      const record = state.records.get(id)
      if (!record) throw new Error(`fake HubSpot has no deal ${id}`)
      const values = normalise(state, Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)))
      return { ...write(state, record, values, tick()) }
    },
    resetCounters() {
      requests = 0
      rateLimited = 0
      log.length = 0
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

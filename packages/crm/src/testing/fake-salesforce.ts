import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { likeToRegExp, parseSoql, SoqlError, type SoqlCondition, type SoqlLiteral, type SoqlQuery } from './fake-salesforce-soql.js'

/**
 * A local Salesforce org speaking the wire format of every endpoint the
 * connector uses (SOAP login, OAuth refresh, REST query/describe/sObject
 * Collections — Accounts, Contacts, Opportunities, contact roles and Tasks —,
 * Tooling CustomField), driven by the real jsforce in tests.
 * Enforces what real orgs enforce and the connector must cope with:
 * required fields, unique external ids, field lengths, restricted stages,
 * session expiry, the daily API quota. Faults are injected per request.
 */

export interface FakeSalesforceOptions {
  port?: number
  username?: string
  password?: string
  securityToken?: string
  /** An OAuth access token accepted from the start. */
  accessToken?: string
  /** Accepted by /services/oauth2/token (grant_type=refresh_token). */
  refreshToken?: string
  /** API requests allowed before 403 REQUEST_LIMIT_EXCEEDED (unset: unlimited). */
  dailyRequestLimit?: number
  /** Adds CurrencyIsoCode to Opportunity (multi-currency org). Default false. */
  multiCurrency?: boolean
  /** Records per query page before nextRecordsUrl (Salesforce: 2000). */
  queryBatchSize?: number
  orgName?: string
}

export interface FakeSalesforceRequest {
  method: string
  /** Path with query string. */
  path: string
  /** Decoded SOQL for query calls. */
  soql?: string
  /** 0 when the connection was dropped or held open. */
  status: number
}

export interface FaultOptions {
  match?: RegExp
}

export type FakeRecord = Record<string, unknown> & { Id: string }

export interface FakeSalesforce {
  url: string
  username: string
  password: string
  securityToken: string
  accessToken: string
  refreshToken: string
  organizationId: string
  requests: FakeSalesforceRequest[]
  /**
   * Faults hit the next n API calls (under /services/data), or with `match`
   * the next n whose "METHOD /path" matches (e.g. /PATCH .*\/composite\/sobjects\/Opportunity/).
   */
  faults: {
    /** 403 REQUEST_LIMIT_EXCEEDED. */
    requestLimitExceeded(n: number, options?: FaultOptions): void
    /** 500 UNKNOWN_EXCEPTION. */
    serverErrors(n: number, options?: FaultOptions): void
    /** No answer until the client gives up (optionally after applying the write). */
    timeouts(n: number, options?: FaultOptions & { afterApplying?: boolean }): void
    /** The socket is destroyed (optionally after applying the write). */
    dropConnection(n: number, options?: FaultOptions & { afterApplying?: boolean }): void
    /** Every issued session/access token stops working: the next call gets 401 INVALID_SESSION_ID. */
    expireSession(): void
  }
  /** Copies of the records of one object, oldest first. */
  records(sobject: string): FakeRecord[]
  /** Records sharing a key that must be unique (registration id, account id, website domain, e-mail, contact role). */
  duplicates(): number
  /** Creates a record as a CRM user would (same validation as the API); returns its id. */
  createRecord(sobject: string, fields: Record<string, unknown>): string
  /** A CRM user edits an opportunity: bumps SystemModstamp. */
  updateOpportunity(id: string, fields: { StageName?: string; Amount?: number | null; CloseDate?: string }): void
  /** Custom fields created through the Tooling API, as "Object.Field__c". */
  customFields(): string[]
  close(): Promise<void>
}

type FieldType = 'id' | 'string' | 'textarea' | 'url' | 'email' | 'picklist' | 'date' | 'datetime' | 'currency' | 'double' | 'percent' | 'boolean' | 'reference'

interface FieldDef {
  name: string
  type: FieldType
  label: string
  length: number
  custom: boolean
  externalId: boolean
  unique: boolean
  /** Set by the API on create/update. */
  writable: boolean
  requiredOnCreate: boolean
  referenceTo?: string
}

interface ObjectDef {
  name: string
  prefix: string
  fields: FieldDef[]
  writable: boolean
}

const STAGES: { name: string; closed: boolean; won: boolean; probability: number }[] = [
  { name: 'Prospecting', closed: false, won: false, probability: 10 },
  { name: 'Qualification', closed: false, won: false, probability: 10 },
  { name: 'Needs Analysis', closed: false, won: false, probability: 20 },
  { name: 'Value Proposition', closed: false, won: false, probability: 50 },
  { name: 'Id. Decision Makers', closed: false, won: false, probability: 60 },
  { name: 'Perception Analysis', closed: false, won: false, probability: 70 },
  { name: 'Proposal/Price Quote', closed: false, won: false, probability: 75 },
  { name: 'Negotiation/Review', closed: false, won: false, probability: 90 },
  { name: 'Closed Won', closed: true, won: true, probability: 100 },
  { name: 'Closed Lost', closed: true, won: false, probability: 0 },
]

function field(name: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef {
  const length = extra.length ?? (['string', 'url', 'email', 'picklist'].includes(type) ? 255 : type === 'textarea' ? 32000 : type === 'id' || type === 'reference' ? 18 : 0)
  return { name, type, label: name.replace(/__c$/, '').replace(/_/g, ' '), length, custom: false, externalId: false, unique: false, writable: true, requiredOnCreate: false, ...extra }
}

function systemFields(): FieldDef[] {
  return [
    field('Id', 'id', { writable: false }),
    field('CreatedDate', 'datetime', { writable: false }),
    field('LastModifiedDate', 'datetime', { writable: false }),
    field('SystemModstamp', 'datetime', { writable: false }),
  ]
}

function standardObjects(multiCurrency: boolean): ObjectDef[] {
  return [
    {
      name: 'Organization',
      prefix: '00D',
      writable: false,
      fields: [...systemFields(), field('Name', 'string', { writable: false }), field('DefaultLocaleSidKey', 'string', { writable: false })],
    },
    {
      name: 'OpportunityStage',
      prefix: '01J',
      writable: false,
      fields: [
        ...systemFields(),
        field('ApiName', 'string', { writable: false }),
        field('MasterLabel', 'string', { writable: false }),
        field('IsActive', 'boolean', { writable: false }),
        field('IsClosed', 'boolean', { writable: false }),
        field('IsWon', 'boolean', { writable: false }),
        field('SortOrder', 'double', { writable: false }),
        field('DefaultProbability', 'percent', { writable: false }),
      ],
    },
    {
      name: 'Account',
      prefix: '001',
      writable: true,
      fields: [
        ...systemFields(),
        field('Name', 'string', { requiredOnCreate: true }),
        field('Website', 'url'),
        field('Phone', 'string', { length: 40 }),
        field('Industry', 'picklist'),
        field('Description', 'textarea'),
        field('BillingCountry', 'string', { length: 80 }),
      ],
    },
    {
      name: 'Contact',
      prefix: '003',
      writable: true,
      fields: [
        ...systemFields(),
        field('FirstName', 'string', { length: 40 }),
        field('LastName', 'string', { length: 80, requiredOnCreate: true }),
        field('Email', 'email', { length: 80 }),
        field('Title', 'string', { length: 128 }),
        field('Phone', 'string', { length: 40 }),
        field('AccountId', 'reference', { referenceTo: 'Account' }),
      ],
    },
    {
      name: 'Opportunity',
      prefix: '006',
      writable: true,
      fields: [
        ...systemFields(),
        field('Name', 'string', { length: 120, requiredOnCreate: true }),
        field('StageName', 'picklist', { requiredOnCreate: true }),
        field('CloseDate', 'date', { requiredOnCreate: true }),
        field('Amount', 'currency'),
        field('Probability', 'percent'),
        field('Type', 'picklist'),
        field('LeadSource', 'picklist'),
        field('NextStep', 'string'),
        field('Description', 'textarea'),
        field('AccountId', 'reference', { referenceTo: 'Account' }),
        field('IsClosed', 'boolean', { writable: false }),
        field('IsWon', 'boolean', { writable: false }),
        ...(multiCurrency ? [field('CurrencyIsoCode', 'picklist', { length: 3 })] : []),
      ],
    },
    {
      name: 'Task',
      prefix: '00T',
      writable: true,
      fields: [
        ...systemFields(),
        field('Subject', 'string'),
        field('Description', 'textarea'),
        // Polymorphic in Salesforce (any object with activities); opportunities are all Accord writes.
        field('WhatId', 'reference', { referenceTo: 'Opportunity' }),
        field('Status', 'picklist', { requiredOnCreate: true }),
        field('Priority', 'picklist'),
        field('ActivityDate', 'date'),
      ],
    },
    {
      name: 'OpportunityContactRole',
      prefix: '00K',
      writable: true,
      fields: [
        ...systemFields(),
        field('OpportunityId', 'reference', { referenceTo: 'Opportunity', requiredOnCreate: true }),
        field('ContactId', 'reference', { referenceTo: 'Contact', requiredOnCreate: true }),
        field('Role', 'picklist'),
        field('IsPrimary', 'boolean'),
      ],
    },
  ]
}

/** A save error the way sObject Collections report it. */
interface SaveError {
  statusCode: string
  message: string
  fields: string[]
}

/** A failure of the whole request: answered `status` with `[{ message, errorCode, fields }]`. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message)
  }
}

class RecordError extends Error {
  constructor(readonly error: SaveError) {
    super(error.message)
  }
}

const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** 15-character id plus Salesforce's 3-character case-safe suffix. */
function salesforceId(prefix: string, counter: number): string {
  let body = ''
  for (let value = counter; body.length < 12; value = Math.floor(value / 62)) body = (ID_CHARS[value % 62] ?? '0') + body
  const id15 = `${prefix}${body}`
  let suffix = ''
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0
    for (let offset = 0; offset < 5; offset += 1) {
      const char = id15[chunk * 5 + offset] ?? ''
      if (char >= 'A' && char <= 'Z') bits += 1 << offset
    }
    suffix += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[bits]
  }
  return id15 + suffix
}

/** Salesforce's wire format for datetimes: "2024-05-01T10:00:00.000+0000". */
function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000')
}

function parseDateTime(value: unknown): number {
  return Date.parse(String(value).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
}

function xmlUnescape(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
}

function websiteHost(website: unknown): string | null {
  if (typeof website !== 'string' || !website.trim()) return null
  try {
    const trimmed = website.trim()
    return new URL(/^[a-z]+:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`).hostname.toLowerCase().replace(/^www\./, '')
  } catch {
    return null
  }
}

export async function startFakeSalesforce(options: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
  const username = options.username ?? 'integration@accord.test'
  const password = options.password ?? 'correct horse'
  const securityToken = options.securityToken ?? 'TOKEN123'
  const accessToken = options.accessToken ?? `00D!fake-access-${randomBytes(8).toString('hex')}`
  const refreshToken = options.refreshToken ?? `5Aep-fake-refresh-${randomBytes(8).toString('hex')}`
  const queryBatchSize = options.queryBatchSize ?? 2000
  const objects = new Map(standardObjects(options.multiCurrency ?? false).map((object) => [object.name.toLowerCase(), object]))
  const store = new Map<string, Map<string, FakeRecord>>([...objects.values()].map((object) => [object.name, new Map()]))
  const customFieldNames: string[] = []
  const validTokens = new Set<string>(options.accessToken ? [accessToken] : [])
  const queryCursors = new Map<string, Record<string, unknown>[]>()
  const requests: FakeSalesforceRequest[] = []
  const openSockets = new Set<Socket>()
  const heldResponses = new Set<ServerResponse>()
  let idCounter = 1000
  let apiRequestCount = 0
  let lastStamp = 0
  const faults: { kind: 'limit' | 'server' | 'timeout' | 'drop'; afterApplying: boolean; match?: RegExp }[] = []
  const addFaults = (kind: (typeof faults)[number]['kind'], n: number, fault: FaultOptions & { afterApplying?: boolean } = {}) => {
    for (let index = 0; index < n; index += 1) faults.push({ kind, afterApplying: fault.afterApplying === true, match: fault.match })
  }

  const nextId = (prefix: string) => salesforceId(prefix, (idCounter += 1))
  const organizationId = nextId('00D')
  const userId = nextId('005')

  /** Records written by one request share a SystemModstamp, as in one Salesforce transaction; later requests are strictly later. */
  const newStamp = () => {
    lastStamp = Math.max(Math.floor(Date.now() / 1000) * 1000, lastStamp + 1000)
    return lastStamp
  }

  const objectDef = (name: string): ObjectDef => {
    const object = objects.get(name.toLowerCase())
    if (!object) throw new RequestError(400, 'INVALID_TYPE', `sObject type '${name}' is not supported.`)
    return object
  }
  const fieldDef = (object: ObjectDef, name: string): FieldDef | undefined => object.fields.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase())
  const table = (object: ObjectDef): Map<string, FakeRecord> => {
    const records = store.get(object.name)
    if (!records) throw new Error(`no table for ${object.name}`)
    return records
  }
  const findById = (id: string): { object: ObjectDef; record: FakeRecord } | null => {
    for (const object of objects.values()) {
      const record = [...table(object).values()].find((candidate) => candidate.Id.slice(0, 15) === id.slice(0, 15))
      if (record) return { object, record }
    }
    return null
  }

  // Seed: the org, its stages.
  const seedSystem = (objectName: string, fields: Record<string, unknown>) => {
    const object = objectDef(objectName)
    const stamp = newStamp()
    const id = nextId(object.prefix)
    table(object).set(id, { ...fields, Id: id, CreatedDate: stamp, LastModifiedDate: stamp, SystemModstamp: stamp })
  }
  store.get('Organization')?.set(organizationId, {
    Id: organizationId,
    Name: options.orgName ?? 'Acme Test Org',
    DefaultLocaleSidKey: 'en_US',
    CreatedDate: newStamp(),
    LastModifiedDate: lastStamp,
    SystemModstamp: lastStamp,
  })
  STAGES.forEach((stage, index) =>
    seedSystem('OpportunityStage', {
      ApiName: stage.name,
      MasterLabel: stage.name,
      IsActive: true,
      IsClosed: stage.closed,
      IsWon: stage.won,
      SortOrder: index + 1,
      DefaultProbability: stage.probability,
    }),
  )

  /** Coerces one JSON value to the field's type; a value of the wrong shape fails the whole request, as Salesforce's JSON parser does. */
  const coerce = (object: ObjectDef, def: FieldDef, value: unknown): unknown => {
    if (value === null || value === undefined) return null
    const fail = () => {
      throw new RequestError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${def.type} from value ${JSON.stringify(value)} for ${object.name}.${def.name}`)
    }
    switch (def.type) {
      case 'currency':
      case 'double':
      case 'percent': {
        if (typeof value === 'string' && value.trim() === '') return null
        const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
        if (!Number.isFinite(number)) fail()
        return number
      }
      case 'boolean':
        if (typeof value === 'boolean') return value
        if (value === 'true' || value === 'false') return value === 'true'
        return fail()
      case 'date': {
        const text = String(value)
        if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text.slice(0, 10)))) fail()
        return text.slice(0, 10)
      }
      case 'datetime': {
        const ms = parseDateTime(value)
        if (Number.isNaN(ms)) fail()
        return ms
      }
      default:
        if (typeof value === 'object') fail()
        return String(value)
    }
  }

  /** Applies one record write after Salesforce's checks; throws RecordError for a refused record. */
  const writeRecord = (object: ObjectDef, input: Record<string, unknown>, existing: FakeRecord | null, stamp: number): FakeRecord => {
    const next: FakeRecord = existing ? { ...existing } : { Id: '' }
    for (const [name, value] of Object.entries(input)) {
      if (name === 'attributes' || name === 'Id' || name === 'id') continue
      const def = fieldDef(object, name)
      if (!def) throw new RequestError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${object.name}`, [name])
      if (!def.writable) {
        throw new RecordError({ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: `Unable to create/update fields: ${def.name}. Please check the security settings of this field.`, fields: [def.name] })
      }
      const coerced = coerce(object, def, value)
      if (typeof coerced === 'string' && def.length > 0 && coerced.length > def.length) {
        throw new RecordError({ statusCode: 'STRING_TOO_LONG', message: `${def.label}: data value too large: ${coerced.slice(0, 40)}... (max length=${def.length})`, fields: [def.name] })
      }
      if (def.type === 'email' && typeof coerced === 'string' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(coerced)) {
        throw new RecordError({ statusCode: 'INVALID_EMAIL_ADDRESS', message: `Email: invalid email address: ${coerced}`, fields: [def.name] })
      }
      if (def.type === 'reference' && typeof coerced === 'string') {
        const target = def.referenceTo ? objectDef(def.referenceTo) : null
        const found = findById(coerced)
        if (!found || (target && found.object !== target)) {
          throw new RecordError({ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: `invalid cross reference id`, fields: [def.name] })
        }
      }
      if (object.name === 'Opportunity' && def.name === 'StageName' && coerced !== null && !STAGES.some((stage) => stage.name === coerced)) {
        throw new RecordError({ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: `Stage: bad value for restricted picklist field: ${String(coerced)}`, fields: ['StageName'] })
      }
      next[def.name] = coerced
    }
    const missing = object.fields.filter((def) => def.requiredOnCreate && (next[def.name] === null || next[def.name] === undefined || next[def.name] === ''))
    if (missing.length > 0) {
      throw new RecordError({ statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.map((def) => def.name).join(', ')}]`, fields: missing.map((def) => def.name) })
    }
    for (const def of object.fields.filter((candidate) => candidate.unique)) {
      const value = next[def.name]
      if (typeof value !== 'string') continue
      const clash = [...table(object).values()].find((record) => record.Id !== next.Id && typeof record[def.name] === 'string' && (record[def.name] as string).toLowerCase() === value.toLowerCase())
      if (clash) {
        throw new RecordError({ statusCode: 'DUPLICATE_VALUE', message: `duplicate value found: ${def.name} duplicates value on record with id: ${clash.Id}`, fields: [def.name] })
      }
    }
    if (object.name === 'Opportunity') {
      const stage = STAGES.find((candidate) => candidate.name === next.StageName)
      next.IsClosed = stage?.closed ?? false
      next.IsWon = stage?.won ?? false
    }
    if (!existing) {
      next.Id = nextId(object.prefix)
      next.CreatedDate = stamp
      for (const def of object.fields) if (!(def.name in next)) next[def.name] = def.type === 'boolean' ? false : null
      if (next.CurrencyIsoCode === null && fieldDef(object, 'CurrencyIsoCode')) next.CurrencyIsoCode = 'USD'
    }
    next.LastModifiedDate = stamp
    next.SystemModstamp = stamp
    table(object).set(next.Id, next)
    return next
  }

  type SaveResult = { id: string | null; success: boolean; errors: SaveError[]; created?: boolean }

  /** sObject Collections semantics: per-record results; allOrNone rolls everything back on the first refusal. */
  const saveCollection = (records: unknown, allOrNone: boolean, save: (record: Record<string, unknown>, stamp: number) => SaveResult): SaveResult[] => {
    if (!Array.isArray(records)) throw new RequestError(400, 'JSON_PARSER_ERROR', 'records must be an array')
    if (records.length > 200) throw new RequestError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call')
    const snapshot = new Map([...store].map(([name, records]) => [name, new Map(records)]))
    const stamp = newStamp()
    const results = records.map((record: unknown): SaveResult => {
      try {
        return save((record ?? {}) as Record<string, unknown>, stamp)
      } catch (error) {
        if (error instanceof RecordError) return { id: null, success: false, errors: [error.error] }
        throw error
      }
    })
    if (allOrNone && results.some((result) => !result.success)) {
      for (const [name, records] of snapshot) store.set(name, records)
      return results.map((result) =>
        result.success ? { id: null, success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] } : result,
      )
    }
    return results
  }

  const recordType = (record: Record<string, unknown>, fallback?: string): ObjectDef => {
    const attributes = record.attributes as { type?: unknown } | undefined
    const type = typeof attributes?.type === 'string' ? attributes.type : fallback
    if (!type) throw new RequestError(400, 'INVALID_TYPE', 'Each record needs attributes.type')
    const object = objectDef(type)
    if (!object.writable) throw new RequestError(400, 'INVALID_TYPE', `entity type ${object.name} does not support insert/update`)
    return object
  }

  const createOne = (record: Record<string, unknown>, stamp: number, type?: string): SaveResult => {
    const object = recordType(record, type)
    if (record.Id || record.id) throw new RecordError({ statusCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] })
    const saved = writeRecord(object, record, null, stamp)
    return { id: saved.Id, success: true, errors: [] }
  }

  const updateOne = (record: Record<string, unknown>, stamp: number, type?: string, id?: string): SaveResult => {
    const object = recordType(record, type)
    const recordId = id ?? (typeof record.id === 'string' ? record.id : typeof record.Id === 'string' ? record.Id : null)
    if (!recordId) throw new RecordError({ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] })
    const existing = [...table(object).values()].find((candidate) => candidate.Id.slice(0, 15) === recordId.slice(0, 15))
    if (!existing) throw new RecordError({ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] })
    const saved = writeRecord(object, record, existing, stamp)
    return { id: saved.Id, success: true, errors: [] }
  }

  const externalIdField = (object: ObjectDef, name: string): FieldDef => {
    const def = fieldDef(object, name)
    if (!def || !def.externalId) throw new RequestError(400, 'INVALID_FIELD', `Field ${name} is not an External ID or indexed field for ${object.name}`, [name])
    return def
  }

  const upsertOne = (record: Record<string, unknown>, stamp: number, object: ObjectDef, key: FieldDef, value?: string): SaveResult => {
    const keyValue = value ?? record[key.name]
    if (typeof keyValue !== 'string' || keyValue === '') throw new RecordError({ statusCode: 'MISSING_ARGUMENT', message: `${key.name} not specified`, fields: [key.name] })
    const matches = [...table(object).values()].filter((candidate) => typeof candidate[key.name] === 'string' && (candidate[key.name] as string).toLowerCase() === keyValue.toLowerCase())
    if (matches.length > 1) throw new RecordError({ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `${key.name}: more than one record found for external id field`, fields: [key.name] })
    const existing = matches[0] ?? null
    const saved = writeRecord(object, { ...record, [key.name]: keyValue }, existing, stamp)
    return { id: saved.Id, success: true, errors: [], created: existing === null }
  }

  const describe = (object: ObjectDef) => ({
    name: object.name,
    label: object.name,
    custom: false,
    createable: object.writable,
    updateable: object.writable,
    queryable: true,
    keyPrefix: object.prefix,
    fields: object.fields.map((def) => ({
      name: def.name,
      label: def.label,
      type: def.type,
      length: def.length,
      custom: def.custom,
      externalId: def.externalId,
      unique: def.unique,
      idLookup: def.type === 'id' || def.externalId,
      caseSensitive: false,
      nillable: !def.requiredOnCreate && def.type !== 'boolean' && def.type !== 'id',
      createable: def.writable,
      updateable: def.writable,
      referenceTo: def.referenceTo ? [def.referenceTo] : [],
    })),
    urls: { sobject: `/services/data/v62.0/sobjects/${object.name}`, describe: `/services/data/v62.0/sobjects/${object.name}/describe` },
  })

  /** Tooling API CustomField create: the field then shows in describe, queries and writes. */
  const createCustomField = (body: Record<string, unknown>) => {
    const fullName = typeof body.FullName === 'string' ? body.FullName : ''
    const metadata = (body.Metadata ?? {}) as Record<string, unknown>
    const [objectName, fieldName] = fullName.split('.')
    if (!objectName || !fieldName || !/^[A-Za-z][A-Za-z0-9_]*__c$/.test(fieldName) || fieldName.length > 43) {
      throw new RequestError(400, 'INVALID_FIELD', `Invalid custom field full name: ${fullName}`, ['FullName'])
    }
    const object = objectDef(objectName)
    if (fieldDef(object, fieldName)) throw new RequestError(400, 'DUPLICATE_DEVELOPER_NAME', `There is already a field named ${fieldName} on ${object.name}.`, [])
    if (metadata.type !== 'Text') throw new RequestError(400, 'FIELD_INTEGRITY_EXCEPTION', `The fake only creates Text fields, not ${String(metadata.type)}`, ['Metadata'])
    const length = Number(metadata.length)
    if (!Number.isInteger(length) || length < 1 || length > 255) throw new RequestError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Length must be between 1 and 255', ['Metadata'])
    if (typeof metadata.label !== 'string' || metadata.label.length === 0 || metadata.label.length > 40) {
      throw new RequestError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Field label is required (at most 40 characters)', ['Metadata'])
    }
    object.fields.push(
      field(fieldName, 'string', { label: metadata.label, length, custom: true, externalId: metadata.externalId === true, unique: metadata.unique === true }),
    )
    for (const record of table(object).values()) record[fieldName] = null
    customFieldNames.push(`${object.name}.${fieldName}`)
    return { id: nextId('00N'), success: true, errors: [], warnings: [], infos: [] }
  }

  // --- queries -------------------------------------------------------------

  const fieldValue = (object: ObjectDef, record: FakeRecord, name: string): unknown => {
    const def = fieldDef(object, name)
    if (!def) throw new RequestError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${object.name}'.`, [name])
    return record[def.name] ?? null
  }

  const compare = (def: FieldDef, actual: unknown, literal: SoqlLiteral): number | null => {
    if (actual === null || literal.type === 'null') return null
    switch (def.type) {
      case 'datetime': {
        if (literal.type !== 'datetime') throw new RequestError(400, 'INVALID_QUERY_FILTER_OPERATOR', `value of filter criterion for field '${def.name}' must be of type dateTime and should not be enclosed in quotes`)
        return Number(actual) - literal.value
      }
      case 'date':
        if (literal.type !== 'date') throw new RequestError(400, 'INVALID_QUERY_FILTER_OPERATOR', `value of filter criterion for field '${def.name}' must be of type date and should not be enclosed in quotes`)
        return String(actual).localeCompare(literal.value)
      case 'boolean':
        if (literal.type !== 'boolean') throw new RequestError(400, 'INVALID_QUERY_FILTER_OPERATOR', `value of filter criterion for field '${def.name}' must be of type boolean`)
        return actual === literal.value ? 0 : 1
      case 'currency':
      case 'double':
      case 'percent':
        if (literal.type !== 'number') throw new RequestError(400, 'INVALID_QUERY_FILTER_OPERATOR', `value of filter criterion for field '${def.name}' must be a number`)
        return Number(actual) - literal.value
      case 'id':
      case 'reference': {
        if (literal.type !== 'string') throw new RequestError(400, 'INVALID_QUERY_FILTER_OPERATOR', `value of filter criterion for field '${def.name}' must be an id in quotes`)
        if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(literal.value)) throw new RequestError(400, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${literal.value}`)
        const a = String(actual).slice(0, 15)
        const b = literal.value.slice(0, 15)
        return a === b ? 0 : a < b ? -1 : 1
      }
      default: {
        if (literal.type !== 'string') throw new RequestError(400, 'INVALID_QUERY_FILTER_OPERATOR', `value of filter criterion for field '${def.name}' must be of type string and should be enclosed in quotes`)
        const a = String(actual).toLowerCase()
        const b = literal.value.toLowerCase()
        return a === b ? 0 : a < b ? -1 : 1
      }
    }
  }

  const matches = (object: ObjectDef, record: FakeRecord, condition: SoqlCondition): boolean => {
    if (condition.kind !== 'compare') {
      return condition.kind === 'and' ? condition.parts.every((part) => matches(object, record, part)) : condition.parts.some((part) => matches(object, record, part))
    }
    const def = fieldDef(object, condition.field)
    if (!def) throw new RequestError(400, 'INVALID_FIELD', `No such column '${condition.field}' on entity '${object.name}'.`, [condition.field])
    const actual = record[def.name] ?? null
    const { operator, value } = condition
    if (operator === 'IN' || operator === 'NOT IN') {
      if (!Array.isArray(value)) throw new RequestError(400, 'MALFORMED_QUERY', 'IN needs a list')
      const found = value.some((literal) => compare(def, actual, literal) === 0)
      return operator === 'IN' ? found : !found && actual !== null
    }
    if (Array.isArray(value)) throw new RequestError(400, 'MALFORMED_QUERY', `unexpected list after ${operator}`)
    if (operator === 'LIKE') {
      if (value.type !== 'string') throw new RequestError(400, 'MALFORMED_QUERY', 'LIKE needs a string')
      return actual !== null && likeToRegExp(value.raw).test(String(actual))
    }
    if (value.type === 'null') return operator === '=' ? actual === null : operator === '!=' ? actual !== null : false
    const order = compare(def, actual, value)
    if (order === null) return false
    switch (operator) {
      case '=':
        return order === 0
      case '!=':
        return order !== 0
      case '<':
        return order < 0
      case '<=':
        return order <= 0
      case '>':
        return order > 0
      case '>=':
        return order >= 0
      default:
        return false
    }
  }

  const output = (object: ObjectDef, record: FakeRecord, fields: string[]): Record<string, unknown> => {
    const row: Record<string, unknown> = { attributes: { type: object.name, url: `/services/data/v62.0/sobjects/${object.name}/${record.Id}` } }
    for (const name of fields) {
      const def = fieldDef(object, name)
      if (!def) continue
      const value = record[def.name] ?? null
      row[def.name] = def.type === 'datetime' && value !== null ? formatDateTime(Number(value)) : value
    }
    return row
  }

  const runQuery = (soql: string, version: string) => {
    let parsed: SoqlQuery
    try {
      parsed = parseSoql(soql)
    } catch (error) {
      if (error instanceof SoqlError) throw new RequestError(400, 'MALFORMED_QUERY', `${error.message} in: ${soql}`)
      throw error
    }
    const object = objectDef(parsed.from)
    for (const name of [...parsed.fields, ...parsed.orderBy.map((order) => order.field)]) fieldValue(object, { Id: '' }, name)
    let rows = [...table(object).values()].filter((record) => !parsed.where || matches(object, record, parsed.where))
    if (parsed.orderBy.length > 0) {
      rows = rows.sort((a, b) => {
        for (const { field: name, descending } of parsed.orderBy) {
          const def = fieldDef(object, name)
          const x = a[def?.name ?? name] ?? null
          const y = b[def?.name ?? name] ?? null
          // Salesforce sorts nulls first ascending.
          const order = x === y ? 0 : x === null ? -1 : y === null ? 1 : typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0
          if (order !== 0) return descending ? -order : order
        }
        return 0
      })
    }
    if (parsed.limit !== null) rows = rows.slice(0, parsed.limit)
    const projected = rows.map((record) => output(object, record, parsed.fields))
    return queryPage(projected, 0, version)
  }

  const queryPage = (rows: Record<string, unknown>[], offset: number, version: string) => {
    const page = rows.slice(offset, offset + queryBatchSize)
    const done = offset + page.length >= rows.length
    const result: Record<string, unknown> = { totalSize: rows.length, done, records: page }
    if (!done) {
      const locator = `01g${randomBytes(6).toString('hex')}`
      queryCursors.set(locator, rows)
      result.nextRecordsUrl = `/services/data/v${version}/query/${locator}-${offset + page.length}`
    }
    return result
  }

  // --- HTTP ----------------------------------------------------------------

  const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body)
    response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers })
    response.end(text)
  }
  const sendErrors = (response: ServerResponse, status: number, errorCode: string, message: string, fields: string[] = []) =>
    sendJson(response, status, [{ message, errorCode, fields }])
  const sendXml = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' })
    response.end(body)
  }

  const soapEnvelope = (body: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`

  const handleLogin = (response: ServerResponse, body: string, version: string) => {
    const given = (tag: string) => xmlUnescape(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(body)?.[1] ?? '')
    if (given('username') !== username || given('password') !== password + securityToken) {
      sendXml(
        response,
        500,
        soapEnvelope(
          '<soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>',
        ),
      )
      return
    }
    const sessionId = `${organizationId.slice(0, 15)}!AQ${randomBytes(24).toString('hex')}`
    validTokens.add(sessionId)
    sendXml(
      response,
      200,
      soapEnvelope(
        `<loginResponse><result><metadataServerUrl>${baseUrl}/services/Soap/m/${version}/${organizationId}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>${baseUrl}/services/Soap/u/${version}/${organizationId}</serverUrl><sessionId>${sessionId}</sessionId><userId>${userId}</userId><userInfo><organizationId>${organizationId}</organizationId><organizationName>${options.orgName ?? 'Acme Test Org'}</organizationName><userEmail>${username}</userEmail><userFullName>Accord Integration</userFullName><userId>${userId}</userId><userName>${username}</userName></userInfo></result></loginResponse>`,
      ),
    )
  }

  const handleToken = (response: ServerResponse, body: string) => {
    const params = new URLSearchParams(body)
    if (params.get('grant_type') !== 'refresh_token') {
      sendJson(response, 400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' })
      return
    }
    if (params.get('refresh_token') !== refreshToken) {
      sendJson(response, 400, { error: 'invalid_grant', error_description: 'expired access/refresh token' })
      return
    }
    const token = `${organizationId.slice(0, 15)}!AR${randomBytes(24).toString('hex')}`
    validTokens.add(token)
    sendJson(response, 200, {
      access_token: token,
      instance_url: baseUrl,
      id: `${baseUrl}/id/${organizationId}/${userId}`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
      signature: randomBytes(16).toString('base64'),
      scope: 'api refresh_token',
    })
  }

  /** Everything under /services/data/vXX.X/: answers or throws RequestError. */
  const handleApi = (method: string, version: string, path: string, search: URLSearchParams, body: string): { status: number; body?: unknown } => {
    const json = (): Record<string, unknown> => {
      try {
        const parsed: unknown = JSON.parse(body || '{}')
        if (!parsed || typeof parsed !== 'object') throw new Error('not an object')
        return parsed as Record<string, unknown>
      } catch {
        throw new RequestError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON')
      }
    }
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent)
    const [first, second, third, fourth] = segments
    if (method === 'GET' && first === 'query' && segments.length === 1) {
      const soql = search.get('q')
      if (!soql) throw new RequestError(400, 'MALFORMED_QUERY', 'A query string has to be specified')
      return { status: 200, body: runQuery(soql, version) }
    }
    if (method === 'GET' && first === 'query' && second) {
      const [locator, offset] = second.split('-')
      const rows = locator ? queryCursors.get(locator) : undefined
      if (!rows) throw new RequestError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator')
      return { status: 200, body: queryPage(rows, Number(offset), version) }
    }
    if (first === 'composite' && second === 'sobjects') {
      const payload = json()
      const allOrNone = payload.allOrNone === true
      if (method === 'POST' && !third) return { status: 200, body: saveCollection(payload.records, allOrNone, (record, stamp) => createOne(record, stamp)) }
      if (method === 'PATCH' && !third) return { status: 200, body: saveCollection(payload.records, allOrNone, (record, stamp) => updateOne(record, stamp)) }
      if (method === 'PATCH' && third && fourth) {
        const object = objectDef(third)
        const key = externalIdField(object, fourth)
        const keys = Array.isArray(payload.records) ? payload.records.map((record: unknown) => String((record as Record<string, unknown> | null)?.[key.name] ?? '').toLowerCase()) : []
        return {
          status: 200,
          body: saveCollection(payload.records, allOrNone, (record, stamp) => {
            const value = String(record[key.name] ?? '').toLowerCase()
            // Salesforce refuses the same key twice in one request rather than guessing an order.
            if (value && keys.filter((candidate) => candidate === value).length > 1) {
              throw new RecordError({ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `Duplicate external id specified: ${String(record[key.name])}`, fields: [key.name] })
            }
            recordType(record, object.name)
            return upsertOne(record, stamp, object, key)
          }),
        }
      }
    }
    if (first === 'sobjects' && second) {
      const object = objectDef(second)
      if (method === 'GET' && third === 'describe') return { status: 200, body: describe(object) }
      // Single-record calls answer a refused record with a request-level error.
      const single = (save: (stamp: number) => SaveResult) => {
        try {
          return save(newStamp())
        } catch (error) {
          if (error instanceof RecordError) throw new RequestError(400, error.error.statusCode, error.error.message, error.error.fields)
          throw error
        }
      }
      if (method === 'POST' && !third) return { status: 201, body: single((stamp) => createOne(json(), stamp, object.name)) }
      if (method === 'GET' && third && !fourth) {
        const found = findById(third)
        if (!found || found.object !== object) throw new RequestError(404, 'NOT_FOUND', 'The requested resource does not exist')
        return { status: 200, body: output(object, found.record, object.fields.map((def) => def.name)) }
      }
      if (method === 'PATCH' && third && !fourth) {
        single((stamp) => updateOne(json(), stamp, object.name, third))
        return { status: 204 }
      }
      if (method === 'PATCH' && third && fourth) {
        const key = externalIdField(object, third)
        const result = single((stamp) => upsertOne(json(), stamp, object, key, fourth))
        return { status: result.created ? 201 : 200, body: result }
      }
    }
    if (method === 'POST' && first === 'tooling' && second === 'sobjects' && third === 'CustomField' && !fourth) {
      return { status: 201, body: createCustomField(json()) }
    }
    throw new RequestError(404, 'NOT_FOUND', `The requested resource does not exist: ${method} ${path}`)
  }

  const readBody = (request: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      request.on('error', reject)
    })

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', baseUrl)
      const method = request.method ?? 'GET'
      const entry: FakeSalesforceRequest = { method, path: `${url.pathname}${url.search}`, status: 0 }
      requests.push(entry)
      const originalWriteHead = response.writeHead.bind(response)
      response.writeHead = ((status: number, ...rest: unknown[]) => {
        entry.status = status
        return (originalWriteHead as (...args: unknown[]) => ServerResponse)(status, ...rest)
      }) as typeof response.writeHead
      const body = await readBody(request)

      const login = /^\/services\/Soap\/u\/(\d+\.\d+)\/?$/.exec(url.pathname)
      if (method === 'POST' && login) return handleLogin(response, body, login[1] ?? '62.0')
      if (method === 'POST' && url.pathname === '/services/oauth2/token') return handleToken(response, body)
      if (method === 'GET' && (url.pathname === '/services/data' || url.pathname === '/services/data/')) {
        return sendJson(response, 200, ['58.0', '59.0', '60.0', '61.0', '62.0'].map((version) => ({ label: 'Fake', url: `/services/data/v${version}`, version })))
      }
      const api = /^\/services\/data\/v(\d+\.\d+)(\/.*)?$/.exec(url.pathname)
      if (!api) return sendErrors(response, 404, 'NOT_FOUND', 'The requested resource does not exist')
      const version = api[1] ?? '62.0'
      const path = api[2] ?? '/'
      if (path.startsWith('/query')) entry.soql = url.searchParams.get('q') ?? undefined

      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
      if (!token || !validTokens.has(token)) return sendErrors(response, 401, 'INVALID_SESSION_ID', 'Session expired or invalid')

      apiRequestCount += 1
      const usage = { 'sforce-limit-info': `api-usage=${apiRequestCount}/${options.dailyRequestLimit ?? 15000}` }
      if (options.dailyRequestLimit !== undefined && apiRequestCount > options.dailyRequestLimit) {
        return sendJson(response, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], usage)
      }
      const faultIndex = faults.findIndex((fault) => !fault.match || fault.match.test(`${method} ${url.pathname}`))
      const fault = faultIndex >= 0 ? faults.splice(faultIndex, 1)[0] : undefined
      if (fault?.kind === 'limit') return sendJson(response, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], usage)
      if (fault?.kind === 'server') {
        return sendErrors(response, 500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)')
      }
      const timeout = fault?.kind === 'timeout' ? fault.afterApplying : undefined
      const drop = fault?.kind === 'drop' ? fault.afterApplying : undefined
      const hold = () => {
        heldResponses.add(response)
        response.on('close', () => heldResponses.delete(response))
      }
      if (timeout === false) return hold()
      if (drop === false) return request.socket.destroy()

      let result: { status: number; body?: unknown }
      try {
        result = handleApi(method, version, path, url.searchParams, body)
      } catch (error) {
        if (timeout === true) return hold()
        if (drop === true) return request.socket.destroy()
        if (error instanceof RequestError) return sendErrors(response, error.status, error.errorCode, error.message, error.fields)
        throw error
      }
      // The write is applied; the client never learns it.
      if (timeout === true) return hold()
      if (drop === true) return request.socket.destroy()
      if (result.body === undefined) {
        response.writeHead(result.status, usage)
        return response.end()
      }
      return sendJson(response, result.status, result.body, usage)
    })().catch((error: unknown) => {
      if (!response.headersSent) sendErrors(response, 500, 'UNKNOWN_EXCEPTION', error instanceof Error ? error.message : String(error))
    })
  })
  server.on('connection', (socket) => {
    openSockets.add(socket)
    socket.on('close', () => openSockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const groupCount = (values: (string | null)[]) => {
    const counts = new Map<string, number>()
    for (const value of values) if (value) counts.set(value, (counts.get(value) ?? 0) + 1)
    return [...counts.values()].reduce((sum, count) => sum + count - 1, 0)
  }
  const lower = (value: unknown) => (typeof value === 'string' && value ? value.toLowerCase() : null)

  return {
    url: baseUrl,
    username,
    password,
    securityToken,
    accessToken,
    refreshToken,
    organizationId,
    requests,
    faults: {
      requestLimitExceeded: (n, fault) => addFaults('limit', n, fault),
      serverErrors: (n, fault) => addFaults('server', n, fault),
      timeouts: (n, fault) => addFaults('timeout', n, fault),
      dropConnection: (n, fault) => addFaults('drop', n, fault),
      expireSession: () => validTokens.clear(),
    },
    records: (sobject) => [...table(objectDef(sobject)).values()].map((record) => ({ ...record })).sort((a, b) => Number(a.CreatedDate) - Number(b.CreatedDate) || (a.Id < b.Id ? -1 : 1)),
    duplicates: () => {
      const all = (name: string) => [...(store.get(name)?.values() ?? [])]
      return (
        groupCount(all('Opportunity').map((record) => lower(record.Accord_Registration_Id__c))) +
        groupCount(all('Account').map((record) => lower(record.Accord_Account_Id__c))) +
        groupCount(all('Account').map((record) => websiteHost(record.Website))) +
        groupCount(all('Contact').map((record) => lower(record.Email))) +
        groupCount(all('OpportunityContactRole').map((record) => `${String(record.OpportunityId)}/${String(record.ContactId)}`))
      )
    },
    createRecord: (sobject, fields) => {
      const object = objectDef(sobject)
      try {
        return writeRecord(object, fields, null, newStamp()).Id
      } catch (error) {
        if (error instanceof RecordError || error instanceof RequestError) throw new Error(`createRecord(${sobject}): ${error.message}`)
        throw error
      }
    },
    updateOpportunity: (id, fields) => {
      const object = objectDef('Opportunity')
      const existing = table(object).get(id)
      if (!existing) throw new Error(`No opportunity ${id}`)
      writeRecord(object, fields, existing, newStamp())
    },
    customFields: () => [...customFieldNames],
    close: async () => {
      for (const response of heldResponses) response.destroy()
      for (const socket of openSockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

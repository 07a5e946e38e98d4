import { Connection } from 'jsforce'
import type {
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
import { createOutboundClient, type OutboundOverrides, SALESFORCE_POLICY } from '@accord/outbound'
import type { SalesforceCredentials } from '../credentials.js'
import { CrmError, type CrmErrorKind } from '../errors.js'
import { soqlContains, soqlDateTime, soqlIn, soqlString, websiteMatchesDomain } from './soql.js'
import { SalesforceTransport, isExpiredSession, recordErrorKind, recordErrors } from './transport.js'

export interface SalesforceConnectorOptions {
  hooks?: CrmRequestHooks
  /** Per HTTP request, default 30 s; a request past it fails as transient. */
  timeoutMs?: number
  /** REST API version, default 62.0 (sObject Collections upsert needs 46.0+). */
  apiVersion?: string
  /** The outbound guard's settings, resolver and size cap; the operator's settings and the system resolver by default (tests pass their own). */
  outbound?: OutboundOverrides
}

/** The upsert keys Accord owns on Salesforce records. */
export const REGISTRATION_ID_FIELD = 'Accord_Registration_Id__c'
export const ACCOUNT_ID_FIELD = 'Accord_Account_Id__c'

const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_API_VERSION = '62.0'
const MAX_DEALS_PER_PUSH = 100
const MAX_PULL_LIMIT = 200
/** sObject Collections accept at most 200 records per request. */
const COLLECTION_SIZE = 200
/** Keys per look-up query, keeping the SOQL (sent in the URL) well under Salesforce's limits. */
const LOOKUP_BATCH = 100
const DEFAULT_STAGE = 'Prospecting'
/** Subject of the Task a partner's e-mail reply becomes. */
export const NOTE_SUBJECT = 'Partner reply'
const DEFAULT_CLOSE_IN_DAYS = 90

type Row = { Id: string; [field: string]: unknown }
type SaveOutcome = { id?: string; success: boolean; created?: boolean; errors?: unknown }

/** A record Salesforce refused inside an otherwise successful batch, kept until the push is done. */
interface RecordFailure {
  registrationId: string
  step: 'account' | 'contact' | 'opportunity' | 'contact role'
  kind: CrmErrorKind
  message: string
}

export function createSalesforceConnector(credentials: SalesforceCredentials, options: SalesforceConnectorOptions = {}): CrmConnector {
  // Login and instance URLs are the tenant's (or the login's answer): every request goes through the outbound guard.
  const outbound = createOutboundClient({ policy: SALESFORCE_POLICY, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...options.outbound })
  const transport = new SalesforceTransport(options.hooks ?? {}, outbound)
  const version = options.apiVersion ?? DEFAULT_API_VERSION
  const conn =
    credentials.method === 'password'
      ? new Connection({ loginUrl: credentials.loginUrl, version })
      : new Connection({
          loginUrl: credentials.loginUrl,
          instanceUrl: credentials.instanceUrl.replace(/\/+$/, ''),
          accessToken: credentials.accessToken,
          version,
          ...(credentials.clientId
            ? { oauth2: { clientId: credentials.clientId, clientSecret: credentials.clientSecret, loginUrl: credentials.loginUrl } }
            : {}),
        })
  conn._transport = transport
  conn.oauth2._transport = transport
  // Session renewal is ours (once per failed call, below): jsforce's delegate
  // re-authenticates on every 401 without bound and outside our error mapping.
  conn._refreshDelegate = undefined

  // The refresh token stays here, not on the Connection: jsforce refuses a
  // refresh token without its own refresh delegate.
  const refreshToken = credentials.method === 'oauth' && credentials.clientId ? credentials.refreshToken : undefined
  let session: Promise<void> | null = credentials.method === 'oauth' ? Promise.resolve() : null
  let sessionGeneration = 0

  async function authenticate(): Promise<void> {
    if (credentials.method === 'password') {
      try {
        // SOAP login (no OAuth client configured); the security token is appended to the password.
        await conn.login(credentials.username, credentials.password + credentials.securityToken)
      } catch (error) {
        throw asCrmError(error, 'auth', 'Salesforce login failed')
      }
      conn._refreshDelegate = undefined
    } else if (refreshToken) {
      try {
        const token = await conn.oauth2.refreshToken(refreshToken)
        conn.accessToken = token.access_token
        if (token.instance_url) conn.instanceUrl = token.instance_url
      } catch (error) {
        throw asCrmError(error, 'auth', 'Refreshing the Salesforce access token failed')
      }
    } else {
      throw new CrmError('auth', 'The Salesforce access token expired or was revoked and there is no refresh token: reconnect Salesforce', { status: 401 })
    }
    sessionGeneration += 1
  }

  function ensureSession(): Promise<void> {
    if (!session) {
      session = authenticate().catch((error: unknown) => {
        session = null // the next call tries again
        throw error
      })
    }
    return session
  }

  /** Runs one Salesforce call; on an expired session, logs in again once and repeats it (a 401 was not applied). */
  async function call<T>(run: () => PromiseLike<T>): Promise<T> {
    await ensureSession()
    const generation = sessionGeneration
    try {
      return await run()
    } catch (error) {
      if (!isExpiredSession(error)) throw asCrmError(error, 'transient', 'Salesforce call failed')
      if (generation === sessionGeneration) {
        session = null // concurrent callers share one re-login
      }
      await ensureSession()
      try {
        return await run()
      } catch (retryError) {
        throw asCrmError(retryError, 'transient', 'Salesforce call failed')
      }
    }
  }

  async function query<T extends Row>(soql: string): Promise<T[]> {
    let page = await call(() => conn.query<T>(soql))
    const records = [...page.records]
    while (!page.done && page.nextRecordsUrl) {
      const next = page.nextRecordsUrl
      page = await call(() => conn.queryMore<T>(next))
      records.push(...page.records)
    }
    return records
  }

  async function createRecords(sobject: string, records: Record<string, unknown>[]): Promise<SaveOutcome[]> {
    const outcomes: SaveOutcome[] = []
    for (const chunk of chunks(records, COLLECTION_SIZE)) {
      outcomes.push(...(await call(() => conn.sobject(sobject).create(chunk, { allOrNone: false }))))
    }
    return outcomes
  }

  async function updateRecords(sobject: string, records: Row[]): Promise<SaveOutcome[]> {
    const outcomes: SaveOutcome[] = []
    for (const chunk of chunks(records, COLLECTION_SIZE)) {
      outcomes.push(...(await call(() => conn.sobject(sobject).update(chunk, { allOrNone: false }))))
    }
    return outcomes
  }

  async function upsertRecords(sobject: string, externalIdField: string, records: Record<string, unknown>[]): Promise<SaveOutcome[]> {
    const outcomes: SaveOutcome[] = []
    for (const chunk of chunks(records, COLLECTION_SIZE)) {
      // An array always goes through PATCH /composite/sobjects/<Type>/<field> (API 46.0+).
      outcomes.push(...(await call(() => conn.sobject(sobject).upsert(chunk, externalIdField, { allOrNone: false }))))
    }
    return outcomes
  }

  // Null until a pull finds out whether the org has multi-currency enabled.
  let multiCurrency: boolean | null = null

  return {
    provider: 'salesforce',

    async testConnection() {
      const [org] = await query<Row & { Name: string }>('SELECT Id, Name FROM Organization LIMIT 1')
      if (!org) throw new CrmError('auth', 'The Salesforce user cannot read its Organization record')
      return { account: `Salesforce org ${org.Name} (${org.Id})` }
    },

    async ensureSchema({ dealProperties, companyProperties, contactProperties }) {
      // attributionMode is HubSpot-only: on Salesforce the partner always lives in Opportunity fields.
      const wanted: Record<string, FieldSpec[]> = {
        Opportunity: [{ name: REGISTRATION_ID_FIELD, key: true }, ...accordFields(dealProperties)],
        Account: [{ name: ACCOUNT_ID_FIELD, key: true }, ...accordFields(companyProperties)],
        Contact: accordFields(contactProperties),
      }
      for (const [sobject, fields] of Object.entries(wanted)) {
        const unique = dedupeFields(fields)
        if (unique.length === 0) continue
        const described = await call(() => conn.describe(sobject))
        const existing = new Set(described.fields.map((field) => field.name.toLowerCase()))
        for (const field of unique) {
          if (existing.has(field.name.toLowerCase())) continue
          await createCustomField(sobject, field)
        }
      }
    },

    async upsertDeals(deals) {
      if (deals.length > MAX_DEALS_PER_PUSH) {
        throw new CrmError('invalid', `At most ${MAX_DEALS_PER_PUSH} deals per push, got ${deals.length}`)
      }
      if (deals.length === 0) return []
      return pushDeals(deals)
    },

    async pullChangedDeals({ cursor, limit }) {
      const pageSize = Math.max(1, Math.min(Math.floor(limit), MAX_PULL_LIMIT))
      const after = cursor ? decodeCursor(cursor) : null
      const rows = await pullRows(after, pageSize + 1)
      const page = rows.slice(0, pageSize)
      const changes = page.map(toDealChange)
      const last = page.at(-1)
      return {
        changes,
        cursor: last ? encodeCursor({ modstamp: String(last.SystemModstamp), id: last.Id }) : null,
        more: rows.length > pageSize,
      } satisfies CrmPullPage
    },

    async listStages() {
      const stages = await query<Row & { ApiName: string | null; MasterLabel: string }>(
        'SELECT Id, ApiName, MasterLabel, IsActive, IsClosed, IsWon, SortOrder FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder',
      )
      // StageName holds the API name; older orgs without one use the label.
      return stages.map((stage): CrmStageOption => ({ value: stage.ApiName ?? stage.MasterLabel, label: stage.MasterLabel }))
    },

    async addDealNote({ dealId, body, timestamp }) {
      // A completed Task on the opportunity: it shows in the opportunity's activity history.
      const task = { Subject: NOTE_SUBJECT, Description: body.slice(0, 32_000), WhatId: dealId, Status: 'Completed', ActivityDate: new Date(timestamp).toISOString().slice(0, 10) }
      const [outcome] = await createRecords('Task', [task])
      if (!outcome?.success || !outcome.id) {
        const errors = recordErrors(outcome?.errors)
        const kind = mostRetryableKind(errors.map((error) => recordErrorKind(error.code)))
        throw new CrmError(kind, `Salesforce refused the task for opportunity ${dealId}: ${errors.map((error) => `${error.code}: ${error.message}`).join('; ') || 'no reason given'}`, { cause: errors })
      }
      return { noteId: outcome.id }
    },

    async writeBack(records) {
      const contacts = records.filter((record) => record.object === 'contact')
      const companies = records.filter((record) => record.object === 'company')
      if (contacts.length > 0) await writeBackContacts(contacts)
      if (companies.length > 0) await writeBackCompanies(companies)
    },
  }

  async function createCustomField(sobject: string, field: FieldSpec): Promise<void> {
    const metadata = field.key
      ? { type: 'Text', length: 36, externalId: true, unique: true, caseSensitive: false, label: fieldLabel(field.name) }
      : { type: 'Text', length: 255, label: fieldLabel(field.name) }
    try {
      await call(() => conn.tooling.sobject('CustomField').create({ FullName: `${sobject}.${field.name}`, Metadata: metadata }))
    } catch (error) {
      // Created meanwhile, or created earlier but hidden from this user by field-level security.
      if (error instanceof CrmError && errorCode(error) === 'DUPLICATE_DEVELOPER_NAME') return
      throw error
    }
  }

  async function pullRows(after: PullCursor | null, limit: number): Promise<PulledOpportunity[]> {
    const fields = ['Id', REGISTRATION_ID_FIELD, 'StageName', 'Amount', 'CloseDate', 'IsClosed', 'IsWon', 'SystemModstamp']
    // Keyset on (SystemModstamp, Id): rows sharing a timestamp are neither skipped nor repeated.
    const where = after
      ? ` WHERE (SystemModstamp > ${soqlDateTime(after.modstamp)} OR (SystemModstamp = ${soqlDateTime(after.modstamp)} AND Id > ${soqlString(after.id)}))`
      : ''
    const soql = (withCurrency: boolean) =>
      `SELECT ${[...fields, ...(withCurrency ? ['CurrencyIsoCode'] : [])].join(', ')} FROM Opportunity${where} ORDER BY SystemModstamp, Id LIMIT ${limit}`
    if (multiCurrency !== false) {
      try {
        const rows = await query<PulledOpportunity>(soql(true))
        multiCurrency = true
        return rows
      } catch (error) {
        // Single-currency orgs have no CurrencyIsoCode field at all.
        if (!(error instanceof CrmError && error.kind === 'invalid' && /CurrencyIsoCode/.test(error.message))) throw error
        multiCurrency = false
      }
    }
    return query<PulledOpportunity>(soql(false))
  }

  async function pushDeals(input: CrmDealPush[]): Promise<CrmDealPushResult[]> {
    // The same registration twice in one batch is pushed once (the last version wins).
    const byRegistration = new Map<string, CrmDealPush>()
    for (const deal of input) byRegistration.set(deal.registrationId, deal)
    const deals = [...byRegistration.values()]
    const failures: RecordFailure[] = []
    const failed = (registrationIds: Iterable<string>, step: RecordFailure['step'], outcome: SaveOutcome) => {
      const errors = recordErrors(outcome.errors)
      const message = errors.map((error) => `${error.code}: ${error.message}${error.fields.length ? ` [${error.fields.join(', ')}]` : ''}`).join('; ') || 'refused'
      for (const registrationId of registrationIds) {
        failures.push({ registrationId, step, kind: mostRetryableKind(errors.map((error) => recordErrorKind(error.code))), message })
      }
    }

    // (a) Which opportunities exist already: they get `properties` only, never createOnlyProperties.
    const existingDeals = await query<Row & { Accord_Registration_Id__c: string }>(
      `SELECT Id, ${REGISTRATION_ID_FIELD} FROM Opportunity WHERE ${REGISTRATION_ID_FIELD} IN ${soqlIn(deals.map((deal) => deal.registrationId))}`,
    )
    const existingDealIds = new Map(existingDeals.map((row) => [row.Accord_Registration_Id__c.toLowerCase(), row.Id]))

    const accountIds = await pushAccounts(deals, failed)
    const contactIds = await pushContacts(deals, accountIds, failed)

    // (d) Opportunities, upserted by registration id so a replay after a lost answer updates instead of duplicating.
    const ready = deals.filter((deal) => accountIds.has(deal.company.accountId))
    const opportunityRecords = ready.map((deal) => {
      const accountId = accountIds.get(deal.company.accountId)
      if (existingDealIds.has(deal.registrationId.toLowerCase())) {
        return { ...deal.properties, AccountId: accountId, [REGISTRATION_ID_FIELD]: deal.registrationId }
      }
      return { ...newOpportunityFields(deal), AccountId: accountId, [REGISTRATION_ID_FIELD]: deal.registrationId }
    })
    const opportunityOutcomes = await upsertRecords('Opportunity', REGISTRATION_ID_FIELD, opportunityRecords)
    const dealIds = new Map<string, { id: string; created: boolean }>()
    ready.forEach((deal, index) => {
      const outcome = opportunityOutcomes[index]
      if (outcome?.success && outcome.id) dealIds.set(deal.registrationId, { id: outcome.id, created: outcome.created === true })
      else failed([deal.registrationId], 'opportunity', outcome ?? { success: false })
    })

    await linkContactRoles(deals, dealIds, contactIds, failed)

    if (failures.length > 0) {
      const kind = mostRetryableKind(failures.map((failure) => failure.kind))
      const summary = failures.map((failure) => `${failure.registrationId} (${failure.step}): ${failure.message}`).join(' | ')
      throw new CrmError(kind, `Salesforce refused ${failures.length} record(s): ${summary}`, { cause: failures })
    }
    return input.map((deal): CrmDealPushResult => {
      const pushed = dealIds.get(deal.registrationId)
      if (!pushed) throw new CrmError('transient', `No opportunity came back for registration ${deal.registrationId}`)
      return {
        registrationId: deal.registrationId,
        dealId: pushed.id,
        companyId: accountIds.get(deal.company.accountId) ?? null,
        contactId: deal.contact ? (contactIds.get(deal.contact.email.toLowerCase()) ?? null) : null,
        // The partner is carried by Opportunity fields (properties such as Accord_Partner__c), not a record.
        partnerRecordId: null,
        created: pushed.created,
      }
    })
  }

  /**
   * (b) Accounts, keyed by Accord's account id. Reuse in this order: the one
   * already carrying the id, the known id, an account whose Website is on the
   * company's domain; only then create, upserting by the external id so a
   * replay after a dropped answer cannot create a second one.
   */
  async function pushAccounts(
    deals: CrmDealPush[],
    failed: (registrationIds: Iterable<string>, step: RecordFailure['step'], outcome: SaveOutcome) => void,
  ): Promise<Map<string, string>> {
    const companies = new Map<string, { company: CrmDealPush['company']; knownId?: string; registrationIds: string[] }>()
    for (const deal of deals) {
      const entry = companies.get(deal.company.accountId) ?? { company: deal.company, registrationIds: [] }
      entry.company = deal.company
      entry.knownId = deal.known.companyId ?? entry.knownId
      entry.registrationIds.push(deal.registrationId)
      companies.set(deal.company.accountId, entry)
    }
    const entries = [...companies.values()]
    const knownIds = unique(entries.flatMap((entry) => (entry.knownId ? [entry.knownId] : [])))
    const domains = unique(entries.flatMap((entry) => (entry.company.domain ? [entry.company.domain.trim().toLowerCase()] : [])).filter(Boolean))
    const conditions = [`${ACCOUNT_ID_FIELD} IN ${soqlIn(entries.map((entry) => entry.company.accountId))}`]
    if (knownIds.length > 0) conditions.push(`Id IN ${soqlIn(knownIds)}`)
    for (const domain of domains) conditions.push(`Website LIKE ${soqlContains(domain)}`)
    const candidates = await query<Row & { Website: string | null; Accord_Account_Id__c: string | null }>(
      `SELECT Id, Name, Website, ${ACCOUNT_ID_FIELD} FROM Account WHERE ${conditions.join(' OR ')} ORDER BY CreatedDate, Id`,
    )

    const accountIds = new Map<string, string>()
    const updates = new Map<string, Row & { registrationIds: string[] }>()
    const claimed = new Set(candidates.flatMap((row) => (row.Accord_Account_Id__c ? [row.Id] : [])))
    const creates: { record: Record<string, unknown>; entry: (typeof entries)[number]; followers: (typeof entries)[number][] }[] = []
    for (const entry of entries) {
      const { company } = entry
      const match =
        candidates.find((row) => row.Accord_Account_Id__c?.toLowerCase() === company.accountId.toLowerCase()) ??
        candidates.find((row) => entry.knownId !== undefined && sameId(row.Id, entry.knownId)) ??
        (company.domain ? candidates.find((row) => websiteMatchesDomain(row.Website, company.domain ?? '')) : undefined)
      if (!match) {
        // Two new Accord accounts on one domain in the same batch share the account the first one creates.
        const sameDomain = company.domain ? creates.find((create) => create.entry.company.domain?.trim().toLowerCase() === company.domain?.trim().toLowerCase()) : undefined
        if (sameDomain) {
          sameDomain.followers.push(entry)
          continue
        }
        creates.push({
          followers: [],
          record: { ...company.properties, Name: company.name, Website: company.domain ? `https://${company.domain}` : null, [ACCOUNT_ID_FIELD]: company.accountId },
          entry,
        })
        continue
      }
      accountIds.set(company.accountId, match.Id)
      // An existing account keeps its CRM-owned name and website; Accord writes its own properties.
      const update = updates.get(match.Id) ?? { Id: match.Id, registrationIds: [] }
      Object.assign(update, company.properties)
      update.registrationIds.push(...entry.registrationIds)
      // Tag it with our key unless another Accord account already holds it (a shared domain): the domain finds it again.
      if (!match.Accord_Account_Id__c && !claimed.has(match.Id)) {
        update[ACCOUNT_ID_FIELD] = company.accountId
        claimed.add(match.Id)
      }
      updates.set(match.Id, update)
    }

    const updateList = [...updates.values()].filter((update) => Object.keys(update).length > 2)
    const updateOutcomes = await updateRecords(
      'Account',
      updateList.map(({ registrationIds: _ignored, ...record }) => record),
    )
    updateList.forEach((update, index) => {
      const outcome = updateOutcomes[index]
      if (outcome?.success) return
      failed(update.registrationIds, 'account', outcome ?? { success: false })
      for (const [accountId, id] of accountIds) if (id === update.Id) accountIds.delete(accountId)
    })

    const createOutcomes = await upsertRecords(
      'Account',
      ACCOUNT_ID_FIELD,
      creates.map((create) => create.record),
    )
    creates.forEach((create, index) => {
      const outcome = createOutcomes[index]
      for (const entry of [create.entry, ...create.followers]) {
        if (outcome?.success && outcome.id) accountIds.set(entry.company.accountId, outcome.id)
        else failed(entry.registrationIds, 'account', outcome ?? { success: false })
      }
    })
    return accountIds
  }

  /**
   * (c) Contacts, keyed by e-mail: no external id, but the look-up by e-mail
   * before creating makes a replay find what an earlier attempt created.
   * Existing contacts get Accord's properties only (names and account stay the CRM's).
   */
  async function pushContacts(
    deals: CrmDealPush[],
    accountIds: Map<string, string>,
    failed: (registrationIds: Iterable<string>, step: RecordFailure['step'], outcome: SaveOutcome) => void,
  ): Promise<Map<string, string>> {
    const contactIds = new Map<string, string>()
    const people = new Map<string, { contact: NonNullable<CrmDealPush['contact']>; accountId: string | undefined; knownId?: string; registrationIds: string[] }>()
    for (const deal of deals) {
      if (!deal.contact || !accountIds.has(deal.company.accountId)) continue
      const email = deal.contact.email.trim().toLowerCase()
      const entry = people.get(email) ?? { contact: deal.contact, accountId: accountIds.get(deal.company.accountId), registrationIds: [] }
      entry.knownId = deal.known.contactId ?? entry.knownId
      entry.registrationIds.push(deal.registrationId)
      people.set(email, entry)
    }
    if (people.size === 0) return contactIds

    const knownIds = unique([...people.values()].flatMap((entry) => (entry.knownId ? [entry.knownId] : [])))
    const conditions = [`Email IN ${soqlIn([...people.keys()])}`]
    if (knownIds.length > 0) conditions.push(`Id IN ${soqlIn(knownIds)}`)
    const existing = await query<Row & { Email: string | null }>(`SELECT Id, Email, AccountId FROM Contact WHERE ${conditions.join(' OR ')} ORDER BY CreatedDate, Id`)

    const updates: (Row & { registrationIds: string[] })[] = []
    const creates: { email: string; record: Record<string, unknown>; registrationIds: string[] }[] = []
    for (const [email, entry] of people) {
      const match =
        existing.find((row) => entry.knownId !== undefined && sameId(row.Id, entry.knownId)) ??
        existing.find((row) => row.Email?.toLowerCase() === email)
      if (match) {
        contactIds.set(email, match.Id)
        if (Object.keys(entry.contact.properties).length > 0) updates.push({ ...entry.contact.properties, Id: match.Id, registrationIds: entry.registrationIds })
        continue
      }
      creates.push({
        email,
        registrationIds: entry.registrationIds,
        record: {
          ...entry.contact.properties,
          FirstName: entry.contact.firstName,
          LastName: entry.contact.lastName,
          Email: entry.contact.email.trim(),
          AccountId: entry.accountId,
        },
      })
    }
    const updateOutcomes = await updateRecords(
      'Contact',
      updates.map(({ registrationIds: _ignored, ...record }) => record),
    )
    updates.forEach((update, index) => {
      const outcome = updateOutcomes[index]
      if (!outcome?.success) failed(update.registrationIds, 'contact', outcome ?? { success: false })
    })
    const createOutcomes = await createRecords(
      'Contact',
      creates.map((create) => create.record),
    )
    creates.forEach((create, index) => {
      const outcome = createOutcomes[index]
      if (outcome?.success && outcome.id) contactIds.set(create.email, outcome.id)
      else failed(create.registrationIds, 'contact', outcome ?? { success: false })
    })
    return contactIds
  }

  /** The deal's contact as an OpportunityContactRole, looked up first so a replay adds none twice. */
  async function linkContactRoles(
    deals: CrmDealPush[],
    dealIds: Map<string, { id: string }>,
    contactIds: Map<string, string>,
    failed: (registrationIds: Iterable<string>, step: RecordFailure['step'], outcome: SaveOutcome) => void,
  ): Promise<void> {
    const wanted = deals.flatMap((deal) => {
      const opportunityId = dealIds.get(deal.registrationId)?.id
      const contactId = deal.contact ? contactIds.get(deal.contact.email.trim().toLowerCase()) : undefined
      return opportunityId && contactId ? [{ registrationId: deal.registrationId, opportunityId, contactId }] : []
    })
    if (wanted.length === 0) return
    const roles = await query<Row & { OpportunityId: string; ContactId: string }>(
      `SELECT Id, OpportunityId, ContactId FROM OpportunityContactRole WHERE OpportunityId IN ${soqlIn(unique(wanted.map((link) => link.opportunityId)))}`,
    )
    const missing = wanted.filter((link) => !roles.some((role) => sameId(role.OpportunityId, link.opportunityId) && sameId(role.ContactId, link.contactId)))
    if (missing.length === 0) return
    const withRoles = new Set(roles.map((role) => role.OpportunityId.slice(0, 15)))
    const outcomes = await createRecords(
      'OpportunityContactRole',
      // The registering contact is the primary one unless the CRM already named another.
      missing.map((link) => ({ OpportunityId: link.opportunityId, ContactId: link.contactId, IsPrimary: !withRoles.has(link.opportunityId.slice(0, 15)) })),
    )
    missing.forEach((link, index) => {
      const outcome = outcomes[index]
      if (!outcome?.success) failed([link.registrationId], 'contact role', outcome ?? { success: false })
    })
  }

  async function writeBackContacts(records: CrmWriteBack[]): Promise<void> {
    const emails = unique(records.map((record) => record.key.trim().toLowerCase()).filter(Boolean))
    if (emails.length === 0) return
    const contacts: (Row & { Email: string | null })[] = []
    for (const batch of chunks(emails, LOOKUP_BATCH)) {
      contacts.push(...(await query<Row & { Email: string | null }>(`SELECT Id, Email FROM Contact WHERE Email IN ${soqlIn(batch)}`)))
    }
    const updates = new Map<string, Row>()
    for (const record of records) {
      const email = record.key.trim().toLowerCase()
      for (const contact of contacts.filter((row) => row.Email?.toLowerCase() === email)) {
        updates.set(contact.Id, { ...updates.get(contact.Id), ...record.properties, Id: contact.Id })
      }
    }
    await saveWriteBack('Contact', [...updates.values()])
  }

  async function writeBackCompanies(records: CrmWriteBack[]): Promise<void> {
    const domains = unique(records.map((record) => record.key.trim().toLowerCase()).filter(Boolean))
    if (domains.length === 0) return
    const accounts: (Row & { Website: string | null })[] = []
    for (const batch of chunks(domains, LOOKUP_BATCH)) {
      const where = batch.map((domain) => `Website LIKE ${soqlContains(domain)}`).join(' OR ')
      accounts.push(...(await query<Row & { Website: string | null }>(`SELECT Id, Website FROM Account WHERE ${where}`)))
    }
    const updates = new Map<string, Row>()
    for (const record of records) {
      for (const account of accounts.filter((row) => websiteMatchesDomain(row.Website, record.key))) {
        updates.set(account.Id, { ...updates.get(account.Id), ...record.properties, Id: account.Id })
      }
    }
    await saveWriteBack('Account', [...updates.values()])
  }

  async function saveWriteBack(sobject: string, updates: Row[]): Promise<void> {
    // Nothing matched: write-back only decorates records that exist.
    if (updates.length === 0) return
    const outcomes = await updateRecords(sobject, updates)
    const refused = outcomes.flatMap((outcome, index) => (outcome.success ? [] : [{ id: updates[index]?.Id, errors: recordErrors(outcome.errors) }]))
    if (refused.length > 0) {
      const kind = mostRetryableKind(refused.flatMap((entry) => entry.errors.map((error) => recordErrorKind(error.code))))
      const summary = refused.map((entry) => `${entry.id}: ${entry.errors.map((error) => `${error.code}: ${error.message}`).join('; ')}`).join(' | ')
      throw new CrmError(kind, `Salesforce refused ${refused.length} ${sobject} write-back(s): ${summary}`, { cause: refused })
    }
  }
}

type PulledOpportunity = Row & {
  Accord_Registration_Id__c: string | null
  StageName: string | null
  Amount: number | null
  CurrencyIsoCode?: string | null
  CloseDate: string | null
  IsClosed: boolean
  IsWon: boolean
  SystemModstamp: string
}

function toDealChange(row: PulledOpportunity): CrmDealChange {
  return {
    dealId: row.Id,
    registrationId: row.Accord_Registration_Id__c ?? null,
    stage: row.StageName ?? null,
    amount: typeof row.Amount === 'number' ? row.Amount : row.Amount == null ? null : Number(row.Amount),
    currency: row.CurrencyIsoCode ?? null,
    closeDate: row.CloseDate ? row.CloseDate.slice(0, 10) : null,
    outcome: row.IsWon ? 'won' : row.IsClosed ? 'lost' : 'open',
    modifiedAt: new Date(normalizeSalesforceDateTime(row.SystemModstamp)).toISOString(),
  }
}

/** Salesforce writes "+0000" offsets, which Date.parse does not accept everywhere. */
function normalizeSalesforceDateTime(value: string): string {
  return value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
}

interface PullCursor {
  /** SystemModstamp of the last change handed out. */
  modstamp: string
  /** Its Id: changes at the same timestamp sort by Id, so the next page starts after it. */
  id: string
}

function encodeCursor(cursor: PullCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, t: new Date(normalizeSalesforceDateTime(cursor.modstamp)).toISOString(), id: cursor.id })).toString('base64url')
}

function decodeCursor(cursor: string): PullCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: number; t?: unknown; id?: unknown }
    if (parsed.v === 1 && typeof parsed.t === 'string' && typeof parsed.id === 'string' && !Number.isNaN(Date.parse(parsed.t))) {
      return { modstamp: parsed.t, id: parsed.id }
    }
  } catch {
    // fall through
  }
  throw new CrmError('invalid', 'Unreadable Salesforce pull cursor')
}

function newOpportunityFields(deal: CrmDealPush): CrmPropertyValues {
  const fields: CrmPropertyValues = { ...deal.createOnlyProperties, ...deal.properties }
  // Salesforce refuses an opportunity without these three; the mapping may leave them out.
  if (!fields.Name) fields.Name = deal.company.name.slice(0, 120)
  if (!fields.StageName) fields.StageName = DEFAULT_STAGE
  if (!fields.CloseDate) fields.CloseDate = new Date(Date.now() + DEFAULT_CLOSE_IN_DAYS * 86_400_000).toISOString().slice(0, 10)
  return fields
}

interface FieldSpec {
  name: string
  /** Accord's unique upsert key (external id, unique) rather than a plain text field. */
  key?: boolean
}

/** Only Accord's own custom fields are created; standard fields and other custom fields belong to the org. */
function accordFields(names: string[]): FieldSpec[] {
  return names.filter((name) => /^Accord_\w+__c$/.test(name)).map((name) => ({ name }))
}

function dedupeFields(fields: FieldSpec[]): FieldSpec[] {
  const seen = new Map<string, FieldSpec>()
  for (const field of fields) if (!seen.has(field.name.toLowerCase())) seen.set(field.name.toLowerCase(), field)
  return [...seen.values()]
}

/** "Accord_Partner_Tier__c" → "Accord Partner Tier" (labels are limited to 40 characters). */
function fieldLabel(name: string): string {
  return name.replace(/__c$/, '').replace(/_/g, ' ').slice(0, 40)
}

/**
 * Errors jsforce raised itself (the HTTP failures are CrmErrors already):
 * its login checks are credential problems; anything else is an answer it
 * could not read, described without repeating it.
 */
function asCrmError(error: unknown, fallback: CrmErrorKind, context: string): CrmError {
  if (error instanceof CrmError) return error
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 300)
  if (/password has expired/i.test(message)) return new CrmError('auth', `${context}: the Salesforce password has expired`, { cause: error })
  if (/no username password/i.test(message)) return new CrmError('auth', `${context}: no user name or password was given`, { cause: error })
  return new CrmError(fallback, `${context}: Salesforce sent an answer Accord could not read`, { cause: error })
}

function errorCode(error: CrmError): string | null {
  const cause = error.details.cause as { code?: unknown } | undefined
  return typeof cause?.code === 'string' ? cause.code : null
}

/** A batch with mixed failures is reported as the most retryable kind: a retry fixes some, the engine isolates the rest. */
function mostRetryableKind(kinds: CrmErrorKind[]): CrmErrorKind {
  const order: CrmErrorKind[] = ['rate_limited', 'transient', 'auth', 'not_found', 'invalid']
  return order.find((kind) => kinds.includes(kind)) ?? 'invalid'
}

/** 15- and 18-character forms of the same record id compare equal. */
function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15)
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)]
}

function chunks<T>(values: T[], size: number): T[][] {
  const result: T[][] = []
  for (let index = 0; index < values.length; index += size) result.push(values.slice(index, index + size))
  return result
}

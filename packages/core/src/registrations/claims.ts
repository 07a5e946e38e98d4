import { sql, type TenantTransaction } from '@accord/db'
import type { Motion, ProgrammeSettings } from '../settings.js'
import { type Claim, type ClaimStatus, type ConflictPolicy, type Evaluation, evaluateClaim } from './conflict-engine.js'

/**
 * The database side of the conflict engine: load the live claims that could
 * compete with a new one, plus the facts the pure engine does not model
 * (blocked accounts, territories, the vendor's own open deals), and combine
 * them into one verdict. Runs in the tenant scope (no partner narrowing):
 * a partner's claim must be checked against every other partner's claims,
 * and only the partner-safe verdict ever leaves core.
 */

export const LIVE_STATUSES = ['submitted', 'under_review', 'info_requested', 'approved'] as const

export function conflictPolicyOf(settings: ProgrammeSettings): ConflictPolicy {
  return {
    hierarchy: settings.conflicts.hierarchy,
    establishedAfterDays: settings.conflicts.establishedAfterDays,
    nameSimilarityThreshold: settings.conflicts.nameSimilarityThreshold,
  }
}

/** Tier rank: the position in the tenant's tier list (first tier = 1); unknown tiers rank lowest. */
export function tierRank(settings: ProgrammeSettings, tier: string): number {
  const index = settings.tiers.findIndex((candidate) => candidate.name.toLowerCase() === tier.toLowerCase())
  return index + 1
}

export function motionForPartnerType(type: string): Motion {
  switch (type) {
    case 'referral':
      return 'referral'
    case 'marketplace':
      return 'marketplace'
    case 'services':
      return 'services'
    case 'technology':
      return 'technology'
    default:
      return 'reseller'
  }
}

interface ClaimRow {
  id: string
  partner_id: string
  partner_name: string
  partner_tier: string
  partner_since: Date
  status: string
  created_at: Date
  decided_at: Date | null
  protection_ends_at: Date | null
  product_interest: string[]
  domain: string | null
  company_key: string
}

function toClaim(row: ClaimRow, settings: ProgrammeSettings): Claim {
  return {
    registrationId: row.id,
    partnerId: row.partner_id,
    partnerName: row.partner_name,
    status: row.status as ClaimStatus,
    submittedAt: row.created_at,
    approvedAt: row.status === 'approved' ? row.decided_at : null,
    protectionEndsAt: row.protection_ends_at,
    tierRank: tierRank(settings, row.partner_tier),
    partnerSince: row.partner_since,
    certified: false,
    productLines: row.product_interest,
    domain: row.domain,
    companyKey: row.company_key,
  }
}

/**
 * Live registrations on the same customer (staff view, approval): the same
 * candidate search as the conflict check, for one customer.
 */
export async function loadCompetingClaims(
  trx: TenantTransaction,
  input: { tenantId: string; domain: string | null; companyKey: string; excludeRegistrationId?: string | null; settings: ProgrammeSettings },
): Promise<Claim[]> {
  const probe: ClaimProbe = { domain: input.domain, companyKey: input.companyKey, region: null, productLines: [], registrationId: input.excludeRegistrationId }
  const sets = await findCandidateIds(trx, input.tenantId, input.settings, [probe])
  const claims = await loadClaimsById(trx, input.tenantId, input.settings, candidateIdsOf(sets, probe))
  return claimsFor(claims, sets, probe).slice(0, 50)
}

export interface ExtraFinding {
  kind: 'blocked_account' | 'territory' | 'open_deal'
  /** For staff, in plain words. */
  explanation: string
}

export interface ClaimCheck {
  evaluation: Evaluation
  extraFindings: ExtraFinding[]
  partnerVerdict: Evaluation['partnerVerdict']
  partnerMessage: string
  conflictStatus: Evaluation['conflictStatus']
  /** Staff-facing summary stored as the registration's conflict notes. */
  staffSummary: string
}

const NEEDS_REVIEW_MESSAGE = 'A partner manager needs to look at this registration before it can be approved.'

export interface ClaimProbe {
  domain: string | null
  companyKey: string
  region: string | null
  productLines: string[]
  /** Set when re-checking an existing registration (excluded from its own matches). */
  registrationId?: string | null
}

/**
 * The whole check for one claim by `partner` on a customer: the engine's
 * findings plus blocked accounts, territories and open deals of the vendor.
 */
export async function checkClaim(
  trx: TenantTransaction,
  input: { tenantId: string; settings: ProgrammeSettings; now: Date; partner: { id: string; name: string; tier: string; createdAt: Date } } & ClaimProbe,
): Promise<ClaimCheck> {
  const [check] = await checkClaims(trx, { ...input, probes: [input] })
  if (!check) throw new Error('checkClaims returned no result')
  return check
}

interface CandidateSets {
  byDomain: Map<string, string[]>
  byKey: Map<string, string[]>
  byFuzzyKey: Map<string, string[]>
}

const push = (map: Map<string, string[]>, key: string, id: string) => {
  const list = map.get(key)
  if (list) list.push(id)
  else map.set(key, [id])
}

/**
 * Which live registrations could compete with each probe, found with a few
 * set-based queries whatever the number of probes (a 10,000-row import costs
 * the same handful of round trips as one portal form).
 */
async function findCandidateIds(trx: TenantTransaction, tenantId: string, settings: ProgrammeSettings, probes: ClaimProbe[]): Promise<CandidateSets> {
  const threshold = settings.conflicts.nameSimilarityThreshold
  const live = sql.join(LIVE_STATUSES.map((status) => sql.lit(status)))
  const domains = [...new Set(probes.map((probe) => probe.domain).filter((domain): domain is string => domain !== null))]
  const keys = [...new Set(probes.map((probe) => probe.companyKey))]
  // A probe with a domain is fuzzy-matched only against claims without one (see findMatches).
  const fuzzyAgainstAll = [...new Set(probes.filter((probe) => probe.domain === null).map((probe) => probe.companyKey))]
  const fuzzyAgainstDomainless = [...new Set(probes.filter((probe) => probe.domain !== null).map((probe) => probe.companyKey))]
  const sets: CandidateSets = { byDomain: new Map(), byKey: new Map(), byFuzzyKey: new Map() }
  // `%` filters at pg_trgm's similarity_threshold inside the index scan: set it to the policy's
  // threshold (transaction-local) so the index returns only real candidates.
  await sql`select set_config('pg_trgm.similarity_threshold', ${String(threshold)}, true)`.execute(trx)
  // Few probes (a form, an e-mail): one literal trigram search per name, which the planner answers
  // from the tenant-aware GIN index. Many probes (an import): a join over the list of names.
  const fuzzyBranch = (keys: string[], domainless: boolean) => {
    if (keys.length === 0) return []
    const domainFilter = domainless ? sql`and r.domain is null` : sql``
    if (keys.length <= 20) {
      return keys.map((key) => sql`select 'fuzzy' as kind, ${key}::text as probe, r.id from registrations r where r.tenant_id = ${tenantId} ${domainFilter} and r.status in (${live}) and r.company_key % ${key} and similarity(r.company_key, ${key}) >= ${threshold}`)
    }
    return [
      sql`select 'fuzzy' as kind, k.key as probe, r.id from unnest(${keys}::text[]) as k(key)
        join registrations r on r.tenant_id = ${tenantId} ${domainFilter} and r.status in (${live}) and r.company_key % k.key
        where similarity(r.company_key, k.key) >= ${threshold}`,
    ]
  }
  const branches = [
    ...(domains.length ? [sql`select 'domain' as kind, domain as probe, id from registrations where tenant_id = ${tenantId} and status in (${live}) and domain = any(${domains}::text[])`] : []),
    sql`select 'key' as kind, company_key as probe, id from registrations where tenant_id = ${tenantId} and status in (${live}) and company_key = any(${keys}::text[])`,
    ...fuzzyBranch(fuzzyAgainstAll, false),
    ...fuzzyBranch(fuzzyAgainstDomainless, true),
  ]
  const { rows } = await sql<{ kind: 'domain' | 'key' | 'fuzzy'; probe: string; id: string }>`${sql.join(branches, sql` union all `)}`.execute(trx)
  for (const row of rows) push(row.kind === 'domain' ? sets.byDomain : row.kind === 'key' ? sets.byKey : sets.byFuzzyKey, row.probe, row.id)
  return sets
}

async function loadClaimsById(trx: TenantTransaction, tenantId: string, settings: ProgrammeSettings, ids: string[]): Promise<Map<string, Claim>> {
  const claims = new Map<string, Claim>()
  for (let start = 0; start < ids.length; start += 5000) {
    const rows = await trx
      .selectFrom('registrations as r')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.id', '=', 'r.partner_id'))
      .select(['r.id', 'r.partner_id', 'p.name as partner_name', 'p.tier as partner_tier', 'p.created_at as partner_since', 'r.status', 'r.created_at', 'r.decided_at', 'r.protection_ends_at', 'r.product_interest', 'r.domain', 'r.company_key'])
      .where('r.tenant_id', '=', tenantId)
      .where('r.id', 'in', ids.slice(start, start + 5000))
      .execute()
    for (const row of rows) claims.set(row.id, toClaim(row, settings))
  }
  return claims
}

function candidateIdsOf(sets: CandidateSets, probe: ClaimProbe): string[] {
  return [...new Set([...(probe.domain ? (sets.byDomain.get(probe.domain) ?? []) : []), ...(sets.byKey.get(probe.companyKey) ?? []), ...(sets.byFuzzyKey.get(probe.companyKey) ?? [])])]
}

/** The probe's candidates, oldest claim first, without the probe's own registration. */
function claimsFor(claims: Map<string, Claim>, sets: CandidateSets, probe: ClaimProbe): Claim[] {
  return candidateIdsOf(sets, probe)
    .map((id) => claims.get(id))
    .filter((claim): claim is Claim => claim !== undefined && claim.registrationId !== probe.registrationId)
    .sort((left, right) => left.submittedAt.getTime() - right.submittedAt.getTime())
}

/** Batch form of checkClaim: one result per probe, in order. */
export async function checkClaims(
  trx: TenantTransaction,
  input: { tenantId: string; settings: ProgrammeSettings; now: Date; partner: { id: string; name: string; tier: string; createdAt: Date }; probes: ClaimProbe[] },
): Promise<ClaimCheck[]> {
  const { tenantId, settings, now, partner, probes } = input
  if (probes.length === 0) return []
  const sets = await findCandidateIds(trx, tenantId, settings, probes)
  const allIds = new Set<string>()
  for (const map of [sets.byDomain, sets.byKey, sets.byFuzzyKey]) for (const ids of map.values()) for (const id of ids) allIds.add(id)
  const claims = await loadClaimsById(trx, tenantId, settings, [...allIds])

  const domains = [...new Set(probes.map((probe) => probe.domain).filter((domain): domain is string => domain !== null))]
  const keys = [...new Set(probes.map((probe) => probe.companyKey))]
  const accounts = await trx
    .selectFrom('accounts')
    .select(['id', 'blocked', 'blocked_reason', 'domain', 'company_key'])
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb.or([...(domains.length ? [eb('domain', 'in', domains)] : []), eb('company_key', 'in', keys)]))
    .execute()
  const accountsByDomain = new Map<string, typeof accounts>()
  const accountsByKey = new Map<string, typeof accounts>()
  for (const account of accounts) {
    if (account.domain) accountsByDomain.set(account.domain, [...(accountsByDomain.get(account.domain) ?? []), account])
    accountsByKey.set(account.company_key, [...(accountsByKey.get(account.company_key) ?? []), account])
  }
  const territories = probes.some((probe) => probe.region)
    ? await trx
        .selectFrom('territories as t')
        .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 't.tenant_id').onRef('p.id', '=', 't.partner_id'))
        .select(['t.region', 't.partner_id', 'p.name as partner_name'])
        .where('t.tenant_id', '=', tenantId)
        .execute()
    : []
  const territoryByRegion = new Map(territories.map((territory) => [territory.region.toLowerCase(), territory]))
  const openDeals = accounts.length
    ? await trx.selectFrom('deals').select(['id', 'name', 'stage', 'registration_id', 'account_id']).where('tenant_id', '=', tenantId).where('status', '=', 'open').where('account_id', 'in', accounts.map((account) => account.id)).execute()
    : []
  const policy = conflictPolicyOf(settings)

  return probes.map((probe) => {
    const existing = claimsFor(claims, sets, probe)
    const probeAccounts = [...new Map([...(probe.domain ? (accountsByDomain.get(probe.domain) ?? []) : []), ...(accountsByKey.get(probe.companyKey) ?? [])].map((account) => [account.id, account])).values()]
    const blockedAccount = probeAccounts.find((account) => account.blocked)
    const candidate: Claim = {
      registrationId: probe.registrationId ?? 'new',
      partnerId: partner.id,
      partnerName: partner.name,
      status: 'submitted',
      submittedAt: now,
      approvedAt: null,
      protectionEndsAt: null,
      tierRank: tierRank(settings, partner.tier),
      partnerSince: partner.createdAt,
      certified: false,
      productLines: probe.productLines,
      domain: probe.domain,
      companyKey: probe.companyKey,
    }
    const evaluation = evaluateClaim({ policy, candidate, existing, blockedDomains: blockedAccount?.domain ? new Set([blockedAccount.domain]) : undefined, now })

    const extraFindings: ExtraFinding[] = []
    if (blockedAccount) extraFindings.push({ kind: 'blocked_account', explanation: `This account is blocked for partner registrations${blockedAccount.blocked_reason ? `: ${blockedAccount.blocked_reason}` : '.'}` })
    const territory = probe.region ? territoryByRegion.get(probe.region.toLowerCase()) : undefined
    if (territory && territory.partner_id !== partner.id) {
      extraFindings.push({ kind: 'territory', explanation: `The region "${territory.region}" is assigned to ${territory.partner_name}. Territory rules send claims from other partners there to review.` })
    }
    const accountIds = new Set(probeAccounts.map((account) => account.id))
    // Deals that came from a live registration are already covered by that claim.
    const coveredDeals = new Set(existing.map((claim) => claim.registrationId))
    for (const deal of openDeals) {
      if (!accountIds.has(deal.account_id) || (deal.registration_id && coveredDeals.has(deal.registration_id))) continue
      extraFindings.push({ kind: 'open_deal', explanation: `An open deal already exists for this account: "${deal.name}" (stage ${deal.stage}).` })
    }

    let partnerVerdict = evaluation.partnerVerdict
    let partnerMessage = evaluation.partnerMessage
    let conflictStatus = evaluation.conflictStatus
    if (extraFindings.length > 0 && partnerVerdict === 'clear') {
      partnerVerdict = 'needs_review'
      partnerMessage = NEEDS_REVIEW_MESSAGE
    }
    if (extraFindings.some((finding) => finding.kind !== 'blocked_account') && conflictStatus === 'none') conflictStatus = 'at_risk'

    const staffLines = [
      ...evaluation.findings
        .filter((finding) => finding.match.claim.partnerId !== partner.id)
        .map((finding) => `${finding.match.reason === 'same_domain' ? 'Same domain' : `Similar name (${Math.round(finding.match.score * 100)}%)`} as ${finding.match.claim.partnerName}'s claim: ${finding.decision.explanation}`),
      ...evaluation.findings.filter((finding) => finding.match.claim.partnerId === partner.id).map(() => 'This partner already holds a live registration for this customer (possible duplicate).'),
      ...extraFindings.map((finding) => finding.explanation),
    ]
    return {
      evaluation,
      extraFindings,
      partnerVerdict,
      partnerMessage,
      conflictStatus,
      staffSummary: staffLines.length > 0 ? [...new Set(staffLines)].join('\n') : 'No competing claims, blocked accounts, territory rules or open deals found.',
    }
  })
}

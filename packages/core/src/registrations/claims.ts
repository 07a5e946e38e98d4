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
 * Live registrations on the same customer: same registrable domain, same
 * normalised name, or a trigram-similar name (the `%` operator narrows through
 * the GIN index; the policy threshold then decides).
 */
export async function loadCompetingClaims(
  trx: TenantTransaction,
  input: { tenantId: string; domain: string | null; companyKey: string; excludeRegistrationId?: string | null; settings: ProgrammeSettings },
): Promise<Claim[]> {
  const threshold = input.settings.conflicts.nameSimilarityThreshold
  const rows = await trx
    .selectFrom('registrations as r')
    .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.id', '=', 'r.partner_id'))
    .select([
      'r.id',
      'r.partner_id',
      'p.name as partner_name',
      'p.tier as partner_tier',
      'p.created_at as partner_since',
      'r.status',
      'r.created_at',
      'r.decided_at',
      'r.protection_ends_at',
      'r.product_interest',
      'r.domain',
      'r.company_key',
    ])
    .where('r.tenant_id', '=', input.tenantId)
    .where('r.status', 'in', [...LIVE_STATUSES])
    .where((eb) => {
      const alternatives = [eb('r.company_key', '=', input.companyKey), sql<boolean>`(r.company_key % ${input.companyKey} and similarity(r.company_key, ${input.companyKey}) >= ${threshold})`]
      if (input.domain) alternatives.unshift(eb('r.domain', '=', input.domain))
      return eb.or(alternatives)
    })
    .$if(Boolean(input.excludeRegistrationId), (query) => query.where('r.id', '!=', input.excludeRegistrationId as string))
    .orderBy('r.created_at')
    .limit(50)
    .execute()
  return rows.map((row) => toClaim(row, input.settings))
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

/**
 * The whole check for a claim by `partnerId` on a customer: the engine's
 * findings plus blocked accounts, territories and open deals of the vendor.
 */
export async function checkClaim(
  trx: TenantTransaction,
  input: {
    tenantId: string
    settings: ProgrammeSettings
    now: Date
    partner: { id: string; name: string; tier: string; createdAt: Date }
    domain: string | null
    companyKey: string
    region: string | null
    productLines: string[]
    registrationId?: string | null
  },
): Promise<ClaimCheck> {
  const existing = await loadCompetingClaims(trx, {
    tenantId: input.tenantId,
    domain: input.domain,
    companyKey: input.companyKey,
    excludeRegistrationId: input.registrationId,
    settings: input.settings,
  })
  const account = await trx
    .selectFrom('accounts')
    .select(['id', 'blocked', 'blocked_reason', 'domain'])
    .where('tenant_id', '=', input.tenantId)
    .where((eb) => (input.domain ? eb.or([eb('domain', '=', input.domain), eb('company_key', '=', input.companyKey)]) : eb('company_key', '=', input.companyKey)))
    .execute()
  const blockedAccount = account.find((candidate) => candidate.blocked)
  const candidate: Claim = {
    registrationId: input.registrationId ?? 'new',
    partnerId: input.partner.id,
    partnerName: input.partner.name,
    status: 'submitted',
    submittedAt: input.now,
    approvedAt: null,
    protectionEndsAt: null,
    tierRank: tierRank(input.settings, input.partner.tier),
    partnerSince: input.partner.createdAt,
    certified: false,
    productLines: input.productLines,
    domain: input.domain,
    companyKey: input.companyKey,
  }
  const evaluation = evaluateClaim({
    policy: conflictPolicyOf(input.settings),
    candidate,
    existing,
    blockedDomains: blockedAccount?.domain ? new Set([blockedAccount.domain]) : undefined,
    now: input.now,
  })

  const extraFindings: ExtraFinding[] = []
  if (blockedAccount) {
    extraFindings.push({ kind: 'blocked_account', explanation: `This account is blocked for partner registrations${blockedAccount.blocked_reason ? `: ${blockedAccount.blocked_reason}` : '.'}` })
  }
  if (input.region) {
    const territory = await trx
      .selectFrom('territories as t')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 't.tenant_id').onRef('p.id', '=', 't.partner_id'))
      .select(['t.region', 't.partner_id', 'p.name as partner_name'])
      .where('t.tenant_id', '=', input.tenantId)
      .where(sql<boolean>`lower(t.region) = lower(${input.region})`)
      .executeTakeFirst()
    if (territory && territory.partner_id !== input.partner.id) {
      extraFindings.push({ kind: 'territory', explanation: `The region "${territory.region}" is assigned to ${territory.partner_name}. Territory rules send claims from other partners there to review.` })
    }
  }
  const accountIds = account.map((candidateAccount) => candidateAccount.id)
  if (accountIds.length > 0) {
    const openDeals = await trx
      .selectFrom('deals')
      .select(['id', 'name', 'stage', 'registration_id'])
      .where('tenant_id', '=', input.tenantId)
      .where('status', '=', 'open')
      .where('account_id', 'in', accountIds)
      .execute()
    // Deals that came from a live registration are already covered by that claim.
    const coveredDeals = new Set(existing.map((claim) => claim.registrationId))
    for (const deal of openDeals.filter((openDeal) => !openDeal.registration_id || !coveredDeals.has(openDeal.registration_id))) {
      extraFindings.push({ kind: 'open_deal', explanation: `An open deal already exists for this account: "${deal.name}" (stage ${deal.stage}).` })
    }
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
      .filter((finding) => finding.match.claim.partnerId !== input.partner.id)
      .map((finding) => `${finding.match.reason === 'same_domain' ? 'Same domain' : `Similar name (${Math.round(finding.match.score * 100)}%)`} as ${finding.match.claim.partnerName}'s claim: ${finding.decision.explanation}`),
    ...evaluation.findings.filter((finding) => finding.match.claim.partnerId === input.partner.id).map(() => 'This partner already holds a live registration for this customer (possible duplicate).'),
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
}

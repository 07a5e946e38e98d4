import { trigramSimilarity } from './similarity.js'

/**
 * The conflict engine (issue 3), as pure functions: given a new claim on a
 * customer and the live claims already on record, which checks fire, which
 * rule of the vendor's hierarchy decides, and what each audience may be told.
 * Staff get the evidence in plain words; the partner only "clear", "possible
 * conflict" or "needs review" — never another partner's name or data.
 */

export type ConflictRule =
  | 'registered_beats_unregistered'
  | 'first_approved_wins'
  | 'tier_priority'
  | 'established_beats_new'
  | 'certification_breaks_ties'
  | 'split_by_product_line'

export type ClaimStatus = 'submitted' | 'under_review' | 'info_requested' | 'approved' | 'rejected' | 'won' | 'lost' | 'expired'

export interface Claim {
  /** Null for an unregistered claim (a partner on a deal it never registered). */
  registrationId: string | null
  partnerId: string
  partnerName: string
  status: ClaimStatus
  submittedAt: Date
  approvedAt: Date | null
  protectionEndsAt: Date | null
  /** Higher is a better tier (e.g. Registered 1, Select 2, Elite 3). */
  tierRank: number
  partnerSince: Date
  /** Hook for certifications (a later issue); false until then. */
  certified: boolean
  productLines: string[]
  /** Normalised registrable domain, when known. */
  domain: string | null
  /** Normalised company name (normaliseCompanyName). */
  companyKey: string
}

export interface ConflictPolicy {
  hierarchy: ConflictRule[]
  /** A partner older than this counts as established. */
  establishedAfterDays: number
  /** pg_trgm similarity from which two company names are treated as the same customer. */
  nameSimilarityThreshold: number
}

export const defaultConflictPolicy: ConflictPolicy = {
  hierarchy: ['registered_beats_unregistered', 'first_approved_wins', 'established_beats_new', 'certification_breaks_ties'],
  establishedAfterDays: 180,
  nameSimilarityThreshold: 0.6,
}

export interface Match {
  claim: Claim
  reason: 'same_domain' | 'similar_name'
  score: number
}

const LIVE: ReadonlySet<ClaimStatus> = new Set(['submitted', 'under_review', 'info_requested', 'approved'])

/** A claim still competes while it is pending, or approved with protection running. */
export function isLive(claim: Claim, now: Date): boolean {
  if (!LIVE.has(claim.status)) return false
  return claim.status !== 'approved' || claim.protectionEndsAt === null || claim.protectionEndsAt > now
}

/** Live claims on the same customer: same registrable domain, or a company name similar enough. */
export function findMatches(candidate: Claim, existing: Claim[], policy: ConflictPolicy, now: Date): Match[] {
  const matches: Match[] = []
  for (const claim of existing) {
    if (!isLive(claim, now) || (claim.registrationId !== null && claim.registrationId === candidate.registrationId)) continue
    if (candidate.domain && claim.domain && candidate.domain === claim.domain) {
      matches.push({ claim, reason: 'same_domain', score: 1 })
      continue
    }
    if (candidate.companyKey === claim.companyKey) {
      matches.push({ claim, reason: 'similar_name', score: 1 })
      continue
    }
    // Two different known domains are two customers, however alike the names
    // ("Bulk Customer 1" / "Bulk Customer 2"); a fuzzy name only links claims when a domain is missing.
    if (candidate.domain && claim.domain) continue
    const score = trigramSimilarity(candidate.companyKey, claim.companyKey)
    if (score >= policy.nameSimilarityThreshold) matches.push({ claim, reason: 'similar_name', score })
  }
  return matches.sort((left, right) => right.score - left.score)
}

export type Outcome = 'first' | 'second' | 'both' | 'undecided'

export interface Decision {
  outcome: Outcome
  rule: ConflictRule | null
  /** For staff: which rule decided and why, in plain words. */
  explanation: string
}

const DAY = 86_400_000
const isEstablished = (claim: Claim, policy: ConflictPolicy, now: Date) => now.getTime() - claim.partnerSince.getTime() >= policy.establishedAfterDays * DAY
const dateText = (date: Date) => date.toISOString().slice(0, 10)

/** Apply the hierarchy in order; the first rule that tells the two claims apart decides. */
export function decide(policy: ConflictPolicy, first: Claim, second: Claim, now: Date): Decision {
  for (const rule of policy.hierarchy) {
    switch (rule) {
      case 'registered_beats_unregistered': {
        const a = first.registrationId !== null
        const b = second.registrationId !== null
        if (a !== b) return { outcome: a ? 'first' : 'second', rule, explanation: `${(a ? first : second).partnerName} registered the customer; ${(a ? second : first).partnerName} did not. Registered beats unregistered.` }
        break
      }
      case 'first_approved_wins': {
        const a = first.status === 'approved'
        const b = second.status === 'approved'
        if (a !== b) return { outcome: a ? 'first' : 'second', rule, explanation: `${(a ? first : second).partnerName} holds an approved registration with protection; the other claim is not approved. First approved wins.` }
        const aTime = (a ? first.approvedAt : first.submittedAt)?.getTime() ?? Number.POSITIVE_INFINITY
        const bTime = (b ? second.approvedAt : second.submittedAt)?.getTime() ?? Number.POSITIVE_INFINITY
        if (aTime !== bTime) {
          const earlier = aTime < bTime ? first : second
          const when = a && b ? 'was approved' : 'registered'
          const at = (a && b ? earlier.approvedAt : earlier.submittedAt) ?? earlier.submittedAt
          return { outcome: aTime < bTime ? 'first' : 'second', rule, explanation: `${earlier.partnerName} ${when} first (${dateText(at)}). First come wins.` }
        }
        break
      }
      case 'tier_priority':
        if (first.tierRank !== second.tierRank) {
          const higher = first.tierRank > second.tierRank ? first : second
          return { outcome: higher === first ? 'first' : 'second', rule, explanation: `${higher.partnerName} is in a higher tier. Tier priority decides.` }
        }
        break
      case 'established_beats_new': {
        const a = isEstablished(first, policy, now)
        const b = isEstablished(second, policy, now)
        if (a !== b) return { outcome: a ? 'first' : 'second', rule, explanation: `${(a ? first : second).partnerName} is an established partner (over ${policy.establishedAfterDays} days); the other is new. Established beats new.` }
        break
      }
      case 'certification_breaks_ties':
        if (first.certified !== second.certified) {
          return { outcome: first.certified ? 'first' : 'second', rule, explanation: `Only ${(first.certified ? first : second).partnerName} holds the required certification. Certification breaks the tie.` }
        }
        break
      case 'split_by_product_line': {
        const overlap = first.productLines.some((line) => second.productLines.includes(line))
        if (!overlap && first.productLines.length > 0 && second.productLines.length > 0) {
          return { outcome: 'both', rule, explanation: `The claims cover different product lines (${first.productLines.join(', ')} / ${second.productLines.join(', ')}). Policy splits by product line, so both stand.` }
        }
        break
      }
    }
  }
  return { outcome: 'undecided', rule: null, explanation: 'No rule of the conflict policy tells these claims apart; a partner manager decides.' }
}

export type PartnerVerdict = 'clear' | 'possible_conflict' | 'needs_review'
export type ConflictStatus = 'none' | 'at_risk' | 'active'

export interface Evaluation {
  partnerVerdict: PartnerVerdict
  conflictStatus: ConflictStatus
  /** What the submitting partner sees: about their own claim only. */
  partnerMessage: string
  /** What staff see: every competing claim, the deciding rule and the evidence. */
  findings: Array<{ match: Match; decision: Decision }>
  blocked: boolean
  /** The rule that fired for the strongest competing claim, for the event log. */
  decidingRule: ConflictRule | null
}

const partnerMessages: Record<PartnerVerdict, string> = {
  clear: 'No other claim on this customer was found. Your registration goes to review.',
  possible_conflict: 'Another claim on this customer may take precedence under the programme rules. You can still submit; a partner manager will review it.',
  needs_review: 'A partner manager needs to look at this registration before it can be approved.',
}

/**
 * Evaluate a new claim: blocked accounts first, then each competing live claim.
 * An own earlier claim of the same partner is reported as a duplicate.
 */
export function evaluateClaim(input: { policy: ConflictPolicy; candidate: Claim; existing: Claim[]; blockedDomains?: ReadonlySet<string>; now: Date }): Evaluation {
  const { policy, candidate, now } = input
  const blocked = candidate.domain !== null && (input.blockedDomains?.has(candidate.domain) ?? false)
  const matches = findMatches(candidate, input.existing, policy, now)
  const findings = matches.map((match) => ({ match, decision: decide(policy, match.claim, candidate, now) }))
  const ownDuplicate = matches.some((match) => match.claim.partnerId === candidate.partnerId)
  const others = findings.filter((finding) => finding.match.claim.partnerId !== candidate.partnerId)
  const existingWins = others.filter((finding) => finding.decision.outcome === 'first')
  const undecided = others.filter((finding) => finding.decision.outcome === 'undecided')
  const candidateWins = others.filter((finding) => finding.decision.outcome === 'second')

  let partnerVerdict: PartnerVerdict = 'clear'
  let conflictStatus: ConflictStatus = 'none'
  if (existingWins.length > 0) {
    partnerVerdict = 'possible_conflict'
    conflictStatus = existingWins.some((finding) => finding.match.claim.status === 'approved') ? 'active' : 'at_risk'
  } else if (undecided.length > 0 || candidateWins.length > 0) {
    partnerVerdict = 'needs_review'
    conflictStatus = 'at_risk'
  }
  if (blocked) partnerVerdict = 'needs_review'
  const partnerMessage = ownDuplicate && partnerVerdict === 'clear' ? 'You have already registered this customer; this looks like a duplicate of your own registration.' : partnerMessages[partnerVerdict]
  const strongest = existingWins[0] ?? undecided[0] ?? candidateWins[0] ?? others[0]
  return {
    partnerVerdict: ownDuplicate && partnerVerdict === 'clear' ? 'needs_review' : partnerVerdict,
    conflictStatus,
    partnerMessage,
    findings,
    blocked,
    decidingRule: strongest?.decision.rule ?? null,
  }
}

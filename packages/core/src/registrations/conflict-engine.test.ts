import { describe, expect, it } from 'vitest'
import { type Claim, type ConflictPolicy, decide, defaultConflictPolicy, evaluateClaim } from './conflict-engine.js'
import { normaliseCompanyName, registrableDomain } from './normalise.js'

const now = new Date('2026-11-23T12:00:00Z')
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000)
const domainOf = (input: string) => {
  const result = registrableDomain(input)
  return result.ok ? result.domain : null
}

let sequence = 0
function claim(overrides: Partial<Claim> & { company?: string; website?: string } = {}): Claim {
  sequence++
  const { company = 'Acme Inc.', website = 'acme.com', ...rest } = overrides
  return {
    registrationId: `reg-${sequence}`,
    partnerId: `partner-${sequence}`,
    partnerName: `Partner Number ${sequence}`,
    status: 'submitted',
    submittedAt: daysAgo(1),
    approvedAt: null,
    protectionEndsAt: null,
    tierRank: 1,
    partnerSince: daysAgo(400),
    certified: false,
    productLines: [],
    domain: domainOf(website),
    companyKey: normaliseCompanyName(company),
    ...rest,
  }
}

const approved = (overrides: Partial<Claim> & { company?: string; website?: string } = {}) =>
  claim({ status: 'approved', submittedAt: daysAgo(20), approvedAt: daysAgo(19), protectionEndsAt: daysAgo(-70), ...overrides })

function expectNoOtherPartnerRevealed(message: string, others: Claim[]) {
  for (const other of others) {
    expect(message).not.toContain(other.partnerName)
    expect(message).not.toContain(other.partnerId)
  }
}

describe('conflict engine: the same customer in many spellings', () => {
  it.each([
    ['https://www.acme.com/', 'Acme Corporation'],
    ['http://shop.acme.com/contact', 'Totally Different Name Ltd'],
    ['sales@acme.com', 'ACME'],
    ['ACME.COM', 'Acme GmbH'],
    ['', 'ACME Inc.'],
    ['', 'Acme Incorporated'],
    ['', 'Acmé, Inc'],
  ])('a second partner registering %j / %j meets the approved claim', (website, company) => {
    const first = approved({ company: 'ACME Inc.', website: 'acme.com' })
    const second = claim({ company, website })
    const result = evaluateClaim({ policy: defaultConflictPolicy, candidate: second, existing: [first], now })
    expect(result.partnerVerdict).toBe('possible_conflict')
    expect(result.conflictStatus).toBe('active')
    expect(result.decidingRule).toBe('first_approved_wins')
    expect(result.findings[0]?.decision.explanation).toContain(first.partnerName)
    expectNoOtherPartnerRevealed(result.partnerMessage, [first])
  })

  it('different companies do not collide', () => {
    const existing = [approved({ company: 'Acme Software', website: 'acme-software.com' })]
    const result = evaluateClaim({ policy: defaultConflictPolicy, candidate: claim({ company: 'Acme Hardware', website: 'acmehardware.io' }), existing, now })
    expect(result).toMatchObject({ partnerVerdict: 'clear', conflictStatus: 'none', findings: [] })
  })

  it('free-mail addresses never identify a company', () => {
    const existing = [approved({ company: 'Globex', website: 'someone@gmail.com' })]
    const result = evaluateClaim({ policy: defaultConflictPolicy, candidate: claim({ company: 'Initech', website: 'other@gmail.com' }), existing, now })
    expect(result.partnerVerdict).toBe('clear')
  })
})

describe('conflict engine: which claims compete', () => {
  it.each(['rejected', 'lost', 'expired', 'won'] as const)('a %s claim does not block', (status) => {
    const result = evaluateClaim({ policy: defaultConflictPolicy, candidate: claim(), existing: [claim({ status })], now })
    expect(result.partnerVerdict).toBe('clear')
  })

  it('an approved claim whose protection has ended does not block', () => {
    const lapsed = approved({ protectionEndsAt: daysAgo(1) })
    expect(evaluateClaim({ policy: defaultConflictPolicy, candidate: claim(), existing: [lapsed], now }).partnerVerdict).toBe('clear')
  })

  it("a partner's own earlier claim is a duplicate, not a conflict", () => {
    const mine = claim({ partnerId: 'me', partnerName: 'Me' })
    const result = evaluateClaim({ policy: defaultConflictPolicy, candidate: claim({ partnerId: 'me', partnerName: 'Me' }), existing: [mine], now })
    expect(result.partnerVerdict).toBe('needs_review')
    expect(result.partnerMessage).toMatch(/already registered/)
    expect(result.conflictStatus).toBe('none')
  })

  it('a blocked account always needs review', () => {
    const result = evaluateClaim({ policy: defaultConflictPolicy, candidate: claim({ website: 'https://www.blockedcorp.com' }), existing: [], blockedDomains: new Set(['blockedcorp.com']), now })
    expect(result).toMatchObject({ partnerVerdict: 'needs_review', blocked: true })
  })
})

describe('conflict engine: the hierarchy', () => {
  const only = (...hierarchy: ConflictPolicy['hierarchy']): ConflictPolicy => ({ ...defaultConflictPolicy, hierarchy })

  it('registered beats unregistered', () => {
    const unregistered = claim({ registrationId: null })
    const registered = claim()
    expect(decide(defaultConflictPolicy, unregistered, registered, now)).toMatchObject({ outcome: 'second', rule: 'registered_beats_unregistered' })
    const result = evaluateClaim({ policy: defaultConflictPolicy, candidate: registered, existing: [unregistered], now })
    expect(result).toMatchObject({ partnerVerdict: 'needs_review', conflictStatus: 'at_risk', decidingRule: 'registered_beats_unregistered' })
  })

  it('first come: the earlier pending registration leads', () => {
    const earlier = claim({ submittedAt: daysAgo(3) })
    const later = claim({ submittedAt: daysAgo(1) })
    const result = evaluateClaim({ policy: defaultConflictPolicy, candidate: later, existing: [earlier], now })
    expect(result).toMatchObject({ partnerVerdict: 'possible_conflict', conflictStatus: 'at_risk', decidingRule: 'first_approved_wins' })
  })

  it('tier priority lets a higher tier overtake (staff review), when the vendor ranks it first', () => {
    const select = claim({ tierRank: 2, submittedAt: daysAgo(5) })
    const elite = claim({ tierRank: 3 })
    const result = evaluateClaim({ policy: only('tier_priority', 'first_approved_wins'), candidate: elite, existing: [select], now })
    expect(result).toMatchObject({ partnerVerdict: 'needs_review', decidingRule: 'tier_priority' })
    expect(result.findings[0]?.decision.explanation).toContain(elite.partnerName)
  })

  it('established beats new', () => {
    const veteran = claim({ partnerSince: daysAgo(900) })
    const newcomer = claim({ partnerSince: daysAgo(20) })
    expect(decide(only('established_beats_new'), veteran, newcomer, now)).toMatchObject({ outcome: 'first', rule: 'established_beats_new' })
  })

  it('certification breaks ties', () => {
    expect(decide(only('certification_breaks_ties'), claim(), claim({ certified: true }), now)).toMatchObject({ outcome: 'second', rule: 'certification_breaks_ties' })
  })

  it('split by product line lets both stand', () => {
    const policy = only('split_by_product_line', 'first_approved_wins')
    const result = evaluateClaim({ policy, candidate: claim({ productLines: ['analytics'] }), existing: [approved({ productLines: ['payments'] })], now })
    expect(result).toMatchObject({ partnerVerdict: 'clear', conflictStatus: 'none', decidingRule: 'split_by_product_line' })
  })

  it('when no rule separates the claims, a person decides', () => {
    const submittedAt = daysAgo(2)
    const result = evaluateClaim({ policy: only('tier_priority'), candidate: claim({ submittedAt }), existing: [claim({ submittedAt })], now })
    expect(result).toMatchObject({ partnerVerdict: 'needs_review', decidingRule: null })
    expect(result.findings[0]?.decision.explanation).toMatch(/partner manager decides/)
  })

  it('never names another partner to the submitting partner, whatever the verdict', () => {
    const existing = [approved(), claim({ registrationId: null }), claim({ tierRank: 9 })]
    for (const policy of [defaultConflictPolicy, only('tier_priority'), only('split_by_product_line')]) {
      const result = evaluateClaim({ policy, candidate: claim(), existing, now })
      expectNoOtherPartnerRevealed(result.partnerMessage, existing)
    }
  })
})

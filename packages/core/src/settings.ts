import { z } from 'zod'

export const MOTIONS = ['referral', 'reseller', 'marketplace', 'services', 'technology'] as const
export type Motion = (typeof MOTIONS)[number]

/** Deal fields a stage can require before a deal may leave it. */
export const DEAL_EXIT_FIELDS = ['amount', 'currency', 'expected_close', 'next_step', 'owner', 'attribution'] as const
export type DealExitField = (typeof DEAL_EXIT_FIELDS)[number]

const stageSchema = z.object({
  key: z.string().regex(/^[a-z0-9_]{1,40}$/),
  label: z.string().min(1).max(60),
  exitFields: z.array(z.enum(DEAL_EXIT_FIELDS)).default([]),
})
const motionSchema = z.object({ label: z.string().min(1).max(60), stages: z.array(stageSchema).min(2).max(10) })

const stage = (key: string, label: string, exitFields: DealExitField[] = []) => ({ key, label, exitFields })

/** domain.md "Partner motions and their stages": five motions, five stages each, with exit criteria. */
function defaultMotions() {
  return {
    referral: {
      label: 'Referral',
      stages: [
        stage('intro_logged', 'Intro logged', ['attribution']),
        stage('validate', 'Validate', ['next_step']),
        stage('prove_value', 'Prove value', ['amount', 'currency', 'expected_close']),
        stage('promote', 'Promote', ['owner']),
        stage('closed_credited', 'Closed & credited'),
      ],
    },
    reseller: {
      label: 'Reseller / VAR',
      stages: [
        stage('deal_registration', 'Deal registration', ['attribution', 'amount', 'currency']),
        stage('qualification', 'Qualification', ['expected_close', 'next_step']),
        stage('configure_quote', 'Configure & quote', ['owner']),
        stage('transact', 'Transact'),
        stage('launch_activate', 'Launch & activate'),
      ],
    },
    marketplace: {
      label: 'Marketplace',
      stages: [
        stage('listing_ready', 'Listing ready', ['attribution']),
        stage('private_offer', 'Private offer', ['amount', 'currency', 'expected_close']),
        stage('procurement', 'Procurement', ['next_step']),
        stage('close_payout', 'Close & payout'),
        stage('adopt_expand', 'Adopt & expand'),
      ],
    },
    services: {
      label: 'Services (SI/MSP)',
      stages: [
        stage('solution_design', 'Solution design', ['attribution']),
        stage('proof_workshop', 'Proof / workshop', ['next_step']),
        stage('promote', 'Promote', ['amount', 'currency', 'expected_close']),
        stage('delivery', 'Delivery', ['owner']),
        stage('hand_over', 'Hand-over'),
      ],
    },
    technology: {
      label: 'Technology / ISV',
      stages: [
        stage('integration_fit', 'Integration fit', ['attribution']),
        stage('field_readiness', 'Field readiness', ['next_step']),
        stage('pipeline_activation', 'Pipeline activation', ['amount', 'currency', 'expected_close']),
        stage('validation', 'Validation', ['owner']),
        stage('promote_close', 'Promote & close'),
      ],
    },
  }
}

/**
 * Programme settings: every rule number in domain.md is a per-tenant setting
 * with these defaults (never a constant in code). Later capabilities read them.
 */
export const programmeSettingsSchema = z.object({
  registration: z
    .object({
      decisionSlaHours: z.number().int().min(1).max(720).default(48),
      protectionWindowDays: z.number().int().min(1).max(365).default(90),
      expiryReminderDays: z.number().int().min(0).max(60).default(7),
      meetingBookingDays: z.number().int().min(1).max(90).default(14),
      referralToOpportunityHours: z.number().int().min(1).max(720).default(24),
      /** Staff are reminded this many business hours before a decision SLA breaks. */
      slaReminderHoursBefore: z.number().int().min(1).max(240).default(8),
      /** Logging the next step (e.g. the first meeting) extends protection by this many days… */
      extensionDays: z.number().int().min(1).max(180).default(30),
      /** …at most this many times per registration. */
      maxExtensions: z.number().int().min(0).max(10).default(2),
      /** An approved registration with no logged activity for this long is flagged idle. */
      idleAfterDays: z.number().int().min(1).max(365).default(30),
      /** A partner may appeal a rejection, with evidence, within this many days. */
      appealWindowDays: z.number().int().min(0).max(90).default(14),
    })
    .default({}),
  conflicts: z
    .object({
      acknowledgeWithinHours: z.number().int().min(1).max(720).default(24),
      resolutionPlanBusinessDays: z.number().int().min(1).max(60).default(5),
      hierarchy: z
        .array(z.enum(['registered_beats_unregistered', 'first_approved_wins', 'tier_priority', 'established_beats_new', 'certification_breaks_ties', 'split_by_product_line']))
        .default(['registered_beats_unregistered', 'first_approved_wins', 'established_beats_new', 'certification_breaks_ties']),
      establishedAfterDays: z.number().int().min(0).max(3650).default(180),
      nameSimilarityThreshold: z.number().min(0.3).max(1).default(0.6),
    })
    .default({}),
  renewalOwnershipDays: z.number().int().min(1).max(365).default(90),
  tiers: z
    .array(z.object({ name: z.string().min(1).max(40), commissionRatePercent: z.number().min(0).max(100) }))
    .default([
      { name: 'Registered', commissionRatePercent: 10 },
      { name: 'Select', commissionRatePercent: 15 },
      { name: 'Elite', commissionRatePercent: 20 },
    ]),
  motions: z
    .object({
      referral: motionSchema,
      reseller: motionSchema,
      marketplace: motionSchema,
      services: motionSchema,
      technology: motionSchema,
    })
    .default(defaultMotions()),
  partnerSafeDealFields: z.array(z.string()).default(['stage', 'owner', 'protection_status', 'protection_ends_at', 'next_step']),
  businessHours: z
    .object({
      timeZone: z.string().default('Europe/Berlin'),
      startHour: z.number().int().min(0).max(23).default(9),
      endHour: z.number().int().min(1).max(24).default(17),
      workingDays: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
    })
    .default({}),
})

export type ProgrammeSettings = z.infer<typeof programmeSettingsSchema>

export function defaultProgrammeSettings(): ProgrammeSettings {
  return programmeSettingsSchema.parse({})
}

/** Stored settings merged over today's defaults (older tenants pick up new keys). */
export function readProgrammeSettings(stored: unknown): ProgrammeSettings {
  const result = programmeSettingsSchema.safeParse(stored ?? {})
  return result.success ? result.data : defaultProgrammeSettings()
}

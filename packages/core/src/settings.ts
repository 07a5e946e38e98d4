import { z } from 'zod'

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
    })
    .default({}),
  conflicts: z
    .object({
      acknowledgeWithinHours: z.number().int().min(1).max(720).default(24),
      resolutionPlanBusinessDays: z.number().int().min(1).max(60).default(5),
      hierarchy: z
        .array(z.enum(['registered_beats_unregistered', 'first_approved_wins', 'tier_priority', 'established_beats_new', 'certification_breaks_ties', 'split_by_product_line']))
        .default(['registered_beats_unregistered', 'first_approved_wins', 'established_beats_new', 'certification_breaks_ties']),
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

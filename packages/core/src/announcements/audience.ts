import { PARTNER_TYPES } from '../partners/partners.js'
import { motionForPartnerType } from '../registrations/claims.js'
import { MOTIONS, type Motion } from '../settings.js'

/** Targeting by motion means the partner types whose deals run in that motion (the same rule registrations use). */
export const PARTNER_TYPES_BY_MOTION: Record<Motion, string[]> = Object.fromEntries(
  MOTIONS.map((motion) => [motion, PARTNER_TYPES.filter((type) => motionForPartnerType(type) === motion)]),
) as Record<Motion, string[]>

import { deactivatePartnerUser, listOrganisationPeople, reactivatePartnerUser } from '@accord/core'
import { z } from 'zod'
import { partnerProcedure, router } from '../../trpc.js'

/**
 * The organisation's people (Team page). Everyone in the organisation may
 * look; partner admins deactivate and reactivate (core checks the role, RLS
 * keeps it to the organisation). Output is an allow-list: no vendor-side
 * fields such as who at the vendor deactivated someone.
 */
const teamOutput = z.object({
  canManage: z.boolean(),
  people: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      email: z.string(),
      role: z.string(),
      roleLabel: z.string(),
      active: z.boolean(),
      isMe: z.boolean(),
      lastSignInAt: z.date().nullable(),
      deactivatedAt: z.date().nullable(),
      deactivatedByVendor: z.boolean(),
      canDeactivate: z.boolean(),
      canReactivate: z.boolean(),
    }),
  ),
})
const changeOutput = z.object({ userId: z.string(), status: z.enum(['active', 'disabled']) })

export const portalTeamRouter = router({
  list: partnerProcedure.output(teamOutput).query(({ ctx }) => listOrganisationPeople(ctx.core)),
  deactivate: partnerProcedure
    .input(z.object({ userId: z.string().max(100) }))
    .output(changeOutput)
    .mutation(({ ctx, input }) => deactivatePartnerUser(ctx.core, input)),
  reactivate: partnerProcedure
    .input(z.object({ userId: z.string().max(100) }))
    .output(changeOutput)
    .mutation(({ ctx, input }) => reactivatePartnerUser(ctx.core, input)),
})

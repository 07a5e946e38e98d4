import { invitePartnerUser, inviteStaffMember, revokeInvitation } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

export const invitePartnerUserProcedureInput = z.object({ partnerId: z.string(), email: z.unknown(), name: z.unknown().optional(), role: z.unknown() })
export const inviteStaffProcedureInput = z.object({ email: z.unknown(), name: z.unknown().optional(), role: z.unknown() })
export const invitationIdInput = z.object({ invitationId: z.string() })

export const invitationsRouter = router({
  invitePartnerUser: staffProcedure('partners.manage')
    .input(invitePartnerUserProcedureInput)
    .mutation(({ ctx, input }) => invitePartnerUser(ctx.core, input as never)),
  inviteStaff: staffProcedure('staff.manage')
    .input(inviteStaffProcedureInput)
    .mutation(({ ctx, input }) => inviteStaffMember(ctx.core, input as never)),
  revoke: staffProcedure()
    .input(invitationIdInput)
    .mutation(({ ctx, input }) => revokeInvitation(ctx.core, input)),
})

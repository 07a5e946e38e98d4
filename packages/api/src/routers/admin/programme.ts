import { addApprovalRoute, addTerritory, blockAccount, updateMotionStages, getRegistrationPolicy, removeApprovalRoute, removeTerritory, unblockAccount, updateRegistrationPolicy } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Field rules live in core (its messages reach the form); procedures check shapes only.
const loose = z.record(z.unknown())

export const adminProgrammeRouter = router({
  registrationPolicy: staffProcedure('registrations.view').query(({ ctx }) => getRegistrationPolicy(ctx.core)),
  updateRegistrationPolicy: staffProcedure('programme.manage')
    .input(loose)
    .mutation(({ ctx, input }) => updateRegistrationPolicy(ctx.core, input as never)),
  addTerritory: staffProcedure('programme.manage')
    .input(loose)
    .mutation(({ ctx, input }) => addTerritory(ctx.core, input as never)),
  removeTerritory: staffProcedure('programme.manage')
    .input(z.object({ territoryId: z.string() }))
    .mutation(({ ctx, input }) => removeTerritory(ctx.core, input)),
  addApprovalRoute: staffProcedure('programme.manage')
    .input(loose)
    .mutation(({ ctx, input }) => addApprovalRoute(ctx.core, input as never)),
  removeApprovalRoute: staffProcedure('programme.manage')
    .input(z.object({ routeId: z.string() }))
    .mutation(({ ctx, input }) => removeApprovalRoute(ctx.core, input)),
  updateMotionStages: staffProcedure('programme.manage')
    .input(loose)
    .mutation(({ ctx, input }) => updateMotionStages(ctx.core, input as never)),
  blockAccount: staffProcedure('programme.manage')
    .input(loose)
    .mutation(({ ctx, input }) => blockAccount(ctx.core, input as never)),
  unblockAccount: staffProcedure('programme.manage')
    .input(z.object({ accountId: z.string() }))
    .mutation(({ ctx, input }) => unblockAccount(ctx.core, input)),
})

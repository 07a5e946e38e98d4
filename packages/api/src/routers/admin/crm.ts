import { connectCrm, disconnectCrm, getCrmSettings, getCrmSyncRun, listCrmStages, previewCrmSync, retryCrmFailures, syncCrmNow, testCrmConnection, updateCrmMapping } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Field rules live in core (its messages reach the form); procedures check shapes only.
const loose = z.record(z.unknown())

export const adminCrmRouter = router({
  settings: staffProcedure('crm.view').query(({ ctx }) => getCrmSettings(ctx.core)),
  connect: staffProcedure('crm.manage')
    .input(loose)
    .mutation(({ ctx, input }) => connectCrm(ctx.core, input as never)),
  testConnection: staffProcedure('crm.manage').mutation(({ ctx }) => testCrmConnection(ctx.core)),
  disconnect: staffProcedure('crm.manage').mutation(({ ctx }) => disconnectCrm(ctx.core)),
  updateMapping: staffProcedure('crm.manage')
    .input(loose)
    .mutation(({ ctx, input }) => updateCrmMapping(ctx.core, input as never)),
  stages: staffProcedure('crm.manage').query(({ ctx }) => listCrmStages(ctx.core)),
  preview: staffProcedure('crm.view')
    .input(z.object({ limit: z.number().int().min(1).max(50).optional() }).optional())
    .query(({ ctx, input }) => previewCrmSync(ctx.core, input ?? {})),
  syncNow: staffProcedure('crm.manage').mutation(({ ctx }) => syncCrmNow(ctx.core)),
  retryFailures: staffProcedure('crm.manage')
    .input(z.object({ registrationIds: z.array(z.string()).max(500).optional() }).optional())
    .mutation(({ ctx, input }) => retryCrmFailures(ctx.core, input ?? {})),
  run: staffProcedure('crm.view')
    .input(z.object({ runId: z.string() }))
    .query(({ ctx, input }) => getCrmSyncRun(ctx.core, input)),
})

import { closeDeal, listDeals, listDealsInput, moveDealStage, previewPartnerPipeline, setDealAttribution, updateDeal, updatePartnerSafeFields } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Field rules live in core (its messages reach the form); procedures check shapes only.
export const dealIdInput = z.object({ dealId: z.string() })

export const adminPipelineRouter = router({
  deals: staffProcedure('registrations.view')
    .input(listDealsInput.partial().optional())
    .query(({ ctx, input }) => listDeals(ctx.core, input ?? {})),
  previewAsPartner: staffProcedure('registrations.view')
    .input(z.object({ partnerId: z.string() }))
    .query(({ ctx, input }) => previewPartnerPipeline(ctx.core, input)),
  moveStage: staffProcedure('registrations.decide')
    .input(dealIdInput.extend({ stage: z.string() }))
    .mutation(({ ctx, input }) => moveDealStage(ctx.core, input)),
  updateDeal: staffProcedure('registrations.decide')
    .input(dealIdInput.extend({ amount: z.unknown(), currency: z.unknown(), expectedClose: z.unknown(), nextStep: z.unknown(), ownerUserId: z.unknown(), internalNotes: z.unknown(), discountPercent: z.unknown() }).partial().extend({ dealId: z.string() }))
    .mutation(({ ctx, input }) => updateDeal(ctx.core, input as never)),
  setAttribution: staffProcedure('registrations.decide')
    .input(dealIdInput.extend({ partners: z.array(z.object({ partnerId: z.string(), attribution: z.string(), percent: z.unknown(), contactRole: z.string().nullable().optional() })) }))
    .mutation(({ ctx, input }) => setDealAttribution(ctx.core, input as never)),
  closeDeal: staffProcedure('registrations.decide')
    .input(dealIdInput.extend({ outcome: z.enum(['won', 'lost']), reason: z.unknown().optional() }))
    .mutation(({ ctx, input }) => closeDeal(ctx.core, input as never)),
  updateSafeFields: staffProcedure('programme.manage')
    .input(z.object({ fields: z.array(z.string()) }))
    .mutation(({ ctx, input }) => updatePartnerSafeFields(ctx.core, input as never)),
})

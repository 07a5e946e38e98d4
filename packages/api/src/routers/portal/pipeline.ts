import { listPartnerPipeline, SHAREABLE_DEAL_FIELDS } from '@accord/core'
import { z } from 'zod'
import { partnerProcedure, router } from '../../trpc.js'

/**
 * The partner's pipeline: each deal's fields object may only carry keys from
 * the shareable list (and the tenant's safelist picks among them in core);
 * `.strict()` makes an unexpected key an error instead of a silent leak.
 */
const fieldValue = z.union([z.string(), z.number()]).nullable()
export const partnerPipelineOutput = z.object({
  safeFields: z.array(z.object({ key: z.enum(SHAREABLE_DEAL_FIELDS), label: z.string() })),
  deals: z.array(
    z.object({
      id: z.string(),
      customerName: z.string(),
      attribution: z.enum(['sourced', 'influenced']),
      attributionPercent: z.number(),
      fields: z.object(Object.fromEntries(SHAREABLE_DEAL_FIELDS.map((field) => [field, fieldValue.optional()])) as Record<(typeof SHAREABLE_DEAL_FIELDS)[number], z.ZodOptional<typeof fieldValue>>).strict(),
    }),
  ),
})

export const portalPipelineRouter = router({
  list: partnerProcedure.output(partnerPipelineOutput).query(({ ctx }) => listPartnerPipeline(ctx.core)),
})

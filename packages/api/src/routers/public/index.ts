import { checkSlugAvailability, describeRegistrationLink, getPublicTenant, suggestSlug } from '@accord/core'
import { z } from 'zod'
import { publicProcedure, router } from '../../trpc.js'

export const slugInput = z.object({ slug: z.string().max(100) })
export const slugAvailabilityOutput = z.object({ available: z.boolean(), slug: z.string(), reason: z.string().nullable() })
export const publicTenantOutput = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  status: z.string(),
  portalName: z.string(),
  logoUrl: z.string().nullable(),
  primaryColor: z.string(),
  supportEmail: z.string().nullable(),
})

export const registrationLinkOutput = z.object({
  partnerName: z.string(),
  vendorName: z.string(),
  brand: z.object({ name: z.string(), logoUrl: z.string().nullable(), primaryColor: z.string(), supportEmail: z.string().nullable() }),
  acceptsSubmissions: z.boolean(),
})

export const publicRouter = router({
  registrationLink: publicProcedure
    .input(z.object({ token: z.string().max(300) }))
    .output(registrationLinkOutput)
    .query(({ ctx, input }) => describeRegistrationLink(ctx.core, input)),
  slugAvailability: publicProcedure
    .input(slugInput)
    .output(slugAvailabilityOutput)
    .query(({ ctx, input }) => checkSlugAvailability(ctx.core, input)),
  suggestSlug: publicProcedure
    .input(z.object({ companyName: z.string().max(200) }))
    .output(z.object({ slug: z.string() }))
    .query(({ input }) => ({ slug: suggestSlug(input.companyName) })),
  tenant: publicProcedure
    .input(slugInput)
    .output(publicTenantOutput)
    .query(({ ctx, input }) => getPublicTenant(ctx.core, input)),
})

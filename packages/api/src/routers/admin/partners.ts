import { deactivatePartnerUser, reactivatePartnerUser, createPartner, createRegistrationLink, getPartnerEngagement, getRegistrationLinkStatus, revokeRegistrationLink, getPartner, listPartnerPeople, listPartners, listPartnersInput, setPartnerArchived, updatePartner } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Inputs stay loose here (z.unknown fields) where core owns the field rules, so
// core's messages reach the form; the procedure still rejects wrong shapes.
export const partnerIdInput = z.object({ partnerId: z.string() })
export const partnerFieldsInput = z.object({
  name: z.unknown(),
  type: z.unknown(),
  region: z.unknown().optional(),
  website: z.unknown().optional(),
  emailDomains: z.unknown().optional(),
  tier: z.unknown().optional(),
})

export const partnersRouter = router({
  list: staffProcedure('partners.view')
    .meta({ stripControlCharacters: ['search'] })
    .input(listPartnersInput.partial().optional())
    .query(({ ctx, input }) => listPartners(ctx.core, input ?? {})),
  get: staffProcedure('partners.view')
    .input(partnerIdInput)
    .query(({ ctx, input }) => getPartner(ctx.core, input)),
  people: staffProcedure('partners.view')
    .input(partnerIdInput)
    .query(({ ctx, input }) => listPartnerPeople(ctx.core, input)),
  engagement: staffProcedure('partners.view')
    .input(partnerIdInput.extend({ days: z.number().int().optional() }))
    .query(({ ctx, input }) => getPartnerEngagement(ctx.core, input)),
  create: staffProcedure('partners.manage')
    .input(partnerFieldsInput)
    .mutation(({ ctx, input }) => createPartner(ctx.core, input as never)),
  update: staffProcedure('partners.manage')
    .input(partnerFieldsInput.extend({ partnerId: z.string() }))
    .mutation(({ ctx, input }) => updatePartner(ctx.core, input as never)),
  deactivateUser: staffProcedure('partners.manage')
    .input(z.object({ userId: z.string() }))
    .mutation(({ ctx, input }) => deactivatePartnerUser(ctx.core, input)),
  reactivateUser: staffProcedure('partners.manage')
    .input(z.object({ userId: z.string() }))
    .mutation(({ ctx, input }) => reactivatePartnerUser(ctx.core, input)),
  archive: staffProcedure('partners.manage')
    .input(partnerIdInput)
    .mutation(({ ctx, input }) => setPartnerArchived(ctx.core, { partnerId: input.partnerId, archived: true })),
  registrationLink: staffProcedure('partners.view')
    .input(partnerIdInput)
    .query(({ ctx, input }) => getRegistrationLinkStatus(ctx.core, input)),
  createRegistrationLink: staffProcedure('partners.manage')
    .input(partnerIdInput)
    .mutation(({ ctx, input }) => createRegistrationLink(ctx.core, input)),
  revokeRegistrationLink: staffProcedure('partners.manage')
    .input(z.object({ linkId: z.string() }))
    .mutation(({ ctx, input }) => revokeRegistrationLink(ctx.core, input)),
  restore: staffProcedure('partners.manage')
    .input(partnerIdInput)
    .mutation(({ ctx, input }) => setPartnerArchived(ctx.core, { partnerId: input.partnerId, archived: false })),
})

import { getPortalHome } from '@accord/core'
import { z } from 'zod'
import { partnerProcedure, router } from '../../trpc.js'
import { portalAnnouncementsRouter } from './announcements.js'
import { portalPipelineRouter } from './pipeline.js'
import { portalProgrammePagesRouter } from './programme-pages.js'
import { portalRegistrationsRouter } from './registrations.js'
import { portalResourcesRouter } from './resources.js'
import { portalTeamRouter } from './team.js'

/**
 * Output schemas on portal procedures are strict allow-lists: anything not
 * named here is stripped, so a core change cannot leak a field to partners.
 */
export const portalHomeOutput = z.object({
  vendor: z.object({ name: z.string(), portalName: z.string(), logoUrl: z.string().nullable(), primaryColor: z.string(), supportEmail: z.string().nullable() }),
  partner: z.object({ id: z.string(), name: z.string(), type: z.string(), typeLabel: z.string(), region: z.string().nullable() }),
  user: z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string(), roleLabel: z.string(), hasPassword: z.boolean() }),
  firstSteps: z.array(z.object({ id: z.string(), title: z.string(), description: z.string(), done: z.boolean(), href: z.string().nullable() })),
  unreadAnnouncements: z.number(),
})

export const portalRouter = router({
  home: partnerProcedure
    .input(z.object({ openingAnnouncementId: z.string().max(100).nullish() }).optional())
    .output(portalHomeOutput)
    .query(({ ctx, input }) => getPortalHome(ctx.core, input ?? {})),
  registrations: portalRegistrationsRouter,
  pipeline: portalPipelineRouter,
  programmePages: portalProgrammePagesRouter,
  announcements: portalAnnouncementsRouter,
  resources: portalResourcesRouter,
  team: portalTeamRouter,
})

import { createLinkResource, deleteResource, getResourceForStaff, listResourcesForStaff, listResourceTagSuggestions, setResourceArchived, updateResource } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Field rules live in core (its messages reach the form); procedures check shapes only.
// File uploads and downloads are Remix routes calling core directly: bytes do not travel through tRPC.
const loose = z.record(z.unknown())
const byId = z.object({ resourceId: z.string() })

export const adminResourcesRouter = router({
  list: staffProcedure('resources.view')
    .meta({ stripControlCharacters: ['q'] })
    .input(z.object({ q: z.string().optional(), status: z.string().optional() }).optional())
    .query(({ ctx, input }) => listResourcesForStaff(ctx.core, (input ?? {}) as never)),
  get: staffProcedure('resources.view')
    .input(byId)
    .query(({ ctx, input }) => getResourceForStaff(ctx.core, input)),
  tagSuggestions: staffProcedure('resources.view').query(({ ctx }) => listResourceTagSuggestions(ctx.core)),
  createLink: staffProcedure('resources.manage')
    .input(loose)
    .mutation(({ ctx, input }) => createLinkResource(ctx.core, input)),
  update: staffProcedure('resources.manage')
    .input(loose)
    .mutation(({ ctx, input }) => updateResource(ctx.core, input)),
  setArchived: staffProcedure('resources.manage')
    .input(z.object({ resourceId: z.string(), archived: z.boolean() }))
    .mutation(({ ctx, input }) => setResourceArchived(ctx.core, input)),
  delete: staffProcedure('resources.manage')
    .input(byId)
    .mutation(({ ctx, input }) => deleteResource(ctx.core, input)),
})

import { getPublishedProgrammePage, listPublishedProgrammePages } from '@accord/core'
import { z } from 'zod'
import { partnerProcedure, router } from '../../trpc.js'

/** Allow-lists: published pages only, and only what a reader needs (no ids, authors, status or positions). */
const listOutput = z.array(z.object({ title: z.string(), slug: z.string(), updatedAt: z.date(), excerpt: z.string() }))
const pageOutput = z.object({
  title: z.string(),
  slug: z.string(),
  bodyHtml: z.string(),
  headings: z.array(z.object({ id: z.string(), level: z.union([z.literal(2), z.literal(3)]), text: z.string() })),
  updatedAt: z.date(),
})

export const portalProgrammePagesRouter = router({
  list: partnerProcedure.output(listOutput).query(({ ctx }) => listPublishedProgrammePages(ctx.core)),
  // A mutation: reading a page records that this person has read it.
  open: partnerProcedure
    .input(z.object({ slug: z.string().max(200) }))
    .output(pageOutput)
    .mutation(({ ctx, input }) => getPublishedProgrammePage(ctx.core, input)),
})

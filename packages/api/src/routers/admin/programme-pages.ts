import {
  createProgrammePagesFromTemplates,
  deleteProgrammePage,
  getProgrammePageForStaff,
  listProgrammePages,
  moveProgrammePage,
  publishProgrammePage,
  saveProgrammePage,
  unpublishProgrammePage,
} from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Field rules live in core (its messages reach the form); procedures check shapes only.
const loose = z.record(z.unknown())
const byId = z.object({ pageId: z.string() })

/** Programme rules pages: every staff role reads, owners and admins (programme.manage) write. */
export const adminProgrammePagesRouter = router({
  list: staffProcedure('workspace.view').query(({ ctx }) => listProgrammePages(ctx.core)),
  get: staffProcedure('workspace.view')
    .input(byId)
    .query(({ ctx, input }) => getProgrammePageForStaff(ctx.core, input)),
  save: staffProcedure('programme.manage')
    .meta({ stripControlCharacters: ['bodyHtml'] })
    .input(loose)
    .mutation(({ ctx, input }) => saveProgrammePage(ctx.core, input as never)),
  publish: staffProcedure('programme.manage')
    .input(byId)
    .mutation(({ ctx, input }) => publishProgrammePage(ctx.core, input)),
  unpublish: staffProcedure('programme.manage')
    .input(byId)
    .mutation(({ ctx, input }) => unpublishProgrammePage(ctx.core, input)),
  move: staffProcedure('programme.manage')
    .input(loose)
    .mutation(({ ctx, input }) => moveProgrammePage(ctx.core, input as never)),
  delete: staffProcedure('programme.manage')
    .input(byId)
    .mutation(({ ctx, input }) => deleteProgrammePage(ctx.core, input)),
  createFromTemplates: staffProcedure('programme.manage').mutation(({ ctx }) => createProgrammePagesFromTemplates(ctx.core)),
})

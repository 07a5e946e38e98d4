import { archiveAnnouncement, getAnnouncementForStaff, listAnnouncementReceipts, listAnnouncements, publishAnnouncement, retryAnnouncementFanout, saveAnnouncementDraft } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Field rules live in core (its messages reach the form); procedures check shapes only.
const loose = z.record(z.unknown())
const byId = z.object({ announcementId: z.string() })

export const adminAnnouncementsRouter = router({
  list: staffProcedure('announcements.view').query(({ ctx }) => listAnnouncements(ctx.core)),
  get: staffProcedure('announcements.view')
    .input(byId)
    .query(({ ctx, input }) => getAnnouncementForStaff(ctx.core, input)),
  receipts: staffProcedure('announcements.view')
    .input(byId)
    .query(({ ctx, input }) => listAnnouncementReceipts(ctx.core, input)),
  save: staffProcedure('announcements.manage')
    .meta({ stripControlCharacters: ['bodyHtml'] })
    .input(loose)
    .mutation(({ ctx, input }) => saveAnnouncementDraft(ctx.core, input as never)),
  publish: staffProcedure('announcements.manage')
    .input(loose)
    .mutation(({ ctx, input }) => publishAnnouncement(ctx.core, input as never)),
  archive: staffProcedure('announcements.manage')
    .input(byId)
    .mutation(({ ctx, input }) => archiveAnnouncement(ctx.core, input)),
  retryFanout: staffProcedure('announcements.manage')
    .input(byId)
    .mutation(({ ctx, input }) => retryAnnouncementFanout(ctx.core, input)),
})

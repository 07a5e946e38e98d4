import { acknowledgeMyAnnouncement, listMyAnnouncements, openMyAnnouncement } from '@accord/core'
import { z } from 'zod'
import { partnerProcedure, router } from '../../trpc.js'

/** Allow-lists: partners get the announcement and their own receipt, nothing about who else got it. */
const feedOutput = z.object({
  unread: z.number(),
  toAcknowledge: z.number(),
  announcements: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      excerpt: z.string(),
      published_at: z.date().nullable(),
      ack_required: z.boolean(),
      ack_due_at: z.date().nullable(),
      opened_at: z.date().nullable(),
      acknowledged_at: z.date().nullable(),
    }),
  ),
})
const announcementOutput = z.object({
  id: z.string(),
  title: z.string(),
  body_html: z.string(),
  published_at: z.date().nullable(),
  ack_required: z.boolean(),
  ack_due_at: z.date().nullable(),
  opened_at: z.date().nullable(),
  acknowledged_at: z.date().nullable(),
})
const byId = z.object({ announcementId: z.string() })

export const portalAnnouncementsRouter = router({
  feed: partnerProcedure.output(feedOutput).query(({ ctx }) => listMyAnnouncements(ctx.core)),
  open: partnerProcedure
    .input(byId)
    .output(announcementOutput)
    .mutation(({ ctx, input }) => openMyAnnouncement(ctx.core, input)),
  acknowledge: partnerProcedure
    .input(byId)
    .output(z.object({ acknowledgedAt: z.date().nullable(), already: z.boolean() }))
    .mutation(({ ctx, input }) => acknowledgeMyAnnouncement(ctx.core, input)),
})

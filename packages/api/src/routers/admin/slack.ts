import { connectSlack, disconnectSlack, getSlackSettings, removePartnerSlackChannel, setPartnerSlackChannel, testSlackConnection } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Field rules live in core (its messages reach the form); procedures check shapes only.
const loose = z.record(z.unknown())

export const adminSlackRouter = router({
  settings: staffProcedure('slack.manage').query(({ ctx }) => getSlackSettings(ctx.core)),
  connect: staffProcedure('slack.manage')
    .input(loose)
    .mutation(({ ctx, input }) => connectSlack(ctx.core, input as never)),
  test: staffProcedure('slack.manage').mutation(({ ctx }) => testSlackConnection(ctx.core)),
  disconnect: staffProcedure('slack.manage').mutation(({ ctx }) => disconnectSlack(ctx.core)),
  setPartnerChannel: staffProcedure('slack.manage')
    .input(loose)
    .mutation(({ ctx, input }) => setPartnerSlackChannel(ctx.core, input as never)),
  removePartnerChannel: staffProcedure('slack.manage')
    .input(z.object({ partnerId: z.string() }))
    .mutation(({ ctx, input }) => removePartnerSlackChannel(ctx.core, input)),
})

import {
  createRegistrationImport,
  getRegistrationImport,
  listRegistrationImports,
  registrationImportResultCsv,
  startRegistrationImport,
  approveRegistration,
  bulkDecideInput,
  bulkDecideRegistrations,
  closeRegistration,
  extendProtection,
  getRegistrationForStaff,
  listReviewQueue,
  precheckRegistration,
  precheckRegistrationInput,
  rejectRegistration,
  rejectRegistrationInput,
  requestRegistrationInfo,
  requestRegistrationInfoInput,
  reviewQueueInput,
  startReview,
  startReviewInput,
  submitRegistrationOnBehalf,
} from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

// Field rules live in core (its messages reach the form); procedures check shapes only.
export const registrationIdInput = z.object({ registrationId: z.string() })
export const onBehalfInput = z.object({ partnerId: z.unknown(), fields: z.record(z.unknown()) })

export const importIdInput = z.object({ importId: z.string() })
export const createImportShape = z.object({ fileName: z.string().max(300), contentBase64: z.string(), partnerId: z.string().optional() })
export const startImportShape = z.object({ importId: z.string(), mapping: z.record(z.union([z.number(), z.string()])), consentConfirmed: z.unknown().optional() })

export const adminRegistrationsRouter = router({
  imports: staffProcedure('registrations.view').query(({ ctx }) => listRegistrationImports(ctx.core)),
  importDetail: staffProcedure('registrations.view')
    .input(importIdInput.extend({ rows: z.enum(['all', 'problems', 'none']).optional() }))
    .query(({ ctx, input }) => getRegistrationImport(ctx.core, input)),
  importResultCsv: staffProcedure('registrations.view')
    .input(importIdInput)
    .query(({ ctx, input }) => registrationImportResultCsv(ctx.core, input)),
  createImport: staffProcedure('registrations.decide')
    .input(createImportShape)
    .mutation(({ ctx, input }) => createRegistrationImport(ctx.core, input)),
  startImport: staffProcedure('registrations.decide')
    .input(startImportShape)
    .mutation(({ ctx, input }) => startRegistrationImport(ctx.core, input as never)),
  queue: staffProcedure('registrations.view')
    .meta({ stripControlCharacters: ['search'] })
    .input(reviewQueueInput.partial().optional())
    .query(({ ctx, input }) => listReviewQueue(ctx.core, input ?? {})),
  get: staffProcedure('registrations.view')
    .input(registrationIdInput)
    .query(({ ctx, input }) => getRegistrationForStaff(ctx.core, input)),
  precheck: staffProcedure('registrations.view')
    .input(precheckRegistrationInput.partial())
    .query(({ ctx, input }) => precheckRegistration(ctx.core, input)),
  submitOnBehalf: staffProcedure('registrations.decide')
    .input(onBehalfInput)
    .mutation(({ ctx, input }) => submitRegistrationOnBehalf(ctx.core, input as never)),
  startReview: staffProcedure('registrations.decide')
    .input(startReviewInput)
    .mutation(({ ctx, input }) => startReview(ctx.core, input)),
  approve: staffProcedure('registrations.decide')
    .input(z.object({ registrationId: z.string(), protectionDays: z.unknown().optional(), note: z.unknown().optional(), conflictResolution: z.unknown().optional() }))
    .mutation(({ ctx, input }) => approveRegistration(ctx.core, input as never)),
  reject: staffProcedure('registrations.decide')
    .input(rejectRegistrationInput.partial().extend({ registrationId: z.string() }))
    .mutation(({ ctx, input }) => rejectRegistration(ctx.core, input as never)),
  requestInfo: staffProcedure('registrations.decide')
    .input(requestRegistrationInfoInput.partial().extend({ registrationId: z.string() }))
    .mutation(({ ctx, input }) => requestRegistrationInfo(ctx.core, input as never)),
  close: staffProcedure('registrations.decide')
    .input(z.object({ registrationId: z.string(), outcome: z.enum(['won', 'lost']), reason: z.unknown().optional() }))
    .mutation(({ ctx, input }) => closeRegistration(ctx.core, input as never)),
  extend: staffProcedure('registrations.decide')
    .input(z.object({ registrationId: z.string(), days: z.unknown().optional(), reason: z.unknown().optional() }))
    .mutation(({ ctx, input }) => extendProtection(ctx.core, input as never)),
  bulkDecide: staffProcedure('registrations.decide')
    .input(bulkDecideInput.partial())
    .mutation(({ ctx, input }) => bulkDecideRegistrations(ctx.core, input as never)),
})

import {
  createRegistrationLink,
  getRegistrationLinkStatus,
  revokeRegistrationLink,
  createRegistrationImport,
  getRegistrationImport,
  listRegistrationImports,
  registrationImportResultCsv,
  startRegistrationImport,
  answerInfoRequest,
  answerInfoRequestInput,
  appealRejection,
  appealRejectionInput,
  getMyRegistration,
  listMyRegistrations,
  listMyRegistrationsInput,
  logNextStep,
  logNextStepInput,
  precheckRegistration,
  requestExtensionInput,
  requestProtectionExtension,
  submitRegistration,
} from '@accord/core'
import { z } from 'zod'
import { partnerProcedure, router } from '../../trpc.js'

/**
 * Output allow-lists: a partner gets exactly these fields of their own
 * registrations. Staff notes, conflict evidence, other partners and internal
 * deal fields are not named here, so they cannot reach a partner even if core
 * returned them.
 */
const verdict = z.enum(['clear', 'possible_conflict', 'needs_review'])
export const partnerRegistrationOutput = z.object({
  id: z.string(),
  caseReference: z.string(),
  kind: z.enum(['lead', 'deal']),
  status: z.string(),
  companyName: z.string(),
  domain: z.string().nullable(),
  website: z.string().nullable(),
  contactName: z.string(),
  contactEmail: z.string(),
  contactRole: z.string().nullable(),
  problem: z.string(),
  stageGuess: z.string(),
  region: z.string().nullable(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  expectedClose: z.string().nullable(),
  nextStep: z.string().nullable(),
  verdict,
  infoRequest: z.string().nullable(),
  rejectionReason: z.string().nullable(),
  protectionEndsAt: z.date().nullable(),
  decidedAt: z.date().nullable(),
  extensionCount: z.number(),
  extensionRequested: z.boolean(),
  appealed: z.boolean(),
  createdAt: z.date(),
})
export const partnerRegistrationDetailOutput = z.object({
  registration: partnerRegistrationOutput,
  timeline: z.array(z.object({ id: z.string(), type: z.string(), toStatus: z.string().nullable(), by: z.string(), note: z.string().nullable(), at: z.date() })),
  canAnswer: z.boolean(),
  canLogNextStep: z.boolean(),
  canExtendAutomatically: z.boolean(),
  canRequestExtension: z.boolean(),
  appealUntil: z.date().nullable(),
  policy: z.object({ extensionDays: z.number(), maxExtensions: z.number() }),
})
export const partnerReceiptOutput = z.object({ registrationId: z.string(), caseReference: z.string(), status: z.string(), verdict, message: z.string() })
export const partnerPrecheckOutput = z.object({ ready: z.boolean(), verdict: verdict.nullable(), message: z.string() })
export const precheckInput = z.object({
  companyName: z.string().max(200).optional(),
  website: z.string().max(300).optional(),
  contactEmail: z.string().max(254).optional(),
  region: z.string().max(80).optional(),
  productInterest: z.string().max(2000).optional(),
})

const importStatus = z.enum(['draft', 'queued', 'running', 'succeeded', 'failed'])
export const partnerImportOutput = z.object({
  id: z.string(),
  fileName: z.string(),
  encoding: z.string(),
  delimiter: z.string(),
  headers: z.array(z.string()),
  rowCount: z.number(),
  mapping: z.record(z.number()),
  consentConfirmed: z.boolean(),
  status: importStatus,
  progress: z.object({ done: z.number(), total: z.number(), message: z.string().nullable() }),
  counts: z.object({ accepted: z.number(), rejected: z.number(), conflicts: z.number() }),
  error: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  preview: z.array(z.object({ line: z.number(), cells: z.array(z.string()) })),
  rows: z.array(z.object({ line: z.number(), verdict: z.enum(['accepted', 'rejected', 'conflict']), reason: z.string(), companyName: z.string().nullable(), registrationId: z.string().nullable(), caseReference: z.string().nullable() })),
  fields: z.array(z.object({ key: z.string(), label: z.string(), required: z.boolean() })),
})
export const partnerImportListOutput = z.array(z.object({ id: z.string(), fileName: z.string(), status: z.string(), rowCount: z.number(), accepted: z.number(), rejected: z.number(), conflicts: z.number(), createdAt: z.date() }))

export const portalRegistrationsRouter = router({
  link: partnerProcedure
    .output(z.object({ active: z.object({ linkId: z.string(), createdAt: z.date(), lastUsedAt: z.date().nullable(), submissions: z.number() }).nullable(), allowedDomains: z.array(z.string()) }))
    .query(({ ctx }) => getRegistrationLinkStatus(ctx.core)),
  createLink: partnerProcedure
    .output(z.object({ linkId: z.string(), url: z.string(), createdAt: z.date(), allowedDomains: z.array(z.string()), warning: z.string().nullable() }))
    .mutation(({ ctx }) => createRegistrationLink(ctx.core)),
  revokeLink: partnerProcedure
    .input(z.object({ linkId: z.string() }))
    .output(z.object({ revoked: z.boolean() }))
    .mutation(({ ctx, input }) => revokeRegistrationLink(ctx.core, input)),
  imports: partnerProcedure.output(partnerImportListOutput).query(({ ctx }) => listRegistrationImports(ctx.core)),
  importDetail: partnerProcedure
    .input(z.object({ importId: z.string(), rows: z.enum(['all', 'problems', 'none']).optional() }))
    .output(partnerImportOutput)
    .query(({ ctx, input }) => getRegistrationImport(ctx.core, input)),
  importResultCsv: partnerProcedure
    .input(z.object({ importId: z.string() }))
    .output(z.object({ fileName: z.string(), csv: z.string() }))
    .query(({ ctx, input }) => registrationImportResultCsv(ctx.core, input)),
  createImport: partnerProcedure
    .input(z.object({ fileName: z.string().max(300), contentBase64: z.string() }))
    .output(z.object({ importId: z.string() }))
    .mutation(({ ctx, input }) => createRegistrationImport(ctx.core, input)),
  startImport: partnerProcedure
    .input(z.object({ importId: z.string(), mapping: z.record(z.union([z.number(), z.string()])), consentConfirmed: z.unknown().optional() }))
    .output(z.object({ importId: z.string(), status: z.string() }))
    .mutation(({ ctx, input }) => startRegistrationImport(ctx.core, input as never)),
  list: partnerProcedure
    .meta({ stripControlCharacters: ['search'] })
    .input(listMyRegistrationsInput.partial().optional())
    .output(z.array(partnerRegistrationOutput))
    .query(({ ctx, input }) => listMyRegistrations(ctx.core, input ?? {})),
  get: partnerProcedure
    .input(z.object({ registrationId: z.string() }))
    .output(partnerRegistrationDetailOutput)
    .query(({ ctx, input }) => getMyRegistration(ctx.core, input)),
  precheck: partnerProcedure
    .input(precheckInput)
    .output(partnerPrecheckOutput)
    .query(({ ctx, input }) => precheckRegistration(ctx.core, input)),
  submit: partnerProcedure
    .input(z.object({ fields: z.record(z.unknown()) }))
    .output(partnerReceiptOutput)
    .mutation(({ ctx, input }) => submitRegistration(ctx.core, input)),
  answerInfo: partnerProcedure
    .input(answerInfoRequestInput.partial().extend({ registrationId: z.string() }))
    .output(z.object({ registrationId: z.string(), status: z.string() }))
    .mutation(({ ctx, input }) => answerInfoRequest(ctx.core, input as never)),
  logNextStep: partnerProcedure
    .input(logNextStepInput.partial().extend({ registrationId: z.string() }))
    .output(z.object({ registrationId: z.string(), extended: z.boolean(), protectionEndsAt: z.date().nullable() }))
    .mutation(({ ctx, input }) => logNextStep(ctx.core, input as never)),
  requestExtension: partnerProcedure
    .input(requestExtensionInput.partial().extend({ registrationId: z.string() }))
    .output(z.object({ registrationId: z.string(), requested: z.boolean() }))
    .mutation(({ ctx, input }) => requestProtectionExtension(ctx.core, input as never)),
  appeal: partnerProcedure
    .input(appealRejectionInput.partial().extend({ registrationId: z.string() }))
    .output(z.object({ registrationId: z.string(), status: z.string() }))
    .mutation(({ ctx, input }) => appealRejection(ctx.core, input as never)),
})

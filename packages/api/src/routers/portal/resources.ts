import { openResourceLink, searchResources, viewResource } from '@accord/core'
import { z } from 'zod'
import { partnerProcedure, router } from '../../trpc.js'

/**
 * Allow-lists: a partner gets the resource and its public metadata; never
 * visibility lists (which tiers see what), storage keys, extracted text or
 * who else viewed it.
 */
const tags = { motions: z.array(z.string()), industries: z.array(z.string()), useCases: z.array(z.string()) }
const facet = z.array(z.object({ value: z.string(), label: z.string(), count: z.number() }))
export const resourceSearchOutput = z.object({
  query: z.object({ q: z.string(), contentType: z.string().optional(), motion: z.string().optional(), industry: z.string().optional(), useCase: z.string().optional(), page: z.number() }),
  total: z.number(),
  page: z.number(),
  pageCount: z.number(),
  libraryIsEmpty: z.boolean(),
  results: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['file', 'link']),
      title: z.string(),
      description: z.string(),
      contentType: z.string(),
      contentTypeLabel: z.string(),
      ...tags,
      fileLabel: z.string().nullable(),
      fileBytes: z.number().nullable(),
      linkHost: z.string().nullable(),
      publishedAt: z.date().nullable(),
      isNew: z.boolean(),
      snippet: z.array(z.object({ text: z.string(), match: z.boolean() })),
    }),
  ),
  facets: z.object({ contentTypes: facet, motions: facet, industries: facet, useCases: facet }),
})
export const resourceDetailOutput = z.object({
  id: z.string(),
  kind: z.enum(['file', 'link']),
  title: z.string(),
  description: z.string(),
  contentType: z.string(),
  contentTypeLabel: z.string(),
  ...tags,
  // No original file name: uploaders' names ("…_CONFIDENTIAL_v3.pdf") are not for partners; downloads are named by the title.
  fileLabel: z.string().nullable(),
  fileBytes: z.number().nullable(),
  previewInline: z.boolean(),
  previewKind: z.enum(['pdf', 'image']).nullable(),
  url: z.string().nullable(),
  publishedAt: z.date().nullable(),
  updatedAt: z.date(),
})
const byId = z.object({ resourceId: z.string() })

export const portalResourcesRouter = router({
  search: partnerProcedure
    .meta({ stripControlCharacters: ['q'] })
    .input(z.record(z.unknown()).optional())
    .output(resourceSearchOutput)
    .query(({ ctx, input }) => searchResources(ctx.core, input ?? {})),
  // Mutations: opening a resource records a view, following a link records the visit.
  view: partnerProcedure
    .input(byId)
    .output(resourceDetailOutput)
    .mutation(({ ctx, input }) => viewResource(ctx.core, input)),
  openLink: partnerProcedure
    .input(byId)
    .output(z.object({ url: z.string() }))
    .mutation(({ ctx, input }) => openResourceLink(ctx.core, input)),
})

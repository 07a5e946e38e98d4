/** The programme rules pages live under the resource library. */
export const RULES_PATH = '/resources/rules'

export const PROGRAMME_PAGE_FIELDS = ['title', 'slug', 'bodyHtml'] as const

export const PROGRAMME_PAGE_NOTICES: Record<string, string> = {
  created: 'Draft created. Partners see it once you publish it.',
  saved: 'Draft saved.',
  updated: 'Changes saved; partners see them now.',
  published: 'Published: partners can read it in the portal.',
  unpublished: 'Unpublished: partners no longer see it.',
}

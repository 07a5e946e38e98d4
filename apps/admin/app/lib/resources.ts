/**
 * Pure helpers of the resource library pages: labels, reading the resource
 * form, sizes. Free of server imports so they can be tested alone.
 */

export const CONTENT_TYPE_OPTIONS = [
  { value: 'battle_card', label: 'Battle card' },
  { value: 'demo_script', label: 'Demo script' },
  { value: 'objection_handling', label: 'Objection handling' },
  { value: 'price_guide', label: 'Price & packaging guide' },
  { value: 'case_study', label: 'Case study' },
  { value: 'roi_one_pager', label: 'ROI one-pager' },
  { value: 'sow_checklist', label: 'SOW checklist' },
  { value: 'integration_deck', label: 'Integration deck' },
] as const

export const MOTION_OPTIONS = [
  { value: 'referral', label: 'Referral' },
  { value: 'reseller', label: 'Resell' },
  { value: 'marketplace', label: 'Marketplace' },
  { value: 'services', label: 'Services' },
  { value: 'technology', label: 'Technology' },
] as const

export function contentTypeLabel(value: string): string {
  return CONTENT_TYPE_OPTIONS.find((option) => option.value === value)?.label ?? value
}

export function motionLabel(value: string): string {
  return MOTION_OPTIONS.find((option) => option.value === value)?.label ?? value
}

/** Form fields whose server messages are shown next to them. */
export const RESOURCE_FIELDS = ['title', 'description', 'contentType', 'motions', 'industries', 'useCases', 'visibleTiers', 'visibleMotions', 'status', 'url', 'file'] as const

export interface ResourceSubmission {
  /** What core gets (lists as arrays, tags as comma-separated text core splits). */
  input: {
    title: string
    description: string
    contentType: string
    motions: string[]
    industries: string
    useCases: string
    visibleTiers: string[]
    visibleMotions: string[]
    status: string
    url?: string
  }
  /** What the form shows again after an error (lists one per line). */
  values: Record<string, string>
}

/** The resource form's fields (files are read separately). */
export function readResourceForm(form: FormData): ResourceSubmission {
  const text = (name: string) => {
    const value = form.get(name)
    return typeof value === 'string' ? value : ''
  }
  const list = (name: string) => form.getAll(name).filter((value): value is string => typeof value === 'string' && value !== '')
  const input: ResourceSubmission['input'] = {
    title: text('title'),
    description: text('description'),
    contentType: text('contentType'),
    motions: list('motions'),
    industries: text('industries'),
    useCases: text('useCases'),
    visibleTiers: list('visibleTiers'),
    visibleMotions: list('visibleMotions'),
    status: text('status') || 'published',
  }
  if (form.has('url')) input.url = text('url')
  const values: Record<string, string> = {
    title: input.title,
    description: input.description,
    contentType: input.contentType,
    motions: input.motions.join('\n'),
    industries: input.industries,
    useCases: input.useCases,
    visibleTiers: input.visibleTiers.join('\n'),
    visibleMotions: input.visibleMotions.join('\n'),
    status: input.status,
    kind: text('kind'),
    ...(input.url !== undefined ? { url: input.url } : {}),
  }
  return { input, values }
}

/** 2048 → "2 KB", 3_500_000 → "3.3 MB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—'
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** "Everyone", "Gold · Referral" — who can see a resource. */
export function visibilitySummary(tiers: readonly string[], motions: readonly string[]): string {
  if (tiers.length === 0 && motions.length === 0) return 'All partners'
  const parts = []
  if (tiers.length) parts.push(`Tiers: ${tiers.join(', ')}`)
  if (motions.length) parts.push(`Motions: ${motions.map(motionLabel).join(', ')}`)
  return parts.join(' · ')
}

export function resourceStatus(status: string): { label: string; tone: 'success' | 'warning' | undefined } {
  if (status === 'published') return { label: 'Published', tone: 'success' }
  if (status === 'draft') return { label: 'Draft', tone: 'warning' }
  if (status === 'archived') return { label: 'Archived', tone: undefined }
  return { label: status, tone: undefined }
}

export function extractionLabel(status: string): string | null {
  if (status === 'pending') return 'Indexing text for search…'
  if (status === 'failed') return 'Text could not be read for search'
  if (status === 'done') return 'Searchable, including its text'
  return null
}

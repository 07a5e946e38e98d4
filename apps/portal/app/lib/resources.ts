/** Pure helpers of the portal's library pages (tested alone). */

export const FACET_PARAMS = ['contentType', 'motion', 'industry', 'useCase'] as const
export type FacetParam = (typeof FACET_PARAMS)[number]

/**
 * The library address with some parameters changed (`null` removes one).
 * Changing a filter or the words goes back to page 1.
 */
export function libraryHref(base: string, current: Partial<Record<string, string | number | undefined>>, changes: Record<string, string | null>): string {
  const params = new URLSearchParams()
  for (const name of ['q', ...FACET_PARAMS, 'page']) {
    const value = current[name]
    if (value !== undefined && value !== '' && !(name === 'page' && Number(value) <= 1)) params.set(name, String(value))
  }
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === '') params.delete(name)
    else params.set(name, value)
  }
  if (!('page' in changes)) params.delete('page')
  if (params.get('page') === '1') params.delete('page')
  const search = params.toString()
  return search ? `${base}?${search}` : base
}

/** 2048 → "2 KB", 3_500_000 → "3.3 MB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return ''
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

const MOTION_LABELS: Record<string, string> = { referral: 'Referral', reseller: 'Resell', marketplace: 'Marketplace', services: 'Services', technology: 'Technology' }

/** `reseller` → "Resell" (the facet's wording). */
export function motionLabel(motion: string): string {
  return MOTION_LABELS[motion] ?? motion
}

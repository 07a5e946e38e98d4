import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listReviewQueue } from '../registrations/review.js'
import { findTenantBySlug } from '../tenants/lookup.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { DEMO, seedDemoTenant } from './demo.js'

let deps: TestDeps
beforeAll(async () => {
  deps = await createTestDeps()
})
afterAll(async () => {
  await deps.close()
})

describe('demo seed', () => {
  it('creates Northwind once, with registrations in several states and one active conflict', async () => {
    expect(await seedDemoTenant(deps)).toEqual({ created: true })
    expect(await seedDemoTenant(deps)).toEqual({ created: false })
    const tenant = await findTenantBySlug(deps.db, DEMO.slug)
    const owner = await deps.ownerDb.selectFrom('users').select('id').where('email', '=', DEMO.owner.email).executeTakeFirstOrThrow()
    const ctx = { ...deps, actor: { kind: 'staff' as const, tenantId: tenant?.id ?? '', userId: owner.id, role: 'owner' as const } }
    const all = await listReviewQueue(ctx, { view: 'all' })
    expect(all.map((row) => row.status).sort()).toEqual(['approved', 'info_requested', 'submitted', 'submitted'])
    expect(all.find((row) => row.companyName === 'Blue Yonder Airlines Ltd')?.conflictStatus).toBe('active')
    const pages = await deps.ownerDb.selectFrom('programme_pages').select(['slug', 'status']).where('tenant_id', '=', tenant?.id ?? '').orderBy('position').execute()
    expect(pages).toEqual(['conflict-policy', 'territories', 'price-bands'].map((slug) => ({ slug, status: 'published' })))
    // The library: three files waiting for the worker's text extraction, one link; the price list only for Select and Elite.
    const resources = await deps.ownerDb.selectFrom('resources').select(['title', 'kind', 'extraction_status', 'visible_tiers']).where('tenant_id', '=', tenant?.id ?? '').orderBy('title').execute()
    expect(resources.map((row) => [row.kind, row.extraction_status])).toEqual([
      ['file', 'pending'],
      ['link', 'none'],
      ['file', 'pending'],
      ['file', 'pending'],
    ])
    expect(resources.find((row) => row.title === 'Partner price list 2027')?.visible_tiers).toEqual(['Select', 'Elite'])
  })
})

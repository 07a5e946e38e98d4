import { randomBytes } from 'node:crypto'
import { sql } from '@accord/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../errors.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { checkSlugAvailability } from './lookup.js'
import { signUpVendor } from './sign-up.js'
import { suggestSlug } from './slug.js'

let deps: TestDeps
beforeAll(async () => {
  deps = await createTestDeps()
})
afterAll(async () => {
  await deps.close()
})

const fresh = () => randomBytes(3).toString('hex')
const valid = () => {
  const id = fresh()
  return { companyName: `Acme ${id}`, slug: `acme-${id}`, ownerName: 'Ada Owner', email: `ada-${id}@acme.example`, password: 'correct horse battery' }
}

async function fieldErrorsOf(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AppError && error.code === 'VALIDATION' && error.fieldErrors) return error.fieldErrors
    throw error
  }
  throw new Error('expected a validation error')
}

async function tenantCount() {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from tenants`.execute(deps.ownerDb)
  return rows[0]?.n ?? 0
}

describe('vendor sign-up', () => {
  it('creates workspace, owner, default programme settings, verification e-mail and a queued job', async () => {
    const input = valid()
    const result = await signUpVendor(deps, input)
    const tenant = await deps.ownerDb.selectFrom('tenants').selectAll().where('id', '=', result.tenantId).executeTakeFirstOrThrow()
    expect(tenant.slug).toBe(input.slug)
    expect(tenant.settings).toMatchObject({ registration: { decisionSlaHours: 48, protectionWindowDays: 90, expiryReminderDays: 7 } })
    const owner = await deps.ownerDb.selectFrom('users').selectAll().where('id', '=', result.userId).executeTakeFirstOrThrow()
    expect(owner).toMatchObject({ kind: 'staff', staff_role: 'owner', email: input.email, email_verified_at: null })
    expect(owner.password_hash).toMatch(/^scrypt\$/)
    const outbox = await deps.ownerDb.selectFrom('email_outbox').selectAll().where('tenant_id', '=', result.tenantId).execute()
    expect(outbox).toHaveLength(1)
    expect(outbox[0]?.html).toContain('/verify-email/')
    const { rows: jobs } = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'email.send' and data->>'outboxId' = ${outbox[0]?.id}`.execute(deps.ownerDb)
    expect(jobs[0]?.n).toBe(1)
  })

  it('refuses a taken slug with a field error and writes nothing', async () => {
    const first = valid()
    await signUpVendor(deps, first)
    const before = await tenantCount()
    const errors = await fieldErrorsOf(signUpVendor(deps, { ...valid(), slug: first.slug.toUpperCase() }))
    expect(errors.slug).toEqual(['This address is already taken.'])
    expect(await tenantCount()).toBe(before)
  })

  it.each([
    ['admin', 'This address is reserved; choose another.'],
    ['ab', 'Use at least 3 characters.'],
    ['acme_corp', 'Use only lowercase letters, digits and hyphens.'],
    ['-acme', 'Start and end with a letter or digit.'],
    ['acme--corp', 'Avoid two hyphens in a row.'],
  ])('refuses slug %s: %s', async (slug, message) => {
    const errors = await fieldErrorsOf(signUpVendor(deps, { ...valid(), slug }))
    expect(errors.slug).toContain(message)
  })

  it('names every bad field at once: invalid e-mail, weak password, 10,000-character names', async () => {
    const before = await tenantCount()
    const errors = await fieldErrorsOf(signUpVendor(deps, { ...valid(), email: 'not-an-email', password: 'short', companyName: 'x'.repeat(10_000), ownerName: 'y'.repeat(10_000) }))
    expect(errors.email).toEqual(['Enter a valid e-mail address, like name@company.com.'])
    expect(errors.password?.[0]).toBe('Use at least 10 characters.')
    expect(errors.companyName).toEqual(['Keep the name under 120 characters.'])
    expect(errors.ownerName).toEqual(['Keep the name under 120 characters.'])
    expect(await tenantCount()).toBe(before)
  })

  it('refuses common passwords', async () => {
    const errors = await fieldErrorsOf(signUpVendor(deps, { ...valid(), password: 'Password123' }))
    expect(errors.password).toEqual(['This password is too common; choose another.'])
  })

  it('accepts emoji and non-Latin names verbatim', async () => {
    const input = { ...valid(), companyName: '🚀 Raketen GmbH — Zürich', ownerName: 'Zoë 李 🎉' }
    const result = await signUpVendor(deps, input)
    const tenant = await deps.ownerDb.selectFrom('tenants').select('name').where('id', '=', result.tenantId).executeTakeFirstOrThrow()
    expect(tenant.name).toBe('🚀 Raketen GmbH — Zürich')
  })

  it('limits workspaces created from one network', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`
    for (let index = 0; index < 10; index++) await signUpVendor(deps, { ...valid(), ip })
    await expect(signUpVendor(deps, { ...valid(), ip })).rejects.toMatchObject({ code: 'RATE_LIMITED' })
    await expect(signUpVendor(deps, { ...valid(), ip: '203.0.113.9' })).resolves.toMatchObject({ slug: expect.any(String) })
  })

  it('reports slug availability and suggests slugs', async () => {
    const input = valid()
    await signUpVendor(deps, input)
    expect(await checkSlugAvailability(deps, { slug: input.slug })).toMatchObject({ available: false, reason: 'This address is already taken.' })
    expect(await checkSlugAvailability(deps, { slug: `free-${fresh()}` })).toMatchObject({ available: true })
    expect(await checkSlugAvailability(deps, { slug: 'www' })).toMatchObject({ available: false })
    expect(suggestSlug('Müller & Söhne GmbH')).toBe('muller-sohne-gmbh')
  })
})

import { listDeals, setDealAttribution, updatePartnerSafeFields } from '@accord/core/pipeline/pipeline'
import { runRegistrationImport } from '@accord/core/registrations/import'
import { approveRegistration } from '@accord/core/registrations/review'
import { submitRegistration } from '@accord/core/registrations/submit'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '@accord/core/testing/factories'
import { createTestDeps, type TestDeps } from '@accord/core/testing/test-context'
import type { ActionFunctionArgs, AppLoadContext, LoaderFunctionArgs } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_UPLOAD_BYTES, UPLOAD_TOO_LARGE } from '~/lib/imports'
import { provideRuntimeDeps } from '~/server/runtime.server'
import { startPartnerSession } from '~/server/session.server'
import { requirePortalTenant } from '~/server/tenant.server'
import { loader as pipelineLoader } from './pipeline'
import { action as startAction, loader as importLoader } from './registration-import'
import { loader as resultsLoader } from './registration-import-results'
import { action as uploadAction, loader as importsLoader } from './registration-imports'

/**
 * The import and pipeline pages' loaders and actions against a real database:
 * upload, mapping errors under their fields, start, progress, verdicts and the
 * CSV download (another partner's import is a 404); the partner's deals with
 * only the vendor's safe fields.
 */
let deps: TestDeps
let vendor: VendorFixture
let partnerId: string
let rivalId: string
let slug: string
let cookie: string
let rivalCookie: string

// A new object per request: the portal caches the session per load context (one request).
const context = (): AppLoadContext => ({ clientIp: '127.0.0.1' })
const base = () => `http://portal.test/t/${slug}`

async function signIn(userId: string): Promise<string> {
  const request = new Request(`${base()}/login`)
  const tenant = await requirePortalTenant(request)
  const headers = await startPartnerSession(request, { tenant, userId, clientIp: null })
  return (headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}

async function outcome(promise: Promise<Response>): Promise<Response> {
  try {
    return await promise
  } catch (error) {
    if (error instanceof Response) return error
    throw error
  }
}

const get = (path: string, params: Record<string, string> = {}, who = cookie): LoaderFunctionArgs => ({
  request: new Request(`${base()}${path}`, { headers: { cookie: who } }),
  context: context(),
  params: { tenantSlug: slug, ...params },
})

const post = (path: string, body: FormData, params: Record<string, string> = {}): ActionFunctionArgs => ({
  request: new Request(`${base()}${path}`, { method: 'POST', body, headers: { cookie } }),
  context: context(),
  params: { tenantSlug: slug, ...params },
})

function csvUpload(text: string | Uint8Array<ArrayBuffer>, name = 'leads.csv'): FormData {
  const form = new FormData()
  form.set('file', new File([text], name, { type: 'text/csv' }))
  return form
}

beforeAll(async () => {
  deps = await createTestDeps()
  provideRuntimeDeps({ ...deps, close: deps.close })
  vendor = await createVendor(deps, { companyName: 'Import Page Vendor' })
  slug = vendor.slug
  partnerId = (await createPartnerOrganisation(vendor.owner, { name: 'Import Page Partner' })).id
  rivalId = (await createPartnerOrganisation(vendor.owner, { name: 'Rival Page Partner' })).id
  cookie = await signIn((await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId })).userId)
  rivalCookie = await signIn((await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: rivalId })).userId)
})

afterAll(async () => {
  await deps?.close()
})

describe('CSV import pages', () => {
  it('refuses a missing or too large file under the file field, before core sees it', async () => {
    const missing = await outcome(uploadAction(post('/registrations/imports', new FormData())))
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ ok: false, fieldErrors: { file: ['Choose a CSV file.'] } })

    const large = await outcome(uploadAction(post('/registrations/imports', csvUpload(new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(65)))))
    expect(large.status).toBe(400)
    expect(await large.json()).toMatchObject({ fieldErrors: { file: [UPLOAD_TOO_LARGE] } })
  })

  it('uploads, maps, runs and shows every verdict; the CSV download has them all', async () => {
    const text = 'Firma;Kontakt;E-Mail;Bedarf\r\nPage Customer One GmbH;Jana;jana@page-customer-one.de;Pilot\r\nPage Customer Two GmbH;Jörg;not-an-email;Pilot\r\n'
    const uploaded = await outcome(uploadAction(post('/registrations/imports', csvUpload(text, 'Partner "Q3" leads.csv'))))
    expect(uploaded.status).toBe(302)
    const location = uploaded.headers.get('location') ?? ''
    const importId = /\/registrations\/imports\/([^/?]+)$/.exec(location)?.[1] ?? ''
    expect(location).toBe(`/t/${slug}/registrations/imports/${importId}`)

    const list = await (await importsLoader(get('/registrations/imports'))).json()
    expect(list.imports.find((item) => item.id === importId)).toMatchObject({ fileName: 'Partner "Q3" leads.csv', status: 'draft', rowCount: 2 })

    const draft = await (await importLoader(get(`/registrations/imports/${importId}`, { importId }))).json()
    expect(draft).toMatchObject({ pollMs: null, import: { status: 'draft', headers: ['Firma', 'Kontakt', 'E-Mail', 'Bedarf'], delimiter: ';' } })
    expect(draft.import.preview).toHaveLength(2)
    expect(draft.import.fields.filter((field) => field.required).map((field) => field.key)).toEqual(expect.arrayContaining(['companyName', 'contactName', 'contactEmail', 'problem']))

    // The download waits for the import to finish.
    expect((await resultsLoader(get(`/registrations/imports/${importId}/results.csv`, { importId }))).status).toBe(409)

    // Mapping problems come back under their selects, with what was chosen.
    const mapping = (entries: Record<string, string>) => {
      const form = new FormData()
      for (const field of draft.import.fields) form.set(`mapping.${field.key}`, entries[field.key] ?? '-1')
      return form
    }
    const wrong = await outcome(startAction(post(`/registrations/imports/${importId}`, mapping({ contactName: '1', contactEmail: '1', problem: '3' }), { importId })))
    expect(wrong.status).toBe(400)
    const failure = await wrong.json()
    expect(Object.keys(failure.fieldErrors).sort()).toEqual(['consentConfirmed', 'mapping.companyName', 'mapping.contactEmail'])
    expect(failure.values).toMatchObject({ 'mapping.contactName': '1', 'mapping.contactEmail': '1', consentConfirmed: '' })
    expect(failure.formError).toBeNull()

    const form = mapping({ companyName: '0', contactName: '1', contactEmail: '2', problem: '3' })
    form.set('consentConfirmed', 'on')
    const started = await outcome(startAction(post(`/registrations/imports/${importId}`, form, { importId })))
    expect(started.status).toBe(302)
    expect(started.headers.get('location')).toBe(`/t/${slug}/registrations/imports/${importId}`)

    const queued = await (await importLoader(get(`/registrations/imports/${importId}`, { importId }))).json()
    expect(queued).toMatchObject({ pollMs: 1000, import: { status: 'queued', progress: { done: 0, total: 2 } } })

    const again = await outcome(startAction(post(`/registrations/imports/${importId}`, form, { importId })))
    expect(await again.json()).toMatchObject({ code: 'CONFLICT', formError: 'This import has already been started.' })

    const tenantId = (await requirePortalTenant(new Request(`${base()}/`))).id
    await runRegistrationImport(deps, { tenantId, importId })

    const done = await (await importLoader(get(`/registrations/imports/${importId}`, { importId }))).json()
    expect(done).toMatchObject({ pollMs: null, import: { status: 'succeeded', counts: { accepted: 1, rejected: 1, conflicts: 0 } }, rowsTotal: 2 })
    expect(done.rows[0]).toMatchObject({ line: 2, verdict: 'accepted', companyName: 'Page Customer One GmbH' })
    expect(done.rows[0]?.registrationId).toBeTruthy()
    expect(done.rows[0]?.caseReference).toMatch(/^R-\d+$/)

    const problems = await (await importLoader(get(`/registrations/imports/${importId}?rows=problems`, { importId }))).json()
    expect(problems.filter).toBe('problems')
    expect(problems.rows.map((row) => [row.line, row.verdict])).toEqual([[3, 'rejected']])

    const download = await resultsLoader(get(`/registrations/imports/${importId}/results.csv`, { importId }))
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="Partner _Q3_ leads-results.csv"; filename*=UTF-8\'\'Partner%20Q3%20leads-results.csv')
    const csv = await download.text()
    expect(csv.split('\r\n')[0]).toBe('Line,Company,Verdict,Reason,Case')
    expect(csv).toContain('Page Customer Two GmbH')

    // Another partner of the same vendor: the same 404 as an unknown id.
    const rivalPage = await outcome(importLoader(get(`/registrations/imports/${importId}`, { importId }, rivalCookie)))
    expect(rivalPage.status).toBe(404)
    expect((await resultsLoader(get(`/registrations/imports/${importId}/results.csv`, { importId }, rivalCookie))).status).toBe(404)
    expect((await outcome(importLoader(get('/registrations/imports/not-a-uuid', { importId: 'not-a-uuid' })))).status).toBe(404)
  })

})

describe('pipeline page', () => {
  it('lists the partner’s deals with its attribution and only the vendor’s safe fields', async () => {
    expect(await (await pipelineLoader(get('/pipeline'))).json()).toMatchObject({ deals: [] })
    const rival = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: rivalId })).context
    const receipt = await submitRegistration(rival, {
      fields: { kind: 'deal', companyName: 'Shared Deal Corp', website: 'shared-deal-corp.com', contactName: 'S', contactEmail: 's@shared-deal-corp.com', problem: 'Rollout', consent: true, amount: '48000', currency: 'EUR', expectedClose: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10) },
    })
    await approveRegistration(vendor.owner, { registrationId: receipt.registrationId })
    const dealId = (await listDeals(vendor.owner)).deals.find((deal) => deal.customerName === 'Shared Deal Corp')?.id ?? ''
    await setDealAttribution(vendor.owner, { dealId, partners: [{ partnerId: rivalId, attribution: 'sourced', percent: 70 }, { partnerId, attribution: 'influenced', percent: 30 }] })
    await updatePartnerSafeFields(vendor.owner, { fields: ['stage', 'protection_ends_at'] })

    const pipeline = await (await pipelineLoader(get('/pipeline'))).json()
    expect(pipeline.safeFields.map((field) => field.key)).toEqual(['stage', 'protection_ends_at'])
    expect(pipeline.deals).toHaveLength(1)
    expect(pipeline.deals[0]).toMatchObject({ customerName: 'Shared Deal Corp', attribution: 'influenced', attributionPercent: 30 })
    expect(Object.keys(pipeline.deals[0]?.fields ?? {}).sort()).toEqual(['protection_ends_at', 'stage'])
    expect(JSON.stringify(pipeline)).not.toMatch(/48000|48,000|Rival Page Partner/)
  })
})

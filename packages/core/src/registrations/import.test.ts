import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { toCsv } from './csv.js'
import { createRegistrationImport, getRegistrationImport, registrationImportResultCsv, runRegistrationImport, startRegistrationImport } from './import.js'
import { submitRegistration } from './submit.js'

let deps: TestDeps
let vendor: VendorFixture
let rep: CoreContext
let rival: CoreContext

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Import Vendor' })
  const partner = await createPartnerOrganisation(vendor.owner, { name: 'Import Partner' })
  const rivalPartner = await createPartnerOrganisation(vendor.owner, { name: 'Rival Partner' })
  rep = { ...deps, actor: { kind: 'partner', tenantId: vendor.tenantId, userId: (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })).userId, partnerId: partner.id, role: 'sales' } }
  rival = { ...deps, actor: { kind: 'partner', tenantId: vendor.tenantId, userId: (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: rivalPartner.id })).userId, partnerId: rivalPartner.id, role: 'sales' } }
})
afterAll(async () => {
  await deps.close()
})

const base64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64')

async function importFile(ctx: CoreContext, fileName: string, content: string | Uint8Array, options: { consentConfirmed?: boolean } = {}) {
  const { importId } = await createRegistrationImport(ctx, { fileName, contentBase64: base64(content) })
  const draft = await getRegistrationImport(ctx, { importId })
  await startRegistrationImport(ctx, { importId, mapping: draft.mapping as Record<string, number>, consentConfirmed: options.consentConfirmed ?? false })
  // The worker's handler, run here directly (the worker test covers the queue).
  await runRegistrationImport(deps, { tenantId: vendor.tenantId, importId })
  return getRegistrationImport(ctx, { importId, rows: 'all' })
}

describe('CSV import', () => {
  it('1,000 rows with 20 bad rows and 50 duplicates give exactly those verdicts', async () => {
    const header = ['Company', 'Website', 'Contact name', 'Email', 'Problem', 'Consent']
    const rows: string[][] = []
    const badLines = new Set<number>()
    const duplicateLines = new Set<number>()
    for (let index = 0; index < 930; index++) rows.push([`Bulk Customer ${index} GmbH`, `bulk-customer-${index}.com`, `Contact ${index}`, `buyer${index}@bulk-customer-${index}.com`, 'Wants a pilot', 'yes'])
    for (let index = 0; index < 20; index++) {
      rows.push([`Broken Customer ${index}`, `broken-${index}.com`, `Contact ${index}`, 'not-an-email', 'Wants a pilot', 'yes'])
      badLines.add(rows.length + 1)
    }
    for (let index = 0; index < 50; index++) {
      // Same customer as an earlier row, spelled differently: the domain decides.
      rows.push([`BULK CUSTOMER ${index * 3} Ltd.`, `https://www.bulk-customer-${index * 3}.com/`, `Other ${index}`, `other${index}@bulk-customer-${index * 3}.com`, 'Also interested', 'yes'])
      duplicateLines.add(rows.length + 1)
    }
    const result = await importFile(rep, 'thousand.csv', toCsv([header, ...rows]))
    expect(result.status).toBe('succeeded')
    expect(result.counts).toEqual({ accepted: 930, rejected: 70, conflicts: 0 })
    expect(result.rows).toHaveLength(1000)
    const rejected = result.rows.filter((row) => row.verdict === 'rejected')
    expect(new Set(rejected.filter((row) => row.reason.startsWith('Contact e-mail')).map((row) => row.line))).toEqual(badLines)
    expect(new Set(rejected.filter((row) => row.reason.startsWith('Duplicate of line')).map((row) => row.line))).toEqual(duplicateLines)
    expect(result.progress).toMatchObject({ done: 1000, total: 1000 })
    const download = await registrationImportResultCsv(rep, { importId: result.id })
    expect(download.csv.split('\r\n').length).toBe(1002)
    expect(download.fileName).toBe('thousand-results.csv')
  })

  it('semicolons, UTF-16, quoted newlines, a confirmed-consent checkbox; own and rival claims in the database', async () => {
    await submitRegistration(rep, { fields: { companyName: 'Already Mine', website: 'already-mine.de', contactName: 'A', contactEmail: 'a@already-mine.de', problem: 'x', consent: true } })
    await submitRegistration(rival, { fields: { companyName: 'Rival Customer', website: 'rival-customer.de', contactName: 'R', contactEmail: 'r@rival-customer.de', problem: 'x', consent: true } })
    const text = 'Firma;Webseite;Ansprechpartner;E-Mail;Bedarf\r\nMüller GmbH;mueller.de;Jörg Müller;joerg@mueller.de;"Zwei Zeilen\r\nBedarf"\r\nAlready Mine AG;already-mine.de;B;b@already-mine.de;y\r\nRival Customer;www.rival-customer.de;C;c@rival-customer.de;z\r\n'
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
    const result = await importFile(rep, 'german.csv', utf16, { consentConfirmed: true })
    expect(result.encoding).toBe('utf-16le')
    expect(result.rows.map((row) => [row.line, row.verdict])).toEqual([
      [2, 'accepted'],
      [4, 'rejected'],
      [5, 'conflict'],
    ])
    expect(result.rows[1]?.reason).toMatch(/You already registered this customer \(R-\d+\)/)
    expect(result.rows[2]?.reason).not.toContain('Rival Partner')
    expect(result.rows[0]?.companyName).toBe('Müller GmbH')
  })

  it('refuses a bad mapping and a broken file with clear messages; nothing half-imported', async () => {
    const broken = await codeOf(createRegistrationImport(rep, { fileName: 'broken.csv', contentBase64: base64('Company,Email\n"Acme,a@acme.com\n') }))
    expect(broken).toBe('VALIDATION')
    const { importId } = await createRegistrationImport(rep, { fileName: 'nomap.csv', contentBase64: base64('Name of firm,Mail\nAcme,a@acme.com\n') })
    try {
      await startRegistrationImport(rep, { importId, mapping: {} })
      throw new Error('expected a validation error')
    } catch (error) {
      expect(error).toBeInstanceOf(AppError)
      expect(Object.keys((error as AppError).fieldErrors ?? {})).toEqual(expect.arrayContaining(['mapping.companyName', 'mapping.contactEmail', 'consentConfirmed']))
    }
    // Another partner cannot see or start this import.
    expect(await codeOf(getRegistrationImport(rival, { importId }))).toBe('NOT_FOUND')
    expect(await codeOf(startRegistrationImport(rival, { importId, mapping: {} }))).toBe('NOT_FOUND')
  })

  it('imports a Shift-JIS file (Excel on Japanese Windows) with the names intact, and reads it the same way in the job', async () => {
    const text = 'Company,Website,Contact name,Email,Problem,Consent\r\n株式会社山田製作所,yamada-seisakusho.jp,山田太郎,taro@yamada-seisakusho.jp,営業管理の改善,yes\r\nトヨタ販売株式会社,toyota-hanbai.jp,佐藤花子,hanako@toyota-hanbai.jp,パートナー管理の効率化,yes\r\n'
    const result = await importFile(rep, 'japan.csv', iconv.encode(text, 'Shift_JIS'))
    expect(result.encoding).toBe('shift_jis')
    expect(result.rows.map((row) => [row.verdict, row.companyName])).toEqual([
      ['accepted', '株式会社山田製作所'],
      ['accepted', 'トヨタ販売株式会社'],
    ])
  })

  it('refuses a file whose encoding cannot be told, on the file field, storing nothing', async () => {
    const before = await deps.ownerDb.selectFrom('registration_imports').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow()
    try {
      await createRegistrationImport(rep, { fileName: 'short.csv', contentBase64: base64(iconv.encode('Company;Contact\nPraha;Jiří\n', 'windows-1250')) })
      throw new Error('expected a validation error')
    } catch (error) {
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).fieldErrors).toEqual({ file: ['We could not tell this file’s encoding. In Excel choose File › Save As › CSV UTF-8 and upload it again.'] })
    }
    const after = await deps.ownerDb.selectFrom('registration_imports').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow()
    expect(after.count).toBe(before.count)
  })

  it('rejects just the row whose mapped cell is over-long, with the column named', async () => {
    const long = 'x'.repeat(10_001)
    const file = toCsv([
      ['Company', 'Website', 'Contact name', 'Email', 'Problem', 'Consent'],
      ['Long Problem GmbH', 'long-problem.de', 'Lena', 'lena@long-problem.de', long, 'yes'],
      ['Short Problem GmbH', 'short-problem.de', 'Sven', 'sven@short-problem.de', 'Needs a portal', 'yes'],
    ])
    const result = await importFile(rep, 'long.csv', file)
    expect(result.rows.map((row) => [row.line, row.verdict, row.reason.startsWith('Registered') ? 'registered' : row.reason])).toEqual([
      [2, 'rejected', 'The value in column “Problem” is longer than 10,000 characters.'],
      [3, 'accepted', 'registered'],
    ])
  })
})

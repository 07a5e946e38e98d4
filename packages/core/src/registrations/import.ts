import { withTenant } from '@accord/db'
import { registrationImport } from '@accord/jobs'
import { z } from 'zod'
import { type CoreContext, type CoreDeps, portalBaseUrl } from '../context.js'
import { enqueueEmail } from '../email/enqueue-email.js'
import { AppError } from '../errors.js'
import { inActorScope, requirePartner, requireStaff, withPartnerScopeLifted } from '../scope.js'
import { readProgrammeSettings } from '../settings.js'
import { brandOf } from '../tenants/brand.js'
import { parseInput, uuid } from '../validation.js'
import { motionForPartnerType } from './claims.js'
import { type ColumnMapping, CsvError, decodeCsvBytes, detectDelimiter, mapRow, parseCsv, rowProblem, suggestColumnMapping, toCsv } from './csv.js'
import { type RegistrationFields, registrationFieldLabels } from './input.js'
import { caseReference, notifyStaff, reviewersFor } from './notify.js'
import { type ClaimOutcome, preloadForClaims, registerClaims, validateRegistrationFields } from './submit.js'

/**
 * CSV bulk registration: upload → column mapping with a preview → a job that
 * validates every row, removes duplicates within the file and against the
 * partner's own live claims, flags conflicts, and registers the rest through
 * the same `registerClaim` as every other path. All rows commit together or
 * none do; progress is written to job_progress on its own connection so the
 * UI can show it while the import's transaction is still open.
 */

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024
const REQUIRED_COLUMNS = ['companyName', 'contactName', 'contactEmail', 'problem'] as const
const FIELD_KEYS = Object.keys(registrationFieldLabels) as Array<keyof typeof registrationFieldLabels>

export const createImportInput = z.object({
  fileName: z.string().trim().min(1, 'Choose a CSV file.').max(200),
  contentBase64: z.string({ required_error: 'Choose a CSV file.' }).min(1, 'Choose a CSV file.'),
  partnerId: uuid.optional(),
})

function importOwner(ctx: CoreContext, partnerId: string | undefined): { tenantId: string; partnerId: string; userId: string; kind: 'staff' | 'partner' } {
  if (ctx.actor.kind === 'staff') {
    requireStaff(ctx, 'registrations.decide')
    if (!partnerId) throw AppError.validation({ partnerId: ['Choose the partner organisation to import for.'] })
    return { tenantId: ctx.actor.tenantId, partnerId, userId: ctx.actor.userId, kind: 'staff' }
  }
  requirePartner(ctx)
  return { tenantId: ctx.actor.tenantId, partnerId: ctx.actor.partnerId, userId: ctx.actor.userId, kind: 'partner' }
}

/** Step 1: store the file, read its header, suggest a mapping. Nothing is registered yet. */
export async function createRegistrationImport(ctx: CoreContext, rawInput: z.input<typeof createImportInput>) {
  const input = parseInput(createImportInput, rawInput)
  const owner = importOwner(ctx, input.partnerId)
  const bytes = Buffer.from(input.contentBase64, 'base64')
  if (bytes.length === 0) throw AppError.validation({ file: ['The file is empty.'] })
  if (bytes.length > MAX_IMPORT_BYTES) throw AppError.validation({ file: [`The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it into smaller files.`] })
  let parsed
  let encoding
  let delimiter
  try {
    const decoded = decodeCsvBytes(bytes)
    encoding = decoded.encoding
    delimiter = detectDelimiter(decoded.text)
    parsed = parseCsv(decoded.text, { delimiter })
  } catch (error) {
    if (error instanceof CsvError) throw AppError.validation({ file: [error.message] })
    throw error
  }
  const created = await inActorScope(ctx, async (trx) => {
    const partner = await trx.selectFrom('partner_organisations').select(['id', 'status']).where('id', '=', owner.partnerId).executeTakeFirst()
    if (!partner) throw AppError.notFound('This partner organisation')
    if (partner.status !== 'active') throw new AppError('FORBIDDEN', 'This partner organisation is archived and cannot register customers.')
    return trx
      .insertInto('registration_imports')
      .values({
        tenant_id: owner.tenantId,
        partner_id: owner.partnerId,
        created_by_user_id: owner.userId,
        created_by_kind: owner.kind,
        file_name: input.fileName,
        file_bytes: bytes,
        encoding,
        delimiter,
        headers: parsed.headers,
        row_count: parsed.rows.length,
        mapping: JSON.stringify(suggestColumnMapping(parsed.headers)),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  })
  return { importId: created.id }
}

function readMapping(value: unknown): ColumnMapping {
  const mapping: ColumnMapping = {}
  if (typeof value !== 'object' || value === null) return mapping
  for (const key of FIELD_KEYS) {
    const index = (value as Record<string, unknown>)[key]
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0) mapping[key] = index
  }
  return mapping
}

export async function getRegistrationImport(ctx: CoreContext, input: { importId: string; rows?: 'all' | 'problems' | 'none' }) {
  if (ctx.actor.kind === 'staff') requireStaff(ctx, 'registrations.view')
  else requirePartner(ctx)
  const importId = parseInput(uuid, input.importId)
  return inActorScope(ctx, async (trx) => {
    const row = await trx
      .selectFrom('registration_imports as i')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'i.tenant_id').onRef('p.id', '=', 'i.partner_id'))
      .leftJoin('job_progress as j', (join) => join.onRef('j.tenant_id', '=', 'i.tenant_id').onRef('j.id', '=', 'i.progress_id'))
      .select([
        'i.id', 'i.partner_id', 'p.name as partner_name', 'i.file_name', 'i.delimiter', 'i.encoding', 'i.headers', 'i.row_count', 'i.mapping', 'i.consent_confirmed', 'i.status',
        'i.accepted', 'i.rejected', 'i.conflicts', 'i.error', 'i.created_at', 'i.started_at', 'i.finished_at', 'j.done as progress_done', 'j.total as progress_total', 'j.message as progress_message',
      ])
      .where('i.id', '=', importId)
      .executeTakeFirst()
    if (!row) throw AppError.notFound('This import')
    // The file (up to 5 MB) is read only for the draft's preview, not on every progress poll.
    const draftFile = row.status === 'draft' ? await trx.selectFrom('registration_imports').select('file_bytes').where('id', '=', importId).executeTakeFirst() : undefined
    const preview = draftFile ? previewRows(draftFile.file_bytes, row.encoding, row.delimiter as ',' | ';' | '\t', 5) : []
    const rowFilter = input.rows ?? 'none'
    const verdicts =
      rowFilter === 'none' || row.status !== 'succeeded'
        ? []
        : await trx
            .selectFrom('registration_import_rows as r')
            .leftJoin('registrations as g', (join) => join.onRef('g.tenant_id', '=', 'r.tenant_id').onRef('g.id', '=', 'r.registration_id'))
            .select(['r.line', 'r.verdict', 'r.reason', 'r.company_name', 'r.registration_id', 'g.case_number'])
            .where('r.import_id', '=', importId)
            .$if(rowFilter === 'problems', (query) => query.where('r.verdict', '!=', 'accepted'))
            .orderBy('r.line')
            .limit(10_000)
            .execute()
    return {
      id: row.id,
      partnerId: row.partner_id,
      partnerName: row.partner_name,
      fileName: row.file_name,
      encoding: row.encoding,
      delimiter: row.delimiter,
      headers: row.headers,
      rowCount: row.row_count,
      mapping: readMapping(row.mapping),
      consentConfirmed: row.consent_confirmed,
      status: row.status as 'draft' | 'queued' | 'running' | 'succeeded' | 'failed',
      progress: { done: row.progress_done ?? 0, total: row.progress_total ?? row.row_count, message: row.progress_message },
      counts: { accepted: row.accepted, rejected: row.rejected, conflicts: row.conflicts },
      error: row.error,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      preview,
      rows: verdicts.map((verdict) => ({
        line: verdict.line,
        verdict: verdict.verdict as 'accepted' | 'rejected' | 'conflict',
        reason: verdict.reason,
        companyName: verdict.company_name,
        registrationId: verdict.registration_id,
        caseReference: verdict.case_number === null ? null : caseReference(verdict.case_number),
      })),
      fields: FIELD_KEYS.map((key) => ({ key, label: registrationFieldLabels[key], required: (REQUIRED_COLUMNS as readonly string[]).includes(key) })),
    }
  })
}

function previewRows(bytes: Uint8Array, encoding: string, delimiter: ',' | ';' | '\t', count: number): Array<{ line: number; cells: string[] }> {
  try {
    const { text } = decodeCsvBytes(bytes, { encoding })
    return parseCsv(text, { delimiter }).rows.slice(0, count).map((row) => ({ line: row.line, cells: row.cells }))
  } catch {
    return []
  }
}

export const startImportInput = z.object({
  importId: uuid,
  mapping: z.record(z.union([z.number().int().min(-1), z.string()])),
  consentConfirmed: z.preprocess((value) => value === true || value === 'on' || value === 'true', z.boolean()).default(false),
})

/** Step 2: confirm the mapping and queue the job. */
export async function startRegistrationImport(ctx: CoreContext, rawInput: z.input<typeof startImportInput>) {
  if (ctx.actor.kind === 'staff') requireStaff(ctx, 'registrations.decide')
  else requirePartner(ctx)
  const input = parseInput(startImportInput, rawInput)
  return inActorScope(ctx, async (trx) => {
    const row = await trx.selectFrom('registration_imports').select(['id', 'tenant_id', 'status', 'headers', 'row_count']).where('id', '=', input.importId).forUpdate().executeTakeFirst()
    if (!row) throw AppError.notFound('This import')
    if (row.status !== 'draft') throw new AppError('CONFLICT', 'This import has already been started.')
    const mapping: ColumnMapping = {}
    const used = new Map<number, string>()
    const fieldErrors: Record<string, string[]> = {}
    for (const key of FIELD_KEYS) {
      const raw = input.mapping[key]
      const index = typeof raw === 'string' ? (raw === '' ? -1 : Number(raw)) : (raw ?? -1)
      if (!Number.isInteger(index) || index < -1 || index >= row.headers.length) {
        fieldErrors[`mapping.${key}`] = ['Choose one of the file’s columns.']
        continue
      }
      if (index === -1) continue
      const taken = used.get(index)
      if (taken) {
        fieldErrors[`mapping.${key}`] = [`The column “${row.headers[index]}” is already used for ${registrationFieldLabels[taken as keyof typeof registrationFieldLabels]}.`]
        continue
      }
      used.set(index, key)
      mapping[key] = index
    }
    for (const key of REQUIRED_COLUMNS) if (mapping[key] === undefined && !fieldErrors[`mapping.${key}`]) fieldErrors[`mapping.${key}`] = [`Choose the column with the ${registrationFieldLabels[key].toLowerCase()}.`]
    if (mapping.consent === undefined && !input.consentConfirmed) fieldErrors.consentConfirmed = ['Map a consent column, or confirm that every contact in the file agreed to be contacted.']
    if (Object.keys(fieldErrors).length > 0) throw AppError.validation(fieldErrors, 'Check the column mapping.')

    // The progress row belongs to the job (the worker writes it): created on the system side; partners read it through their import.
    const createProgress = () => trx.insertInto('job_progress').values({ tenant_id: row.tenant_id, kind: 'registration_import', status: 'queued', total: row.row_count, done: 0, message: 'Waiting for a worker…' }).returning('id').executeTakeFirstOrThrow()
    const progress = ctx.actor.kind === 'partner' ? await withPartnerScopeLifted(trx, ctx.actor.partnerId, createProgress) : await createProgress()
    await trx
      .updateTable('registration_imports')
      .set({ mapping: JSON.stringify(mapping), consent_confirmed: input.consentConfirmed, status: 'queued', progress_id: progress.id })
      .where('id', '=', row.id)
      .execute()
    await ctx.jobs.send(trx, registrationImport, { tenantId: row.tenant_id, importId: row.id })
    return { importId: row.id, status: 'queued' as const }
  })
}

export type ImportVerdict = { line: number; verdict: 'accepted' | 'rejected' | 'conflict'; reason: string; companyName: string | null; registrationId: string | null }

/** Claims registered per batch: a progress update after each. */
const REGISTER_CHUNK = 1000

/** Plain-words row errors: "Contact e-mail: Enter a valid e-mail address…". */
function describeFieldErrors(fieldErrors: Record<string, string[]>): string {
  return Object.entries(fieldErrors)
    .map(([field, messages]) => `${registrationFieldLabels[field as keyof typeof registrationFieldLabels] ?? field}: ${messages.join(' ')}`)
    .join(' ')
}

/**
 * The job. Idempotent: a finished import is left alone; an import whose
 * earlier attempt died mid-way committed nothing (one transaction) and simply
 * runs again.
 */
export async function runRegistrationImport(deps: CoreDeps, input: { tenantId: string; importId: string }): Promise<{ outcome: 'done' | 'skipped'; accepted: number; rejected: number; conflicts: number }> {
  const scope = { tenantId: input.tenantId }
  const claimed = await withTenant(deps.db, scope, async (trx) => {
    const row = await trx.selectFrom('registration_imports').selectAll().where('id', '=', input.importId).forUpdate().executeTakeFirst()
    if (!row || row.status === 'succeeded' || row.status === 'draft') return null
    await trx.updateTable('registration_imports').set({ status: 'running', started_at: deps.now(), error: null }).where('id', '=', row.id).execute()
    if (row.progress_id) await trx.updateTable('job_progress').set({ status: 'running', done: 0, message: 'Checking rows…', updated_at: deps.now() }).where('id', '=', row.progress_id).execute()
    return row
  })
  if (!claimed) return { outcome: 'skipped', accepted: 0, rejected: 0, conflicts: 0 }
  const reportProgress = async (done: number, message: string) => {
    if (!claimed.progress_id) return
    await withTenant(deps.db, scope, (trx) => trx.updateTable('job_progress').set({ done, message, updated_at: deps.now() }).where('id', '=', claimed.progress_id as string).execute())
  }

  try {
    // The encoding found at upload: the file is read the same way every time.
    const { text } = decodeCsvBytes(claimed.file_bytes, { encoding: claimed.encoding })
    const parsed = parseCsv(text, { delimiter: claimed.delimiter as ',' | ';' | '\t' })
    const mapping = readMapping(claimed.mapping)
    const now = deps.now()
    const result = await withTenant(deps.db, scope, async (trx) => {
      const preloaded = await preloadForClaims(trx, input.tenantId, claimed.partner_id)
      const settings = readProgrammeSettings(preloaded.tenant.settings)
      const motion = motionForPartnerType(preloaded.partner.type)
      const uploader = claimed.created_by_user_id ? await trx.selectFrom('users').select(['name', 'email']).where('id', '=', claimed.created_by_user_id).executeTakeFirst() : undefined
      const verdicts: ImportVerdict[] = []
      const firstLineByCustomer = new Map<string, number>()
      const toRegister: Array<{ line: number; fields: RegistrationFields }> = []
      for (const row of parsed.rows) {
        const raw = mapRow(row.cells, mapping)
        if (claimed.consent_confirmed && mapping.consent === undefined) raw.consent = 'yes'
        const companyName = raw.companyName?.trim() || null
        const problem = rowProblem(row, parsed.headers, mapping)
        if (problem) {
          verdicts.push({ line: row.line, verdict: 'rejected', reason: problem, companyName, registrationId: null })
          continue
        }
        const validated = validateRegistrationFields(settings, now, raw, motion)
        if (!validated.ok) {
          verdicts.push({ line: row.line, verdict: 'rejected', reason: describeFieldErrors(validated.fieldErrors), companyName, registrationId: null })
          continue
        }
        const customerKey = validated.customer.domain ? `domain:${validated.customer.domain}` : `name:${validated.customer.companyKey}`
        const earlier = firstLineByCustomer.get(customerKey)
        if (earlier !== undefined) {
          verdicts.push({ line: row.line, verdict: 'rejected', reason: `Duplicate of line ${earlier} in this file (same ${validated.customer.domain ? 'domain' : 'company'}).`, companyName, registrationId: null })
          continue
        }
        firstLineByCustomer.set(customerKey, row.line)
        toRegister.push({ line: row.line, fields: validated.fields })
      }
      await reportProgress(verdicts.length, `Checked every row; registering ${toRegister.length.toLocaleString('en')}…`)
      const actorLabel = `${uploader?.name ?? 'Import'} (CSV ${claimed.file_name})`
      for (let start = 0; start < toRegister.length; start += REGISTER_CHUNK) {
        const chunk = toRegister.slice(start, start + REGISTER_CHUNK)
        const outcomes = await registerClaims(trx, deps, {
          tenantId: claimed.tenant_id,
          partnerId: claimed.partner_id,
          submitter: { userId: claimed.created_by_kind === 'partner' ? claimed.created_by_user_id : null, email: uploader?.email ?? 'import@accord.invalid', name: uploader?.name ?? null },
          source: 'csv',
          actor: { kind: claimed.created_by_kind === 'staff' ? 'staff' : 'partner', userId: claimed.created_by_user_id, label: actorLabel },
          items: chunk.map((entry) => ({ fields: entry.fields })),
          quiet: true,
          rejectOwnDuplicate: true,
          preloaded,
        })
        outcomes.forEach((outcome, position) => {
          const entry = chunk[position] as (typeof chunk)[number]
          verdicts.push(toVerdict(entry.line, entry.fields.companyName, outcome))
        })
        await reportProgress(verdicts.length, `Registered ${Math.min(start + REGISTER_CHUNK, toRegister.length).toLocaleString('en')} of ${toRegister.length.toLocaleString('en')}…`)
      }
      verdicts.sort((left, right) => left.line - right.line)
      const counts = {
        accepted: verdicts.filter((verdict) => verdict.verdict === 'accepted').length,
        rejected: verdicts.filter((verdict) => verdict.verdict === 'rejected').length,
        conflicts: verdicts.filter((verdict) => verdict.verdict === 'conflict').length,
      }
      for (let start = 0; start < verdicts.length; start += 1000) {
        await trx
          .insertInto('registration_import_rows')
          .values(verdicts.slice(start, start + 1000).map((verdict) => ({ tenant_id: input.tenantId, import_id: claimed.id, partner_id: claimed.partner_id, line: verdict.line, verdict: verdict.verdict, reason: verdict.reason, company_name: verdict.companyName, registration_id: verdict.registrationId })))
          .execute()
      }
      await trx.updateTable('registration_imports').set({ status: 'succeeded', finished_at: deps.now(), ...counts }).where('id', '=', claimed.id).execute()
      if (claimed.progress_id) {
        await trx.updateTable('job_progress').set({ status: 'succeeded', done: parsed.rows.length, message: 'Finished', result: JSON.stringify(counts), updated_at: deps.now() }).where('id', '=', claimed.progress_id).execute()
      }
      await notifyImportFinished(trx, deps, { tenant: preloaded.tenant, claimed, counts, uploader, partnerName: preloaded.partner.name })
      return counts
    })
    return { outcome: 'done', ...result }
  } catch (error) {
    // The import's transaction rolled back: nothing was registered. Record why, then let the job retry.
    const message = error instanceof CsvError || error instanceof AppError ? error.message : 'The import stopped because of an error on our side. Nothing was imported; it will be retried.'
    await withTenant(deps.db, scope, async (trx) => {
      await trx.updateTable('registration_imports').set({ status: 'failed', error: message, finished_at: deps.now() }).where('id', '=', claimed.id).execute()
      if (claimed.progress_id) await trx.updateTable('job_progress').set({ status: 'failed', message, updated_at: deps.now() }).where('id', '=', claimed.progress_id).execute()
    })
    throw error
  }
}

type ClaimedImport = { id: string; tenant_id: string; partner_id: string; created_by_kind: string; created_by_user_id: string | null; file_name: string }

function toVerdict(line: number, companyName: string, outcome: ClaimOutcome): ImportVerdict {
  if (!outcome.ok) {
    const detail = outcome.error.fieldErrors ? describeFieldErrors(outcome.error.fieldErrors) : outcome.error.message
    return { line, verdict: 'rejected', reason: detail, companyName, registrationId: null }
  }
  const claim = outcome.claim
  if (claim.partnerVerdict === 'clear') return { line, verdict: 'accepted', reason: `Registered as ${claim.caseReference}.`, companyName, registrationId: claim.registrationId }
  return { line, verdict: 'conflict', reason: `Registered as ${claim.caseReference}, flagged for review: ${claim.partnerMessage}`, companyName, registrationId: claim.registrationId }
}

async function notifyImportFinished(
  trx: Parameters<Parameters<typeof withTenant>[2]>[0],
  deps: CoreDeps,
  input: { tenant: Awaited<ReturnType<typeof preloadForClaims>>['tenant']; claimed: ClaimedImport; counts: { accepted: number; rejected: number; conflicts: number }; uploader: { name: string; email: string } | undefined; partnerName: string },
) {
  const { counts } = input
  const registered = counts.accepted + counts.conflicts
  if (input.uploader) {
    const url = input.claimed.created_by_kind === 'staff' ? `${deps.adminUrl}/registrations/imports/${input.claimed.id}` : `${portalBaseUrl(deps.portal, input.tenant.slug)}/registrations/imports/${input.claimed.id}`
    await enqueueEmail(trx, deps, {
      tenantId: input.tenant.id,
      to: input.uploader.email,
      replyTo: input.claimed.created_by_kind === 'staff' ? null : undefined,
      template: {
        name: 'registration-update',
        props: {
          brand: brandOf(deps, input.tenant),
          recipientName: input.uploader.name,
          caseReference: input.claimed.file_name,
          companyName: input.claimed.file_name,
          headline: `Import finished: ${registered} registered, ${counts.rejected} rejected`,
          paragraphs: [`Your file ${input.claimed.file_name} has been processed. Every row has a verdict with its reason; download them as CSV from the import page.`],
          facts: [
            { label: 'Accepted', value: String(counts.accepted) },
            { label: 'Registered with a possible conflict (in review)', value: String(counts.conflicts) },
            { label: 'Rejected', value: String(counts.rejected) },
          ],
          action: { url, label: 'See every row' },
          reason: 'You received this e-mail because you uploaded registrations.',
        },
      },
    })
  }
  if (registered > 0) {
    const reviewers = await reviewersFor(trx, { approverUserId: null })
    const first = await trx.selectFrom('registration_import_rows as r').innerJoin('registrations as g', (join) => join.onRef('g.tenant_id', '=', 'r.tenant_id').onRef('g.id', '=', 'r.registration_id')).select(['g.id', 'g.case_number', 'g.company_name', 'g.kind', 'g.sla_due_at']).where('r.import_id', '=', input.claimed.id).orderBy('r.line').executeTakeFirst()
    if (first) {
      await notifyStaff(trx, deps, {
        tenant: input.tenant,
        registration: { ...first, company_name: `${registered} registrations from ${input.partnerName}` },
        recipients: reviewers,
        notice: { kind: 'new', partnerName: input.partnerName, dueAt: first.sla_due_at, summary: `${registered} registrations imported from ${input.claimed.file_name}; ${counts.conflicts} flagged for conflicts.` },
      })
    }
  }
}

/** The per-row verdicts as a CSV download (formula-safe). */
export async function registrationImportResultCsv(ctx: CoreContext, input: { importId: string }): Promise<{ fileName: string; csv: string }> {
  const detail = await getRegistrationImport(ctx, { importId: input.importId, rows: 'all' })
  if (detail.status !== 'succeeded') throw new AppError('CONFLICT', 'The import has not finished yet.')
  const rows = [['Line', 'Company', 'Verdict', 'Reason', 'Case'], ...detail.rows.map((row) => [String(row.line), row.companyName ?? '', row.verdict, row.reason, row.caseReference ?? ''])]
  return { fileName: `${detail.fileName.replace(/\.csv$/i, '')}-results.csv`, csv: toCsv(rows) }
}

export async function listRegistrationImports(ctx: CoreContext) {
  if (ctx.actor.kind === 'staff') requireStaff(ctx, 'registrations.view')
  else requirePartner(ctx)
  const rows = await inActorScope(ctx, (trx) =>
    trx
      .selectFrom('registration_imports as i')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'i.tenant_id').onRef('p.id', '=', 'i.partner_id'))
      .select(['i.id', 'i.file_name', 'i.status', 'i.row_count', 'i.accepted', 'i.rejected', 'i.conflicts', 'i.created_at', 'p.name as partner_name'])
      .orderBy('i.created_at', 'desc')
      .limit(50)
      .execute(),
  )
  return rows.map((row) => ({ id: row.id, fileName: row.file_name, status: row.status, rowCount: row.row_count, accepted: row.accepted, rejected: row.rejected, conflicts: row.conflicts, createdAt: row.created_at, partnerName: row.partner_name }))
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { withTenant } from '@accord/db'
import type { CoreDeps } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { decryptSecret } from '../encryption/secrets.js'
import { AppError } from '../errors.js'
import { registrationFieldLabels, STAGE_GUESSES, stageGuessLabels } from '../registrations/input.js'
import { registerClaim } from '../registrations/submit.js'
import { findTenantBySlug } from '../tenants/lookup.js'
import { SlackCallError, slackUserEmail } from './client.js'
import { readSlackCredentials } from './connection.js'

/**
 * `/register` from Slack (`POST <ADMIN_URL>/api/slack/commands/<workspace>`).
 *
 * 1. The request must be signed with the tenant's Slack signing secret
 *    (`v0=` HMAC-SHA256 of `v0:<timestamp>:<raw body>`, compared in constant
 *    time) and be at most 5 minutes old (either way).
 * 2. Each signed request is processed once: its hash goes into
 *    slack_command_receipts (unique); a replay is refused and stores nothing.
 * 3. The Slack user becomes a partner user of the tenant by e-mail: from
 *    users.info when a bot token is connected (Slack vouches; `from:` is
 *    ignored), otherwise from `from: you@…` in the command text — unverified,
 *    so anyone allowed to use the vendor's Slack app could name any partner
 *    address; the settings page says so and recommends a bot token.
 * 4. The text becomes registration fields (format below) and goes through
 *    `registerClaim`, the same path as every capture channel (source 'slack').
 * 5. The answer is ephemeral (only the sender sees it): the case number and a
 *    link, or exactly what is missing.
 */

export const SLACK_REPLAY_WINDOW_SECONDS = 5 * 60

export const SLACK_REGISTER_USAGE = [
  '*Register a lead:* `/register Company, website, Contact name, contact@email, what they need, consent`',
  'or with labels: `/register company: Acme Inc; website: acme.com; contact: Jane Buyer; email: jane@acme.com; problem: needs onboarding; consent: yes`',
  'Optional labels: `role`, `region`, `products`, `competitors`, `stage`, and for a deal `type: deal; amount: 25000; currency: EUR; close: 2027-03-31`.',
  '`consent` confirms that the contact agreed to be contacted by the vendor.',
].join('\n')

const FROM_USAGE = 'Add `from: you@yourcompany.com` (the address of your partner portal account) so we know who is registering.'

export interface SlackCommandReply {
  response_type: 'ephemeral'
  text: string
}

export type SlackCommandOutcome = 'registered' | 'help' | 'missing_fields' | 'invalid_fields' | 'unknown_user' | 'not_allowed' | 'refused_signature' | 'refused_stale' | 'refused_replay' | 'not_configured'

export interface SlackCommandResult {
  /** HTTP status for the endpoint: 200 with an ephemeral reply, 401/409/404 for refusals. */
  status: number
  outcome: SlackCommandOutcome
  body: SlackCommandReply | { error: string }
  registrationId?: string
  caseReference?: string
}

const reply = (outcome: SlackCommandOutcome, text: string, extra: Partial<SlackCommandResult> = {}): SlackCommandResult => ({ status: 200, outcome, body: { response_type: 'ephemeral', text }, ...extra })
const refuse = (status: number, outcome: SlackCommandOutcome, error: string): SlackCommandResult => ({ status, outcome, body: { error } })

/** `v0=<hex>` over `v0:<timestamp>:<raw body>`, compared in constant time. */
export function verifySlackSignature(signingSecret: string, timestamp: string, rawBody: string, signature: string): boolean {
  const expected = Buffer.from(`v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`)
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

export interface SlackCommandRequest {
  rawBody: string
  /** X-Slack-Request-Timestamp */
  timestamp: string | null
  /** X-Slack-Signature */
  signature: string | null
  /** The workspace slug from the URL. */
  tenantSlug: string
}

export async function handleSlackRegisterCommand(deps: CoreDeps, request: SlackCommandRequest): Promise<SlackCommandResult> {
  const tenant = await findTenantBySlug(deps.db, request.tenantSlug)
  if (!tenant || tenant.status !== 'active') return refuse(404, 'not_configured', 'No Accord workspace answers at this address.')
  const timestamp = request.timestamp ?? ''
  const signature = request.signature ?? ''
  if (!/^\d{1,12}$/.test(timestamp) || !/^v0=[0-9a-f]{64}$/.test(signature)) return refuse(401, 'refused_signature', 'This request is not signed by Slack.')
  const skew = Math.abs(deps.now().getTime() / 1000 - Number(timestamp))
  if (skew > SLACK_REPLAY_WINDOW_SECONDS) return refuse(401, 'refused_stale', 'This request is older than 5 minutes (or the clocks disagree); it was not processed.')

  const connection = await withTenant(deps.db, { tenantId: tenant.id }, (trx) => trx.selectFrom('slack_connections').selectAll().executeTakeFirst())
  if (!connection || connection.status === 'disconnected' || !connection.signing_secret_ciphertext) return refuse(404, 'not_configured', 'Slash commands are not set up for this workspace. An admin adds the Slack app’s signing secret under Settings → Slack.')
  if (!verifySlackSignature(decryptSecret(connection.signing_secret_ciphertext), timestamp, request.rawBody, signature)) return refuse(401, 'refused_signature', 'The Slack signature does not match; the request was not processed.')

  const requestHash = createHash('sha256').update(`${timestamp}:${signature}`).digest('hex')
  // A replay is refused before anything else happens (no Slack API call); the insert below still settles races.
  const seen = await withTenant(deps.db, { tenantId: tenant.id }, (trx) => trx.selectFrom('slack_command_receipts').select('request_hash').where('request_hash', '=', requestHash).executeTakeFirst())
  if (seen) return refuse(409, 'refused_replay', 'This Slack request was already processed; a repeated request is not processed again.')

  const form = new URLSearchParams(request.rawBody)
  const slackUserId = form.get('user_id')?.slice(0, 40) ?? null
  const slackTeamId = form.get('team_id')?.slice(0, 40) ?? null
  const parsed = parseRegisterCommand(form.get('text') ?? '')

  // Who is registering: with a bot token Slack vouches for the user (users.info) and `from:` is ignored;
  // with only a webhook there is no one to ask, so `from:` is taken at its word (see the settings page).
  const credentials = readSlackCredentials(connection)
  let submitterEmail: string | null = credentials.mode === 'bot' ? null : parsed.from
  let lookupProblem: string | null = null
  if (credentials.mode === 'bot') {
    try {
      submitterEmail = slackUserId ? await slackUserEmail(credentials.botToken, credentials.apiUrl, slackUserId) : null
      if (!submitterEmail) lookupProblem = 'Slack did not tell us your e-mail address (the Slack app needs the users:read.email scope, and your profile an address).'
    } catch (error) {
      if (!(error instanceof SlackCallError)) throw error
      lookupProblem = `Slack did not answer who you are (${error.message}). Please try again in a minute.`
    }
  }

  const vendorName = tenant.name
  return withTenant(deps.db, { tenantId: tenant.id }, async (trx) => {
    const receipt = await trx
      .insertInto('slack_command_receipts')
      .values({ tenant_id: tenant.id, request_hash: requestHash, slack_team_id: slackTeamId, slack_user_id: slackUserId })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'request_hash']).doNothing())
      .returning('request_hash')
      .executeTakeFirst()
    if (!receipt) return refuse(409, 'refused_replay', 'This Slack request was already processed; a repeated request is not processed again.')
    const finish = async (result: SlackCommandResult) => {
      await trx.updateTable('slack_command_receipts').set({ outcome: result.outcome, registration_id: result.registrationId ?? null }).where('request_hash', '=', requestHash).execute()
      return result
    }

    if (parsed.empty) return finish(reply('help', `${SLACK_REGISTER_USAGE}\n${credentials.mode === 'bot' ? '' : FROM_USAGE}`.trim()))
    if (!submitterEmail) return finish(reply('unknown_user', `We could not tell who you are in ${vendorName}’s partner programme. ${lookupProblem ?? FROM_USAGE}`))
    const user = await trx
      .selectFrom('users as u')
      .innerJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'u.tenant_id').onRef('p.id', '=', 'u.partner_id'))
      .select(['u.id', 'u.name', 'u.email', 'u.partner_id', 'u.status', 'p.status as partner_status'])
      .where('u.email', '=', submitterEmail)
      .where('u.kind', '=', 'partner')
      .executeTakeFirst()
    if (!user || !user.partner_id) {
      return finish(reply('unknown_user', `Sorry, we could not match ${submitterEmail} to a partner of ${vendorName}. Registrations from Slack are accepted from people with a partner portal account; ask your partner manager to invite you.`))
    }
    if (user.status !== 'active' || user.partner_status !== 'active') return finish(reply('not_allowed', `Your partner account with ${vendorName} is not active. Please contact your partner manager.`))

    if (parsed.missing.length > 0) {
      return finish(reply('missing_fields', `Almost there: please add ${parsed.missing.map((field) => `*${MISSING_LABELS[field] ?? field}*`).join(', ')}.\n${SLACK_REGISTER_USAGE}`))
    }
    try {
      const claim = await registerClaim(trx, deps, {
        tenantId: tenant.id,
        partnerId: user.partner_id,
        submitter: { userId: user.id, email: user.email, name: user.name },
        source: 'slack',
        actor: { kind: 'partner', userId: user.id, label: `${user.name} (Slack)` },
        rawFields: parsed.fields,
      })
      const link = `${portalBaseUrl(deps.portal, tenant.slug)}/registrations/${claim.registrationId}`
      return finish(
        reply('registered', `:white_check_mark: Registered *${claim.caseReference}* for ${escape(parsed.fields.companyName ?? '')}. ${claim.partnerMessage}\n<${link}|Open ${claim.caseReference} in the partner portal>`, {
          registrationId: claim.registrationId,
          caseReference: claim.caseReference,
        }),
      )
    } catch (error) {
      if (!(error instanceof AppError) || (error.code !== 'VALIDATION' && error.code !== 'FORBIDDEN' && error.code !== 'CONFLICT')) throw error
      const problems = error.fieldErrors
        ? Object.entries(error.fieldErrors).map(([field, messages]) => `• *${registrationFieldLabels[field as keyof typeof registrationFieldLabels] ?? field}:* ${messages.join(' ')}`)
        : [`• ${error.message}`]
      return finish(reply('invalid_fields', `We could not register this yet:\n${problems.join('\n')}\n${SLACK_REGISTER_USAGE}`))
    }
  })
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

// ---------------------------------------------------------------------------
// Command text
// ---------------------------------------------------------------------------

type FieldKey = keyof typeof registrationFieldLabels

const REQUIRED: FieldKey[] = ['companyName', 'contactName', 'contactEmail', 'problem', 'consent']
const MISSING_LABELS: Partial<Record<FieldKey, string>> = {
  companyName: 'the company',
  contactName: 'the contact’s name',
  contactEmail: 'the contact’s e-mail',
  problem: 'what the customer needs',
  consent: '`consent` (the contact agreed to be contacted)',
}

const LABELS: Record<string, FieldKey | 'from'> = {}
for (const [field, labels] of Object.entries({
  companyName: ['company', 'company name', 'customer', 'account', 'organisation', 'organization'],
  website: ['website', 'domain', 'url', 'site', 'web'],
  contactName: ['contact', 'contact name', 'name', 'person'],
  contactEmail: ['email', 'e-mail', 'mail', 'contact email', 'contact e-mail'],
  contactRole: ['role', 'title', 'job title', 'contact role'],
  problem: ['problem', 'need', 'needs', 'notes', 'note', 'description', 'fit', 'use case', 'details'],
  consent: ['consent', 'opt-in', 'optin'],
  region: ['region', 'country', 'territory'],
  productInterest: ['products', 'product', 'interest', 'product interest'],
  competitors: ['competitors', 'competitor', 'competition'],
  kind: ['type', 'kind'],
  amount: ['amount', 'value', 'deal size'],
  currency: ['currency'],
  expectedClose: ['close', 'close date', 'expected close'],
  stageGuess: ['stage'],
  dealStage: ['deal stage'],
  nextStep: ['next step', 'next steps'],
  from: ['from', 'me', 'my email', 'my e-mail', 'submitter'],
} as Record<FieldKey | 'from', string[]>)) {
  for (const label of labels) LABELS[label] = field as FieldKey | 'from'
}

const APPENDABLE: ReadonlySet<FieldKey> = new Set(['problem', 'nextStep', 'competitors', 'productInterest'])
const CONSENT_WORDS = /^(consent(ed)?|consent given|opt-?in|agreed|consent\s*[:=]?\s*(yes|y|true|ok|given))$/i
const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/
const DOMAIN = /^(https?:\/\/)?(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(\/\S*)?$/i
const LABELLED = /^([a-z][a-z -]{0,20}?)\s*[:=]\s*([\s\S]*)$/i

/** Slack's escaping: `<mailto:a@b.c|a@b.c>`, `<https://x|x>`, `<@U1|name>`, &amp; &lt; &gt;. */
export function unescapeSlackText(text: string): string {
  return text
    .replace(/<mailto:([^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/<(https?:\/\/[^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<(https?:\/\/[^>]+)>/g, '$1')
    .replace(/<[@#!][^|>]*\|([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

export interface ParsedRegisterCommand {
  empty: boolean
  fields: Partial<Record<FieldKey, string>>
  missing: FieldKey[]
  /** The submitter's address given with `from:` (used when Slack cannot tell us). */
  from: string | null
}

/**
 * Forgiving: positional `Company, website, Contact name, contact@email, need…, consent`
 * (website optional; everything after the e-mail is the need), labelled
 * `label: value` pairs separated by `;` or new lines (or commas), or a mix.
 * Unlabelled text after a free-text label (problem, next step…) continues it.
 */
export function parseRegisterCommand(rawText: string): ParsedRegisterCommand {
  const text = unescapeSlackText(rawText).trim()
  if (text === '' || /^(help|\?)$/i.test(text)) return { empty: true, fields: {}, missing: [...REQUIRED], from: null }
  const segments = (/[;\n]/.test(text) ? text.split(/[;\n]+/) : text.split(',')).map((segment) => segment.trim()).filter(Boolean)
  const fields: Partial<Record<FieldKey, string>> = {}
  let from: string | null = null
  let current: FieldKey | null = null
  const append = (field: FieldKey, value: string) => {
    fields[field] = fields[field] ? `${fields[field]}, ${value}` : value
  }
  for (const segment of segments) {
    const labelled = LABELLED.exec(segment)
    const target = labelled ? LABELS[(labelled[1] ?? '').trim().toLowerCase()] : undefined
    if (labelled && target) {
      const value = (labelled[2] ?? '').trim()
      if (target === 'from') {
        from = EMAIL.test(value) ? value.toLowerCase() : from
        current = null
      } else if (target === 'consent') {
        fields.consent = /^(no|n|false|0)$/i.test(value) ? 'no' : 'yes'
        current = null
      } else {
        if (APPENDABLE.has(target)) append(target, value)
        else fields[target] = value
        current = target
      }
      continue
    }
    if (CONSENT_WORDS.test(segment)) {
      fields.consent = 'yes'
      continue
    }
    if (current && APPENDABLE.has(current)) {
      append(current, segment)
      continue
    }
    if (EMAIL.test(segment) && !fields.contactEmail) fields.contactEmail = segment
    else if (DOMAIN.test(segment) && !fields.website && !fields.contactEmail) fields.website = segment
    else if (!fields.companyName) fields.companyName = segment
    else if (!fields.contactName && !fields.contactEmail) fields.contactName = segment
    else append('problem', segment)
  }
  if (fields.stageGuess) {
    const wanted = fields.stageGuess.toLowerCase().replace(/[\s-]+/g, '_')
    fields.stageGuess = STAGE_GUESSES.find((stage) => stage === wanted || stageGuessLabels[stage].toLowerCase().replace(/[\s-]+/g, '_') === wanted) ?? fields.stageGuess
  }
  const missing = REQUIRED.filter((field) => !fields[field] || (field === 'consent' && fields.consent !== 'yes'))
  return { empty: false, fields, missing, from }
}

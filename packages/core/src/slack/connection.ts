import type { DB, Selectable, TenantTransaction } from '@accord/db'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreContext } from '../context.js'
import { decryptSecret, encryptSecret } from '../encryption/secrets.js'
import { AppError } from '../errors.js'
import { inActorScope, requireStaff } from '../scope.js'
import { parseInput, uuid } from '../validation.js'
import { postSlackMessage, SlackCallError, slackAuthTest, type SlackTarget } from './client.js'
import { requireVerifiedEmail } from '../identity/verified-email.js'

/**
 * What vendor staff do on Settings → Slack: connect an incoming webhook or a
 * bot token (tried before anything is stored), add the Slack app's signing
 * secret for `/register`, test, disconnect, and give partners with a shared
 * channel their own webhook. Secrets are encrypted at rest (CRM_ENCRYPTION_KEY)
 * and never returned.
 */

export type SlackConnectionRow = Selectable<DB['slack_connections']>

export type SlackCredentials = { mode: 'webhook'; webhookUrl: string } | { mode: 'bot'; botToken: string; apiUrl?: string | null }

const httpUrl = (message: string) =>
  z
    .string({ required_error: message })
    .trim()
    .url(message)
    .refine((value) => /^https?:\/\//.test(value), 'Use an http or https URL.')
    .refine((value) => value.length <= 500, 'That URL is too long.')

const signingSecret = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{16,128}$/, 'Paste the signing secret from your Slack app’s Basic Information page (letters and digits).')
    .optional(),
)

export const connectSlackInput = z.discriminatedUnion(
  'mode',
  [
    z.object({
      mode: z.literal('webhook'),
      webhookUrl: httpUrl('Paste the incoming webhook URL (https://hooks.slack.com/services/…).'),
      channelLabel: z.string().trim().max(80).optional(),
      signingSecret,
    }),
    z.object({
      mode: z.literal('bot'),
      botToken: z.string({ required_error: 'Paste the bot token (it starts with xoxb-).' }).trim().regex(/^xox[bpe]-[A-Za-z0-9-]{6,}$/, 'Paste the bot token (it starts with xoxb-).').max(300),
      channel: z.string({ required_error: 'Name the channel Accord posts to, like #partners.' }).trim().min(1, 'Name the channel Accord posts to, like #partners.').max(80),
      apiUrl: httpUrl('Enter a full URL, e.g. https://slack.com/api/').optional(),
      signingSecret,
    }),
  ],
  { errorMap: () => ({ message: 'Choose an incoming webhook or a bot token.' }) },
)

export function readSlackCredentials(row: Pick<SlackConnectionRow, 'credentials_ciphertext'>): SlackCredentials {
  return JSON.parse(decryptSecret(row.credentials_ciphertext)) as SlackCredentials
}

export function slackTargetOf(row: Pick<SlackConnectionRow, 'credentials_ciphertext' | 'default_channel'>): SlackTarget {
  const credentials = readSlackCredentials(row)
  return credentials.mode === 'webhook' ? { kind: 'webhook', url: credentials.webhookUrl } : { kind: 'bot', token: credentials.botToken, channel: row.default_channel ?? '', apiUrl: credentials.apiUrl ?? null }
}

/** Messages are SlackCallError's (a Slack error code or an HTTP status at most) or the guard's: never the answer's text or a socket error. */
function refusal(error: unknown, field: string, label: string): AppError {
  if (error instanceof SlackCallError) {
    if (error.kind === 'rate_limited') return new AppError('RATE_LIMITED', 'Slack says to slow down; try again in a minute.', { retryAfterSeconds: error.retryAfterSeconds ?? 60 })
    if (error.outbound) return AppError.validation({ [field]: [error.message] }, 'Slack could not be reached.')
    return AppError.validation({ [field]: [`Slack did not accept this ${label}: ${error.message}`] }, `Slack refused the ${label}.`)
  }
  return AppError.validation({ [field]: ['Could not reach Slack.'] }, 'Slack could not be reached.')
}

/** Try the credentials (a webhook can only be tried by posting: it says "Accord is connected"), then store them encrypted. */
export async function connectSlack(ctx: CoreContext, rawInput: z.input<typeof connectSlackInput>) {
  requireStaff(ctx, 'slack.manage')
  await requireVerifiedEmail(ctx, 'connect_slack')
  const input = parseInput(connectSlackInput, rawInput)
  const workspace = await inActorScope(ctx, (trx) => trx.selectFrom('tenants').select(['name']).executeTakeFirstOrThrow())
  let teamLabel: string | null = null
  let channelLabel: string | null = null
  let credentials: SlackCredentials
  if (input.mode === 'webhook') {
    try {
      await postSlackMessage({ kind: 'webhook', url: input.webhookUrl }, { text: `:white_check_mark: Accord is connected: ${workspace.name} will post partner announcements and registration updates here.` })
    } catch (error) {
      throw refusal(error, 'webhookUrl', 'webhook URL')
    }
    credentials = { mode: 'webhook', webhookUrl: input.webhookUrl }
    channelLabel = input.channelLabel || null
  } else {
    try {
      const info = await slackAuthTest(input.botToken, input.apiUrl)
      teamLabel = info.team
    } catch (error) {
      // A refused custom API address belongs to its own field; everything else to the token.
      const addressProblem = input.apiUrl !== undefined && error instanceof SlackCallError && (error.outbound === 'not_allowed' || error.outbound === 'redirected')
      throw refusal(error, addressProblem ? 'apiUrl' : 'botToken', 'bot token')
    }
    credentials = { mode: 'bot', botToken: input.botToken, apiUrl: input.apiUrl ?? null }
    channelLabel = input.channel
  }
  return inActorScope(ctx, async (trx) => {
    const existing = await trx.selectFrom('slack_connections').select(['signing_secret_ciphertext']).executeTakeFirst()
    const now = ctx.now()
    const values = {
      mode: input.mode,
      status: 'connected' as const,
      credentials_ciphertext: encryptSecret(JSON.stringify(credentials)),
      default_channel: input.mode === 'bot' ? input.channel : null,
      // Left empty on reconnect = keep the secret already stored.
      signing_secret_ciphertext: input.signingSecret ? encryptSecret(input.signingSecret) : (existing?.signing_secret_ciphertext ?? null),
      team_label: teamLabel,
      channel_label: channelLabel,
      last_error: null,
      last_error_at: null,
      connected_at: now,
      connected_by_user_id: ctx.actor.userId,
      disconnected_at: null,
      updated_at: now,
    }
    await trx
      .insertInto('slack_connections')
      .values({ tenant_id: ctx.actor.tenantId, ...values })
      .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet(values))
      .execute()
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'slack.connected', targetType: 'slack', details: { mode: input.mode, team: teamLabel, channel: channelLabel, slashCommand: Boolean(values.signing_secret_ciphertext), reconnected: Boolean(existing) } })
    return { mode: input.mode, team: teamLabel, channel: channelLabel, slashCommand: Boolean(values.signing_secret_ciphertext) }
  })
}

async function loadConnection(trx: TenantTransaction) {
  const connection = await trx.selectFrom('slack_connections').selectAll().executeTakeFirst()
  if (!connection || connection.status === 'disconnected') throw new AppError('NOT_FOUND', 'Slack is not connected.')
  return connection
}

export async function getSlackSettings(ctx: CoreContext) {
  requireStaff(ctx, 'slack.manage')
  return inActorScope(ctx, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select(['slug']).executeTakeFirstOrThrow()
    const connection = await trx.selectFrom('slack_connections').selectAll().executeTakeFirst()
    const partners = await trx
      .selectFrom('partner_organisations as p')
      .leftJoin('partner_slack_channels as c', (join) => join.onRef('c.tenant_id', '=', 'p.tenant_id').onRef('c.partner_id', '=', 'p.id'))
      .select(['p.id', 'p.name', 'p.status', 'c.label', 'c.updated_at as channel_updated_at', 'c.partner_id as channel_partner_id'])
      .orderBy('p.name')
      .execute()
    const messages = await trx
      .selectFrom('slack_messages as m')
      .leftJoin('partner_organisations as p', (join) => join.onRef('p.tenant_id', '=', 'm.tenant_id').onRef('p.id', '=', 'm.partner_id'))
      .select(['m.id', 'm.kind', 'm.text', 'm.status', 'm.attempts', 'm.last_error', 'm.created_at', 'm.sent_at', 'p.name as partner_name'])
      .orderBy('m.created_at', 'desc')
      .limit(20)
      .execute()
    return {
      connection:
        connection && connection.status !== 'disconnected'
          ? {
              mode: connection.mode as 'webhook' | 'bot',
              status: connection.status,
              team: connection.team_label,
              channel: connection.channel_label,
              slashCommandEnabled: connection.signing_secret_ciphertext !== null,
              lastError: connection.last_error,
              lastErrorAt: connection.last_error_at,
              connectedAt: connection.connected_at,
            }
          : null,
      slashCommandUrl: `${ctx.adminUrl}/api/slack/commands/${tenant.slug}`,
      partners: partners
        .filter((partner) => partner.status === 'active' || partner.channel_partner_id !== null)
        .map((partner) => ({ partnerId: partner.id, name: partner.name, hasChannel: partner.channel_partner_id !== null, label: partner.label, updatedAt: partner.channel_updated_at })),
      messages: messages.map((message) => ({ ...message, text: message.text.length > 200 ? `${message.text.slice(0, 199)}…` : message.text })),
    }
  })
}

/** Post a test message to the tenant's channel now (not through the outbox: staff want the answer on the page). */
export async function testSlackConnection(ctx: CoreContext) {
  requireStaff(ctx, 'slack.manage')
  const connection = await inActorScope(ctx, loadConnection)
  try {
    await postSlackMessage(slackTargetOf(connection), { text: ':wave: Test message from Accord. Partner announcements and registration updates will appear in this channel.' })
    await inActorScope(ctx, (trx) => trx.updateTable('slack_connections').set({ status: 'connected', last_error: null, last_error_at: null, updated_at: ctx.now() }).execute())
    return { ok: true as const, message: 'Slack accepted the test message.' }
  } catch (error) {
    const message = error instanceof SlackCallError ? error.message : 'Could not reach Slack.'
    if (error instanceof SlackCallError && error.kind === 'auth') {
      await inActorScope(ctx, (trx) => trx.updateTable('slack_connections').set({ status: 'error', last_error: message, last_error_at: ctx.now() }).execute())
    }
    return { ok: false as const, message }
  }
}

/** Disconnecting deletes the credentials (nothing to keep, unlike a CRM's id map); queued messages are not posted. */
export async function disconnectSlack(ctx: CoreContext) {
  requireStaff(ctx, 'slack.manage')
  return inActorScope(ctx, async (trx) => {
    const connection = await loadConnection(trx)
    await trx.deleteFrom('slack_connections').execute()
    const dropped = await trx.updateTable('slack_messages').set({ status: 'failed', last_error: 'Slack was disconnected.', updated_at: ctx.now() }).where('status', '=', 'queued').where('partner_id', 'is', null).executeTakeFirst()
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'slack.disconnected', targetType: 'slack', details: { mode: connection.mode } })
    return { mode: connection.mode, droppedMessages: Number(dropped.numUpdatedRows) }
  })
}

export const setPartnerSlackChannelInput = z.object({
  partnerId: uuid,
  webhookUrl: httpUrl('Paste the incoming webhook URL of the shared channel.'),
  label: z.string().trim().max(80).optional(),
})

/** A partner's shared channel: tried with a short hello (a webhook cannot be checked otherwise), then stored encrypted. */
export async function setPartnerSlackChannel(ctx: CoreContext, rawInput: z.input<typeof setPartnerSlackChannelInput>) {
  requireStaff(ctx, 'slack.manage')
  await requireVerifiedEmail(ctx, 'connect_slack')
  const input = parseInput(setPartnerSlackChannelInput, rawInput)
  const partner = await inActorScope(ctx, (trx) => trx.selectFrom('partner_organisations').select(['id', 'name', 'status']).where('id', '=', input.partnerId).executeTakeFirst())
  if (!partner) throw AppError.notFound('This partner organisation')
  const workspace = await inActorScope(ctx, (trx) => trx.selectFrom('tenants').select(['name']).executeTakeFirstOrThrow())
  try {
    await postSlackMessage({ kind: 'webhook', url: input.webhookUrl }, { text: `:handshake: ${workspace.name} connected this channel: announcements and updates on ${partner.name}’s registrations will be posted here.` })
  } catch (error) {
    throw refusal(error, 'webhookUrl', 'webhook URL')
  }
  return inActorScope(ctx, async (trx) => {
    const now = ctx.now()
    const values = { webhook_url_ciphertext: encryptSecret(input.webhookUrl), label: input.label || null, updated_at: now }
    await trx
      .insertInto('partner_slack_channels')
      .values({ tenant_id: ctx.actor.tenantId, partner_id: partner.id, ...values })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'partner_id']).doUpdateSet(values))
      .execute()
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'slack.partner_channel_set', targetType: 'partner', targetId: partner.id, details: { label: values.label } })
    return { partnerId: partner.id, name: partner.name }
  })
}

export async function removePartnerSlackChannel(ctx: CoreContext, rawInput: { partnerId: string }) {
  requireStaff(ctx, 'slack.manage')
  const input = parseInput(z.object({ partnerId: uuid }), rawInput)
  return inActorScope(ctx, async (trx) => {
    const removed = await trx.deleteFrom('partner_slack_channels').where('partner_id', '=', input.partnerId).executeTakeFirst()
    if (Number(removed.numDeletedRows) === 0) throw AppError.notFound('That partner channel')
    await trx.updateTable('slack_messages').set({ status: 'failed', last_error: 'The partner channel was removed.', updated_at: ctx.now() }).where('status', '=', 'queued').where('partner_id', '=', input.partnerId).execute()
    await recordAudit(trx, { tenantId: ctx.actor.tenantId, actorUserId: ctx.actor.userId, action: 'slack.partner_channel_removed', targetType: 'partner', targetId: input.partnerId })
    return { partnerId: input.partnerId }
  })
}

import { z } from 'zod'

/** Tenant work carries `tenantId`; only system sweeps that fan out per tenant go without. */
export interface JobDefinition<Payload extends object> {
  name: string
  payload: z.ZodType<Payload>
  /** pg-boss queue options: retries with exponential backoff, then the dead-letter queue. */
  queue: { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number; retentionMinutes?: number; policy?: 'standard' | 'short' | 'singleton' | 'stately' }
  /** Business identity → singletonKey, so the same work is not queued twice while one is pending. */
  singletonKey?: (payload: Payload) => string
  /** Optional cron (UTC) for scheduled jobs. */
  cron?: string
}

export const DEAD_LETTER_QUEUE = 'dead-letter'

const tenantId = z.string().uuid()

/**
 * One transactional e-mail (verification, sign-in, reset, invitation): its
 * own queue and workers, polled often, so it never waits behind
 * notifications. Bulk mail goes through `email.batch` instead.
 */
export const sendOutboxEmail = {
  name: 'email.send',
  payload: z.object({ tenantId, outboxId: z.string().uuid() }),
  // 'short': at most one queued job per outbox row; the handler is idempotent regardless.
  queue: { retryLimit: 6, retryDelay: 5, retryBackoff: true, expireInSeconds: 120, policy: 'short' },
  singletonKey: (payload) => `email.send:${payload.outboxId}`,
} satisfies JobDefinition<{ tenantId: string; outboxId: string }>

/**
 * One workspace's queued bulk mail (notifications, announcements): each job
 * sends one batch of up to 100 and queues the next behind every other
 * workspace's, so workspaces take turns. One waiting job per workspace
 * (`deferred` ones, waiting out a provider outage, are keyed apart so they
 * never hold back fresh mail).
 */
export const sendEmailBatch = {
  name: 'email.batch',
  payload: z.object({ tenantId, deferred: z.boolean().optional() }),
  queue: { retryLimit: 10, retryDelay: 5, retryBackoff: true, expireInSeconds: 300, policy: 'short' },
  singletonKey: (payload) => `email.batch:${payload.tenantId}${payload.deferred ? ':deferred' : ''}`,
} satisfies JobDefinition<{ tenantId: string; deferred?: boolean }>

/**
 * Every 15 minutes: one-time links in dev mailbox copies expire, sent mail
 * older than EMAIL_RETENTION_DAYS is deleted, and workspaces with mail left
 * waiting (a dead-lettered batch job) get a new one.
 */
export const emailHousekeeping = {
  name: 'email.housekeeping',
  payload: z.object({}),
  queue: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 900, policy: 'short' },
  singletonKey: () => 'email.housekeeping',
  cron: '*/15 * * * *',
} satisfies JobDefinition<Record<string, never>>

/**
 * Re-encrypt secrets at rest that are not sealed with the current key
 * (queued by every worker at start-up, and by hand); rows already on the
 * current key are left alone.
 */
export const reencryptSecrets = {
  name: 'secrets.reencrypt',
  payload: z.object({}),
  queue: { retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 1800, policy: 'short' },
  singletonKey: () => 'secrets.reencrypt',
} satisfies JobDefinition<Record<string, never>>

const staffNotice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('info_answered'), partnerName: z.string().max(500), answer: z.string().max(20_000) }),
  z.object({ kind: z.literal('appeal'), partnerName: z.string().max(500), evidence: z.string().max(20_000) }),
  z.object({ kind: z.literal('extension_requested'), partnerName: z.string().max(500), note: z.string().max(20_000) }),
])

/**
 * A partner's answer, appeal or extension request told to the vendor's
 * reviewers. Queued from the partner's transaction, whose scope cannot see
 * staff users; the handler finds the recipients in the workspace's scope.
 */
export const registrationStaffNotice = {
  name: 'registrations.notify-staff',
  payload: z.object({ tenantId, registrationId: z.string().uuid(), notice: staffNotice }),
  queue: { retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 300, policy: 'standard' },
} satisfies JobDefinition<{ tenantId: string; registrationId: string; notice: z.infer<typeof staffNotice> }>

/** Every 10 minutes: fan out one timer job per active tenant (the sweep itself touches no tenant data). */
export const registrationTimersSweep = {
  name: 'registrations.timers-sweep',
  payload: z.object({}),
  queue: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 300, policy: 'short' },
  singletonKey: () => 'registrations.timers-sweep',
  cron: '*/10 * * * *',
} satisfies JobDefinition<Record<string, never>>

/** One tenant's registration clocks: SLA reminders/escalations, expiry reminders, expiry, idle flags. */
export const registrationTimers = {
  name: 'registrations.timers',
  payload: z.object({ tenantId }),
  queue: { retryLimit: 4, retryDelay: 30, retryBackoff: true, expireInSeconds: 600, policy: 'short' },
  singletonKey: (payload) => `registrations.timers:${payload.tenantId}`,
} satisfies JobDefinition<{ tenantId: string }>

/** A CSV bulk registration: all rows in one transaction, progress in job_progress. */
export const registrationImport = {
  name: 'registrations.import',
  payload: z.object({ tenantId, importId: z.string().uuid() }),
  queue: { retryLimit: 2, retryDelay: 10, retryBackoff: true, expireInSeconds: 900, policy: 'short' },
  singletonKey: (payload) => `registrations.import:${payload.importId}`,
} satisfies JobDefinition<{ tenantId: string; importId: string }>

/** Every 5 minutes: fan out one CRM sync per tenant with a connected CRM. */
export const crmSyncSweep = {
  name: 'crm.sync-sweep',
  payload: z.object({}),
  queue: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 300, policy: 'short' },
  singletonKey: () => 'crm.sync-sweep',
  cron: '*/5 * * * *',
} satisfies JobDefinition<Record<string, never>>

const crmSyncPayload = z.object({
  tenantId,
  trigger: z.enum(['initial', 'scheduled', 'manual', 'change', 'webhook', 'retry']),
  /** The sync-log row (and its progress bar) created by whoever asked for the run. */
  runId: z.string().uuid().optional(),
})

/**
 * One tenant's CRM sync: push what changed on Accord's side, then pull what
 * changed in the CRM. One at a time per tenant (singletonKey here, and an
 * advisory lock in the handler that dies with a killed worker's connection).
 */
export const crmSync = {
  name: 'crm.sync',
  payload: crmSyncPayload,
  queue: { retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 3600, policy: 'short' },
  singletonKey: (payload) => `crm.sync:${payload.tenantId}`,
} satisfies JobDefinition<z.infer<typeof crmSyncPayload>>

/**
 * Post one Slack outbox message (slack_messages row). Idempotent: the handler
 * locks the row and skips it once sent. A Slack 429 re-sends this job with
 * startAfter = Retry-After instead of burning a retry.
 */
export const slackPost = {
  name: 'slack.post',
  payload: z.object({ tenantId, messageId: z.string().uuid() }),
  queue: { retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 120, policy: 'short' },
  singletonKey: (payload) => `slack.post:${payload.messageId}`,
} satisfies JobDefinition<{ tenantId: string; messageId: string }>

/**
 * A partner's e-mail reply (a registration_events row) written to the deal's
 * timeline in the connected CRM (HubSpot note / Salesforce task). Idempotent:
 * the note's CRM id is kept in crm_records (object_type 'note', keyed by the
 * event id), so a retried job writes nothing twice. A registration without a
 * CRM deal yet is not an error: the CRM sync writes its waiting notes after
 * it has pushed the deal.
 */
export const crmNote = {
  name: 'crm.note',
  payload: z.object({ tenantId, registrationId: z.string().uuid(), eventId: z.string().uuid() }),
  queue: { retryLimit: 6, retryDelay: 30, retryBackoff: true, expireInSeconds: 300, policy: 'short' },
  singletonKey: (payload) => `crm.note:${payload.eventId}`,
} satisfies JobDefinition<{ tenantId: string; registrationId: string; eventId: string }>

/** One announcement's fan-out: receipts and e-mails in batches of 1,000; a rerun adds only who is missing. */
export const announcementFanout = {
  name: 'announcements.fanout',
  // `run`: which delivery attempt this is (1 = publish, +1 per "try again"), so a late dead letter of an old run cannot mark a newer one failed.
  payload: z.object({ tenantId, announcementId: z.string().uuid(), run: z.number().int().min(1).optional() }),
  queue: { retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 1800, policy: 'short' },
  singletonKey: (payload) => `announcements.fanout:${payload.announcementId}`,
} satisfies JobDefinition<{ tenantId: string; announcementId: string; run?: number }>

/** Every 5 minutes: one announcement timer job per active tenant (scheduled publishing, reminders). */
export const announcementTimersSweep = {
  name: 'announcements.timers-sweep',
  payload: z.object({}),
  queue: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 300, policy: 'short' },
  singletonKey: () => 'announcements.timers-sweep',
  cron: '*/5 * * * *',
} satisfies JobDefinition<Record<string, never>>

export const announcementTimers = {
  name: 'announcements.timers',
  payload: z.object({ tenantId }),
  queue: { retryLimit: 4, retryDelay: 30, retryBackoff: true, expireInSeconds: 600, policy: 'short' },
  singletonKey: (payload) => `announcements.timers:${payload.tenantId}`,
} satisfies JobDefinition<{ tenantId: string }>

/**
 * Text of an uploaded resource file for full-text search. `fileKey` pins the
 * file version: a replaced file's late job updates nothing.
 */
export const resourceTextExtraction = {
  name: 'resources.extract-text',
  payload: z.object({ tenantId, resourceId: z.string().uuid(), fileKey: z.string().min(1) }),
  queue: { retryLimit: 3, retryDelay: 15, retryBackoff: true, expireInSeconds: 300, policy: 'short' },
  singletonKey: (payload) => `resources.extract-text:${payload.fileKey}`,
} satisfies JobDefinition<{ tenantId: string; resourceId: string; fileKey: string }>

/**
 * One e-mail the inbound endpoint stored (an inbound_messages row), read by
 * the worker: a registration, a reply to a notification, or a refusal. The
 * endpoint only verifies and stores, so parsing never runs on a web request.
 * Idempotent: the row is claimed in the transaction that acts on it, so a job
 * run twice handles the message once.
 */
export const inboundEmail = {
  name: 'inbound.email',
  payload: z.object({ tenantId, messageId: z.string().uuid() }),
  queue: { retryLimit: 5, retryDelay: 15, retryBackoff: true, expireInSeconds: 300, policy: 'short' },
  singletonKey: (payload) => `inbound.email:${payload.messageId}`,
} satisfies JobDefinition<{ tenantId: string; messageId: string }>

/** Every job the worker works; the install step creates a queue for each. */
export const jobDefinitions = [sendOutboxEmail, sendEmailBatch, emailHousekeeping, reencryptSecrets, registrationStaffNotice, registrationTimersSweep, registrationTimers, registrationImport, crmSyncSweep, crmSync, slackPost, crmNote, announcementFanout, announcementTimersSweep, announcementTimers, resourceTextExtraction, inboundEmail] as const

export type JobPayload<Definition> = Definition extends JobDefinition<infer Payload> ? Payload : never

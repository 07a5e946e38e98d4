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

export const sendOutboxEmail = {
  name: 'email.send',
  payload: z.object({ tenantId, outboxId: z.string().uuid() }),
  // 'short': at most one queued job per outbox row; the handler is idempotent regardless.
  queue: { retryLimit: 6, retryDelay: 5, retryBackoff: true, expireInSeconds: 120, policy: 'short' },
  singletonKey: (payload) => `email.send:${payload.outboxId}`,
} satisfies JobDefinition<{ tenantId: string; outboxId: string }>

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

/** Every job the worker works; the install step creates a queue for each. */
export const jobDefinitions = [sendOutboxEmail, registrationTimersSweep, registrationTimers, registrationImport, crmSyncSweep, crmSync] as const

export type JobPayload<Definition> = Definition extends JobDefinition<infer Payload> ? Payload : never

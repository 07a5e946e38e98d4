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

/** Every job the worker works; the install step creates a queue for each. */
export const jobDefinitions = [sendOutboxEmail, registrationTimersSweep, registrationTimers, registrationImport] as const

export type JobPayload<Definition> = Definition extends JobDefinition<infer Payload> ? Payload : never

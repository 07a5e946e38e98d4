import { z } from 'zod'

export interface JobDefinition<Payload extends { tenantId: string }> {
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

/** Every job the worker works; the install step creates a queue for each. */
export const jobDefinitions = [sendOutboxEmail] as const

export type JobPayload<Definition> = Definition extends JobDefinition<infer Payload> ? Payload : never

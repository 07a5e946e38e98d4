import { parseEnv, z } from '@accord/config/env'

const schema = z.object({
  /** Jobs worked at once per queue (also sizes the database pool). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Deals per CRM request (HubSpot's batch APIs take at most 100); lower it for CRMs with strict payload limits. */
  CRM_SYNC_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(100),
  /** Requests per rolling 10 s window for HubSpot (private apps: 100; raise it for higher API tiers). */
  CRM_HUBSPOT_REQUESTS_PER_10S: z.coerce.number().int().min(1).max(1000).default(100),
})

export type WorkerEnv = z.infer<typeof schema>

let cached: WorkerEnv | undefined
export function workerEnv(): WorkerEnv {
  cached ??= parseEnv('@accord/worker', schema)
  return cached
}

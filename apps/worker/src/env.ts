import { parseEnv, z } from '@accord/config/env'

const schema = z.object({
  /** Jobs worked at once per queue (also sizes the database pool). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
})

export type WorkerEnv = z.infer<typeof schema>

let cached: WorkerEnv | undefined
export function workerEnv(): WorkerEnv {
  cached ??= parseEnv('@accord/worker', schema)
  return cached
}

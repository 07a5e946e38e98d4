import { parseEnv, z } from '@accord/config/env'

const schema = z.object({
  /**
   * Express "trust proxy": which hops may set X-Forwarded-For. `loopback`
   * (default) for a proxy on the same host; e.g. `10.0.0.0/8` or a hop count
   * behind a load balancer, so per-IP rate limits see the real client.
   */
  TRUST_PROXY: z.string().default('loopback'),
  /** Largest request body accepted, in bytes (uploads included); larger ones get 413 before anything reads them. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(30 * 1024 * 1024),
  /** Processes per app (production builds): one per CPU core the app may use. */
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
})

export const webEnv = () => parseEnv('@accord/web', schema)

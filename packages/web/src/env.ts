import { parseEnv, z } from '@accord/config/env'

const schema = z.object({
  /**
   * Express "trust proxy": which hops may set X-Forwarded-For. `loopback`
   * (default) for a proxy on the same host; e.g. `10.0.0.0/8` or a hop count
   * behind a load balancer, so per-IP rate limits see the real client.
   */
  TRUST_PROXY: z.string().default('loopback'),
})

export const webEnv = () => parseEnv('@accord/web', schema)

import { appDatabaseUrl } from '@accord/db/env'
import { configuredEmailTransport } from '@accord/email'
import { outboundEnv } from '@accord/outbound/env'
import { workerEnv } from './env.js'
import { createConsoleLog } from './log.js'
import { startWorker } from './worker.js'

const log = createConsoleLog()

try {
  const env = workerEnv()
  // Checked at boot, not at the first CRM or Slack call.
  outboundEnv()
  const worker = await startWorker({
    appDatabaseUrl: appDatabaseUrl(),
    transport: configuredEmailTransport(),
    log,
    concurrency: env.WORKER_CONCURRENCY,
    crmSync: { batchSize: env.CRM_SYNC_BATCH_SIZE, hubspotRequestsPer10s: env.CRM_HUBSPOT_REQUESTS_PER_10S },
  })

  // Orchestrators send SIGTERM and wait; let running jobs finish, then leave cleanly.
  const shutdown = (signal: NodeJS.Signals) => {
    log.info('shutdown requested', { signal })
    worker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('unclean shutdown', { error: error instanceof Error ? error.message : String(error) })
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
} catch (error) {
  log.error('worker failed to start', { error: error instanceof Error ? error.message : String(error) })
  process.exit(1)
}

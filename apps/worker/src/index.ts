import { deploymentProfile, LOCAL_PROFILE_NOTICE } from '@accord/config/env'
import { coreEnv } from '@accord/core/env'
import { appDatabaseUrl, dbEnv } from '@accord/db/env'
import { configuredEmailTransport } from '@accord/email'
import { emailEnv } from '@accord/email/env'
import { outboundEnv } from '@accord/outbound/env'
import { workerEnv } from './env.js'
import { createConsoleLog } from './log.js'
import { startWorker } from './worker.js'

const log = createConsoleLog()

// Fail at boot, naming every bad setting of every package at once (the outbound guard's too, not at the first CRM or Slack call).
const problems: string[] = []
for (const check of [workerEnv, coreEnv, dbEnv, () => appDatabaseUrl(), emailEnv, outboundEnv]) {
  try {
    check()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (!problems.includes(message)) problems.push(message)
  }
}
if (problems.length > 0) {
  log.error('worker failed to start', { error: problems.join('\n') })
  process.exit(1)
}

try {
  const env = workerEnv()
  const email = emailEnv()
  if (deploymentProfile(coreEnv()) === 'local') log.warn(LOCAL_PROFILE_NOTICE)
  const transport = configuredEmailTransport(email)
  if (transport?.name === 'none') log.warn('no e-mail provider configured (RESEND_API_KEY unset, dev mailbox off): e-mails are marked failed instead of sent')
  const worker = await startWorker({
    appDatabaseUrl: appDatabaseUrl(),
    transport,
    log,
    concurrency: env.WORKER_CONCURRENCY,
    crmSync: { batchSize: env.CRM_SYNC_BATCH_SIZE, hubspotRequestsPer10s: env.CRM_HUBSPOT_REQUESTS_PER_10S },
    email: { retentionDays: email.EMAIL_RETENTION_DAYS, devMailboxLinkMinutes: email.DEV_MAILBOX_LINK_MINUTES },
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

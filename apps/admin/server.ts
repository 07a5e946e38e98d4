import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { authEnv } from '@accord/auth/env'
import { deploymentProfile, LOCAL_PROFILE_NOTICE } from '@accord/config/env'
import { coreEnv } from '@accord/core/env'
import { appDatabaseUrl, dbEnv } from '@accord/db/env'
import { emailEnv } from '@accord/email/env'
import { outboundEnv } from '@accord/outbound/env'
// startAppServer is not re-exported from @accord/web's index, so import its module directly.
import { superviseAppProcesses } from '@accord/web/cluster'
import { webEnv } from '@accord/web/env'
import { startAppServer } from '@accord/web/server'
import { adminEnv } from './env.js'

// Fail at boot, naming every bad setting of every package at once, rather than on the first request.
const problems: string[] = []
for (const check of [adminEnv, coreEnv, authEnv, dbEnv, () => appDatabaseUrl(), emailEnv, outboundEnv, webEnv]) {
  try {
    check()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (!problems.includes(message)) problems.push(message)
  }
}
if (problems.length > 0) {
  console.error(`[admin] cannot start:\n${problems.join('\n')}`)
  process.exit(1)
}
const port = adminEnv().ADMIN_PORT
if (deploymentProfile(coreEnv()) === 'local') console.log(`[admin] ${LOCAL_PROFILE_NOTICE}`)

const dev = process.argv.includes('--dev')
if (!superviseAppProcesses('admin', { processes: webEnv().WEB_CONCURRENCY, dev })) {
  const server = await startAppServer({
    name: 'admin',
    appRoot: path.dirname(fileURLToPath(import.meta.url)),
    port,
    dev,
    // Authenticated by its own token or webhook signature, and posted by mail servers, not browsers.
    csrfExemptPathPrefixes: ['/api/inbound/', '/api/crm/webhook/', '/api/slack/'],
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void server.close().finally(() => process.exit(0))
    })
  }
}

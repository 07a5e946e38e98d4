import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { authEnv } from '@accord/auth/env'
import { deploymentProfile, LOCAL_PROFILE_NOTICE } from '@accord/config/env'
import { coreEnv } from '@accord/core/env'
import { appDatabaseUrl, dbEnv } from '@accord/db/env'
import { emailEnv } from '@accord/email/env'
import { superviseAppProcesses } from '@accord/web/cluster'
import { webEnv } from '@accord/web/env'
import { startAppServer } from '@accord/web/server'
import { closeRuntimeDeps } from './app/server/runtime.server'
import { portalEnv } from './env'

// Fail at boot, naming every bad setting at once, rather than on the first request.
const problems: string[] = []
for (const check of [portalEnv, coreEnv, authEnv, dbEnv, () => appDatabaseUrl(), emailEnv, webEnv]) {
  try {
    check()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (!problems.includes(message)) problems.push(message)
  }
}
if (problems.length > 0) {
  console.error(`[portal] cannot start:\n${problems.join('\n')}`)
  process.exit(1)
}
const port = portalEnv().PORTAL_PORT
if (deploymentProfile(coreEnv()) === 'local') console.log(`[portal] ${LOCAL_PROFILE_NOTICE}`)

const appRoot = path.dirname(fileURLToPath(import.meta.url))
const dev = process.argv.includes('--dev')
if (!superviseAppProcesses('portal', { processes: webEnv().WEB_CONCURRENCY, dev })) {
  const server = await startAppServer({ name: 'portal', appRoot, port, dev })

  const shutdown = async (signal: string) => {
    console.log(`[portal] ${signal}: shutting down`)
    await server.close()
    await closeRuntimeDeps().catch((error: unknown) => console.error('[portal] error while closing connections:', error))
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
}

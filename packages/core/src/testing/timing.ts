/**
 * Milliseconds `run` takes: the best of three calls after one warm-up call
 * (so neither JIT compilation nor another process on a shared machine is
 * measured). For the "1 MB of hostile input in under 100 ms" checks: a
 * quadratic parser takes seconds to minutes on such input, a linear one a
 * few milliseconds, so the bound separates them with room to spare.
 */
export function timed(run: () => unknown): number {
  run()
  let best = Number.POSITIVE_INFINITY
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now()
    run()
    best = Math.min(best, performance.now() - started)
  }
  return best
}

/** The same for an async call. */
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

/**
 * Milliseconds one call of `run` takes, after one warm-up call (so JIT
 * compilation is not measured). For the "1 MB of hostile input in under
 * 100 ms" checks: a quadratic parser takes seconds to minutes on such input,
 * a linear one a few milliseconds, so the bound separates them with room for
 * a busy machine.
 */
export function timed(run: () => unknown): number {
  run()
  const started = performance.now()
  run()
  return performance.now() - started
}

/** The same for an async call. */
export async function timedAsync(run: () => Promise<unknown>): Promise<number> {
  await run()
  const started = performance.now()
  await run()
  return performance.now() - started
}

/**
 * Client-side pacing for one sync run: at most `requests` per rolling
 * `windowMs` (HubSpot's private apps: 100 per 10 s; Salesforce has no short
 * window, only a daily quota). Pacing ourselves means a bulk sync spends its
 * time sending, not collecting 429s; `pauseFor` lets a 429's Retry-After hold
 * every request of the run.
 */
export interface RequestLimiter {
  take(): Promise<void>
  pauseFor(ms: number): void
  /** Milliseconds spent waiting for a slot or a pause so far. */
  readonly waitedMs: number
}

export function createRollingLimiter(options: { requests: number; windowMs: number; now?: () => number; sleep?: (ms: number) => Promise<void> }): RequestLimiter {
  const now = options.now ?? (() => Date.now())
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const sent: number[] = []
  let pausedUntil = 0
  let waitedMs = 0
  let queue: Promise<void> = Promise.resolve()

  async function waitForSlot(): Promise<void> {
    for (;;) {
      const at = now()
      while (sent.length > 0 && (sent[0] as number) <= at - options.windowMs) sent.shift()
      const pauseLeft = pausedUntil - at
      const windowLeft = sent.length >= options.requests ? (sent[0] as number) + options.windowMs - at : 0
      const wait = Math.max(pauseLeft, windowLeft)
      if (wait <= 0) {
        sent.push(at)
        return
      }
      waitedMs += wait
      await sleep(wait)
    }
  }

  return {
    // Callers are served in order, so one slow request cannot be starved.
    take() {
      const turn = queue.then(waitForSlot)
      queue = turn.catch(() => undefined)
      return turn
    },
    pauseFor(ms: number) {
      pausedUntil = Math.max(pausedUntil, now() + ms)
    },
    get waitedMs() {
      return waitedMs
    },
  }
}

/** Exponential backoff with full jitter: attempt 1 → up to base, doubling, capped. */
export function backoffDelay(attempt: number, options: { baseMs?: number; capMs?: number; random?: () => number } = {}): number {
  const base = options.baseMs ?? 500
  const cap = options.capMs ?? 30_000
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (options.random ?? Math.random)() * (ceiling / 2))
}

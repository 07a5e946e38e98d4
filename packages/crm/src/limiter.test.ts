import { describe, expect, it } from 'vitest'
import { backoffDelay, createRollingLimiter } from './limiter.js'

function fakeClock() {
  let time = 0
  return { now: () => time, sleep: async (ms: number) => void (time += ms) }
}

describe('rolling limiter', () => {
  it('lets `requests` through per window and makes the next one wait for the oldest to leave it', async () => {
    const clock = fakeClock()
    const limiter = createRollingLimiter({ requests: 3, windowMs: 1000, ...clock })
    const times: number[] = []
    for (let index = 0; index < 7; index++) {
      await limiter.take()
      times.push(clock.now())
    }
    expect(times).toEqual([0, 0, 0, 1000, 1000, 1000, 2000])
    expect(limiter.waitedMs).toBe(2000)
  })

  it('holds every request during a pause (a 429 with Retry-After)', async () => {
    const clock = fakeClock()
    const limiter = createRollingLimiter({ requests: 100, windowMs: 10_000, ...clock })
    await limiter.take()
    limiter.pauseFor(2500)
    await limiter.take()
    expect(clock.now()).toBe(2500)
  })
})

describe('backoff', () => {
  it('doubles with jitter between half and the full ceiling, capped', () => {
    expect(backoffDelay(1, { baseMs: 100, random: () => 0 })).toBe(50)
    expect(backoffDelay(1, { baseMs: 100, random: () => 1 })).toBe(100)
    expect(backoffDelay(4, { baseMs: 100, random: () => 1 })).toBe(800)
    expect(backoffDelay(20, { baseMs: 100, capMs: 5000, random: () => 1 })).toBe(5000)
  })
})

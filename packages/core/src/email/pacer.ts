import { sql } from '@accord/db'
import { EmailSendError, type EmailTransport } from '@accord/email'
import type { CoreDeps } from '../context.js'

/**
 * Keeps every worker process together within the provider's rate limit
 * (Resend: 2 requests per second per API key by default). Each request first
 * reserves the next free slot on the key's row in `email_send_pacer` (one
 * atomic statement, so processes never collide) and waits for it; slots are
 * spaced 2 % wider than the limit so clock and network jitter never tip a
 * request over it. A 429 pushes the next slot past the provider's
 * `retry-after` for everyone.
 */
export type Pacing = NonNullable<EmailTransport['pacing']>

function slotSeconds(pacing: Pacing): number {
  return (1 / pacing.requestsPerSecond) * 1.02
}

export async function reserveSendSlot(deps: Pick<CoreDeps, 'db'>, pacing: Pacing): Promise<void> {
  const interval = slotSeconds(pacing)
  const { rows } = await sql<{ wait_ms: number }>`
    insert into email_send_pacer as p (key, next_slot_at) values (${pacing.key}, clock_timestamp() + make_interval(secs => ${interval}))
    on conflict (key) do update set next_slot_at = greatest(p.next_slot_at, clock_timestamp()) + make_interval(secs => ${interval})
    returning greatest(0, extract(epoch from (p.next_slot_at - make_interval(secs => ${interval}) - clock_timestamp())) * 1000)::float8 as wait_ms`.execute(deps.db)
  const wait = rows[0]?.wait_ms ?? 0
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)))
}

/** The provider said "too many": nobody sends with this key for `seconds`. */
export async function deferSendSlots(deps: Pick<CoreDeps, 'db'>, pacing: Pacing, seconds: number): Promise<void> {
  await sql`
    insert into email_send_pacer as p (key, next_slot_at) values (${pacing.key}, clock_timestamp() + make_interval(secs => ${seconds}))
    on conflict (key) do update set next_slot_at = greatest(p.next_slot_at, clock_timestamp() + make_interval(secs => ${seconds}))`.execute(deps.db)
}

const MAX_RATE_LIMIT_WAITS = 3
const LONGEST_INLINE_WAIT_SECONDS = 10

/**
 * One provider request within the rate limit: reserve a slot, send; on a 429
 * wait out `retry-after` (a few times, each at most 10 s) and try again in a
 * new slot. Any other failure is the caller's to handle.
 */
export async function pacedRequest<T>(deps: Pick<CoreDeps, 'db'>, transport: EmailTransport, request: () => Promise<T>): Promise<T> {
  const pacing = transport.pacing
  if (!pacing) return request()
  for (let attempt = 1; ; attempt += 1) {
    await reserveSendSlot(deps, pacing)
    try {
      return await request()
    } catch (error) {
      if (!(error instanceof EmailSendError) || error.statusCode !== 429) throw error
      const wait = Math.max(1, error.retryAfterSeconds ?? 1)
      await deferSendSlots(deps, pacing, wait)
      if (attempt >= MAX_RATE_LIMIT_WAITS || wait > LONGEST_INLINE_WAIT_SECONDS) throw error
    }
  }
}

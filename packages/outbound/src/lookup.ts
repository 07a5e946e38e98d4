import { promises as dns } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { parseAddress } from './address.js'
import type { OutboundSettings } from './env.js'
import { OutboundError } from './errors.js'
import { judgeAddress } from './policy.js'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/** Name → addresses. The default asks the operating system (hosts file, DNS), like every Node socket does. */
export type OutboundResolver = (hostname: string) => Promise<ResolvedAddress[]>

export const systemResolver: OutboundResolver = async (hostname) => {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true })
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }))
}

/**
 * The `lookup` a socket connects with. The name is resolved once, every
 * address in the answer is judged (one bad address refuses the lot: Node
 * may try any of them), and the socket connects to exactly those addresses.
 * There is no second resolution for a rebinding DNS server to answer
 * differently: the address checked is the address connected to.
 */
export function guardedLookup(service: string, settings: OutboundSettings, resolve: OutboundResolver): LookupFunction {
  return (hostname, options, callback) => {
    const done = callback as (error: NodeJS.ErrnoException | null, address: string | ResolvedAddress[], family?: number) => void
    const family = options.family === 4 || options.family === 6 ? options.family : undefined
    resolve(hostname).then(
      (answers) => {
        let usable: ResolvedAddress[]
        try {
          usable = judgeAnswers(hostname, answers, family, service, settings)
        } catch (error) {
          done(error as OutboundError, '')
          return
        }
        if (options.all) done(null, usable)
        else done(null, usable[0]!.address, usable[0]!.family)
      },
      (error: unknown) => {
        done(new OutboundError('unreachable', service, { detail: `resolving ${hostname}: ${error instanceof Error ? error.message : String(error)}`, cause: error }), '')
      },
    )
  }
}

function judgeAnswers(hostname: string, answers: ResolvedAddress[], family: 4 | 6 | undefined, service: string, settings: OutboundSettings): ResolvedAddress[] {
  const usable: ResolvedAddress[] = []
  for (const answer of answers) {
    const parsed = parseAddress(answer.address)
    if (!parsed) throw new OutboundError('not_allowed', service, { detail: `${hostname} resolved to something that is not an address` })
    const verdict = judgeAddress(parsed, settings)
    if (verdict !== null) throw new OutboundError('not_allowed', service, { detail: `${hostname} resolved to ${answer.address} (${verdict})` })
    if (family === undefined || parsed.family === family) usable.push({ address: answer.address, family: parsed.family })
  }
  if (usable.length === 0) throw new OutboundError('unreachable', service, { detail: `${hostname} has no usable address` })
  return usable
}

import { optionalString, parseEnv, z } from '@accord/config/env'
import { type Cidr, parseCidr } from './address.js'

/**
 * Operator settings of the outbound guard. Both default to strict: tenant
 * URLs may only name the provider's own hosts over https, and nothing may
 * reach a private, loopback or otherwise internal address. Tests, the
 * benchmark and the e2e stack turn them on to reach fake servers on
 * 127.0.0.1; `npm start` leaves them off.
 */

export interface OutboundSettings {
  /** Any host (and http:) may be named, not just the provider's; addresses are still checked. */
  allowCustomHosts: boolean
  /** `none`: only public addresses. `all`: loopback, RFC 1918, CGNAT and unique-local too. Or only those inside these ranges. */
  privateNetworks: 'none' | 'all' | readonly Cidr[]
}

export const STRICT_SETTINGS: OutboundSettings = Object.freeze({ allowCustomHosts: false, privateNetworks: 'none' })

const flag = optionalString.pipe(
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { errorMap: () => ({ message: 'Use true or false.' }) })
    .default('false')
    .transform((value) => ['true', '1', 'yes'].includes(value)),
)

const privateNetworks = optionalString.transform((value, ctx): OutboundSettings['privateNetworks'] => {
  if (value === undefined || ['false', '0', 'no'].includes(value)) return 'none'
  if (['true', '1', 'yes'].includes(value)) return 'all'
  if (value.length > 2000) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'Too long: list at most a few address ranges.' })
    return z.NEVER
  }
  const ranges: Cidr[] = []
  for (const part of value.split(',')) {
    if (part.trim() === '') continue
    const cidr = parseCidr(part)
    if (!cidr) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${part.trim().slice(0, 60)}" is not an address range; use true, false or a comma-separated list like 10.20.0.0/16,fd12::/48.` })
      return z.NEVER
    }
    ranges.push(cidr)
  }
  return ranges.length === 0 ? 'none' : ranges
})

const schema = z.object({
  /** `true` lets tenants name any host (and plain http) as their HubSpot, Salesforce or Slack address. */
  OUTBOUND_ALLOW_CUSTOM_HOSTS: flag,
  /** `true`, or a comma-separated list of CIDR ranges, lets those addresses be reached. */
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: privateNetworks,
})

export type OutboundEnv = z.infer<typeof schema>

export function parseOutboundEnv(source: Record<string, string | undefined> = process.env): OutboundEnv {
  return parseEnv('@accord/outbound', schema, source)
}

let cached: { key: string; env: OutboundEnv } | undefined

/**
 * The process's settings. Re-read when the variables change (cheap), so a
 * test can switch to strict mode for one case with `vi.stubEnv`.
 */
export function outboundEnv(): OutboundEnv {
  const key = `${process.env.OUTBOUND_ALLOW_CUSTOM_HOSTS ?? ''}\u0000${process.env.OUTBOUND_ALLOW_PRIVATE_NETWORKS ?? ''}`
  if (cached?.key !== key) cached = { key, env: parseOutboundEnv() }
  return cached.env
}

export function outboundSettings(): OutboundSettings {
  const env = outboundEnv()
  return { allowCustomHosts: env.OUTBOUND_ALLOW_CUSTOM_HOSTS, privateNetworks: env.OUTBOUND_ALLOW_PRIVATE_NETWORKS }
}

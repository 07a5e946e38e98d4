import { isIPv4, isIPv6 } from 'node:net'

/**
 * What an IP address is, for deciding whether a tenant-supplied URL may reach
 * it. Everything works on the parsed numbers, never on the spelling, so
 * `::ffff:10.0.0.5`, `::ffff:a00:5` and `10.0.0.5` are the same address.
 */

export type AddressCategory =
  | 'public'
  // Refused unless the operator allows private networks (OUTBOUND_ALLOW_PRIVATE_NETWORKS):
  | 'loopback'
  | 'private'
  | 'shared' // carrier-grade NAT, 100.64.0.0/10
  | 'unique_local' // fc00::/7
  // Refused whatever the settings: nothing a CRM or Slack lives on.
  | 'metadata'
  | 'link_local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'

/** Categories OUTBOUND_ALLOW_PRIVATE_NETWORKS can open; every other non-public one stays shut. */
export const PRIVATE_CATEGORIES: ReadonlySet<AddressCategory> = new Set(['loopback', 'private', 'shared', 'unique_local'])

export interface ParsedAddress {
  family: 4 | 6
  /** IPv4 as a 32-bit number; IPv6 as a 128-bit bigint. */
  value: bigint
}

export function parseAddress(text: string): ParsedAddress | null {
  const address = stripBrackets(text)
  if (isIPv4(address)) return { family: 4, value: BigInt(ipv4ToNumber(address)) }
  const withoutZone = address.split('%')[0] ?? ''
  if (isIPv6(withoutZone)) return { family: 6, value: ipv6ToBigInt(withoutZone) }
  return null
}

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

function ipv4ToNumber(address: string): number {
  let value = 0
  for (const part of address.split('.')) value = value * 256 + Number(part)
  return value
}

/** `isIPv6` has already vouched for the syntax; this only expands `::` and a dotted IPv4 tail. */
function ipv6ToBigInt(address: string): bigint {
  const [head = '', tail] = address.split('::') as [string, string | undefined]
  const groups = (part: string): number[] => {
    if (part === '') return []
    const out: number[] = []
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const v4 = ipv4ToNumber(piece)
        out.push(Math.floor(v4 / 65536), v4 % 65536)
      } else {
        out.push(Number.parseInt(piece, 16))
      }
    }
    return out
  }
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  let value = 0n
  for (const group of all) value = (value << 16n) | BigInt(group)
  return value
}

interface Range {
  base: bigint
  bits: number
}

function v4(cidr: string): Range {
  const [address = '', bits = '32'] = cidr.split('/')
  return { base: BigInt(ipv4ToNumber(address)), bits: Number(bits) }
}

function v6(cidr: string): Range {
  const [address = '', bits = '128'] = cidr.split('/')
  return { base: ipv6ToBigInt(address), bits: Number(bits) }
}

function inRange(value: bigint, family: 4 | 6, range: Range): boolean {
  const width = family === 4 ? 32 : 128
  const shift = BigInt(width - range.bits)
  return value >> shift === range.base >> shift
}

// Order matters: the first match wins (metadata before the link-local range that holds it).
const IPV4_RANGES: Array<[Range, AddressCategory]> = [
  [v4('169.254.169.254/32'), 'metadata'], // AWS, GCP, Azure, OCI, DigitalOcean…
  [v4('169.254.170.2/32'), 'metadata'], // AWS ECS task metadata
  [v4('100.100.100.200/32'), 'metadata'], // Alibaba Cloud
  [v4('192.0.0.192/32'), 'metadata'], // Oracle Cloud (legacy)
  [v4('0.0.0.0/8'), 'unspecified'],
  [v4('10.0.0.0/8'), 'private'],
  [v4('100.64.0.0/10'), 'shared'],
  [v4('127.0.0.0/8'), 'loopback'],
  [v4('169.254.0.0/16'), 'link_local'],
  [v4('172.16.0.0/12'), 'private'],
  [v4('192.0.0.0/24'), 'reserved'], // IETF protocol assignments
  [v4('192.0.2.0/24'), 'reserved'], // documentation
  [v4('192.88.99.0/24'), 'reserved'], // 6to4 relay anycast
  [v4('192.168.0.0/16'), 'private'],
  [v4('198.18.0.0/15'), 'reserved'], // benchmarking
  [v4('198.51.100.0/24'), 'reserved'], // documentation
  [v4('203.0.113.0/24'), 'reserved'], // documentation
  [v4('224.0.0.0/4'), 'multicast'],
  [v4('255.255.255.255/32'), 'broadcast'],
  [v4('240.0.0.0/4'), 'reserved'],
]

const IPV6_RANGES: Array<[Range, AddressCategory]> = [
  [v6('fd00:ec2::254/128'), 'metadata'], // AWS IMDS over IPv6
  [v6('::/128'), 'unspecified'],
  [v6('::1/128'), 'loopback'],
  [v6('100::/64'), 'reserved'], // discard-only
  [v6('2001::/23'), 'reserved'], // IETF protocol assignments, Teredo (which hides an IPv4 address) included
  [v6('2001:db8::/32'), 'reserved'], // documentation
  [v6('64:ff9b:1::/48'), 'private'], // local-use NAT64
  [v6('fc00::/7'), 'unique_local'],
  [v6('fe80::/10'), 'link_local'],
  [v6('fec0::/10'), 'private'], // deprecated site-local
  [v6('ff00::/8'), 'multicast'],
]

/** IPv6 forms that carry an IPv4 address a packet would end up at: judged by that address. */
const EMBEDDED_V4: Array<{ range: Range; extract: (value: bigint) => bigint }> = [
  { range: v6('::ffff:0:0/96'), extract: (value) => value & 0xffffffffn }, // IPv4-mapped
  { range: v6('::/96'), extract: (value) => value & 0xffffffffn }, // IPv4-compatible (deprecated)
  { range: v6('64:ff9b::/96'), extract: (value) => value & 0xffffffffn }, // NAT64 well-known prefix
  { range: v6('2002::/16'), extract: (value) => (value >> 80n) & 0xffffffffn }, // 6to4
]

const GLOBAL_UNICAST_V6 = v6('2000::/3')

export function categorise(address: ParsedAddress): AddressCategory {
  if (address.family === 4) {
    for (const [range, category] of IPV4_RANGES) if (inRange(address.value, 4, range)) return category
    return 'public'
  }
  // :: and ::1 sit inside ::/96, so they are decided before the embedded forms.
  if (address.value === 0n) return 'unspecified'
  if (address.value === 1n) return 'loopback'
  for (const embedded of EMBEDDED_V4) {
    if (inRange(address.value, 6, embedded.range)) return categorise({ family: 4, value: embedded.extract(address.value) })
  }
  for (const [range, category] of IPV6_RANGES) if (inRange(address.value, 6, range)) return category
  return inRange(address.value, 6, GLOBAL_UNICAST_V6) ? 'public' : 'reserved'
}

/** The IPv4 address inside an IPv4-mapped (or otherwise embedding) IPv6 address, so CIDR allowances match either spelling. */
export function embeddedIpv4(address: ParsedAddress): ParsedAddress | null {
  if (address.family === 4) return null
  if (address.value === 0n || address.value === 1n) return null
  for (const embedded of EMBEDDED_V4) {
    if (inRange(address.value, 6, embedded.range)) return { family: 4, value: embedded.extract(address.value) }
  }
  return null
}

export interface Cidr {
  family: 4 | 6
  range: Range
  text: string
}

/** `10.1.0.0/16`, `fd12::/48` or a bare address; null when it is not one. */
export function parseCidr(text: string): Cidr | null {
  const trimmed = text.trim()
  if (trimmed.length > 60) return null
  const [address = '', bitsText, extra] = trimmed.split('/')
  if (extra !== undefined) return null
  const parsed = parseAddress(address)
  if (!parsed || address.includes('%')) return null
  const width = parsed.family === 4 ? 32 : 128
  const bits = bitsText === undefined ? width : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return null
  return { family: parsed.family, range: { base: parsed.value, bits }, text: trimmed }
}

export function cidrContains(cidr: Cidr, address: ParsedAddress): boolean {
  if (cidr.family === address.family) return inRange(address.value, address.family, cidr.range)
  const inner = embeddedIpv4(address)
  return inner !== null && cidr.family === 4 && inRange(inner.value, 4, cidr.range)
}

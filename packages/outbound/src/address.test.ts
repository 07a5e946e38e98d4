import { describe, expect, it } from 'vitest'
import { categorise, cidrContains, parseAddress, parseCidr } from './address.js'

const category = (text: string) => {
  const parsed = parseAddress(text)
  if (!parsed) throw new Error(`not an address: ${text}`)
  return categorise(parsed)
}

describe('address categories', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456::1', 'unique_local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // Teredo
    // IPv6 forms carrying an IPv4 address are judged by that address.
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:a00:5', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::10.0.0.5', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'], // NAT64 of 169.254.169.254
    ['2002:0a00:0005::1', 'private'], // 6to4 of 10.0.0.5
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(category(address)).toBe(expected)
  })

  it('reads bracketed IPv6 as URL hosts write them', () => {
    expect(category('[::ffff:a00:5]')).toBe('private')
  })

  it('does not take names or odd IPv4 spellings for addresses (URL parsing normalises those first)', () => {
    expect(parseAddress('localhost')).toBeNull()
    expect(parseAddress('0x7f.1')).toBeNull()
    expect(parseAddress('2130706433')).toBeNull()
  })
})

describe('CIDR allowances', () => {
  it('matches IPv4 ranges against IPv4 and IPv4-mapped addresses', () => {
    const range = parseCidr('10.20.0.0/16')!
    expect(cidrContains(range, parseAddress('10.20.3.4')!)).toBe(true)
    expect(cidrContains(range, parseAddress('::ffff:10.20.3.4')!)).toBe(true)
    expect(cidrContains(range, parseAddress('10.21.0.1')!)).toBe(false)
  })

  it('matches IPv6 ranges and bare addresses', () => {
    expect(cidrContains(parseCidr('fd12::/16')!, parseAddress('fd12:1::1')!)).toBe(true)
    expect(cidrContains(parseCidr('127.0.0.1')!, parseAddress('127.0.0.2')!)).toBe(false)
  })

  it.each(['10.0.0.0/33', '10.0.0.0/8/1', 'example.com/8', '10.0.0.0/x', '', 'fe80::1%eth0/64'])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import { clientAddressKey } from './rate-limit.js'

describe('clientAddressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    // One subscriber's /64 is one client.
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('%s → %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key)
  })

  it.each([null, undefined, '', 'unknown', 'not an address', '999.1.1.1', `${'1'.repeat(500)}`])('no key for %s (no shared bucket)', (ip) => {
    expect(clientAddressKey(ip)).toBeNull()
  })
})

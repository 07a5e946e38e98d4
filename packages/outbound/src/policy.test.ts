import { describe, expect, it } from 'vitest'
import { parseCidr } from './address.js'
import { type OutboundSettings, parseOutboundEnv, STRICT_SETTINGS } from './env.js'
import { OutboundError } from './errors.js'
import { checkOutboundUrl, HUBSPOT_POLICY, SALESFORCE_POLICY, SLACK_API_POLICY, SLACK_WEBHOOK_POLICY } from './policy.js'

const CUSTOM_HOSTS: OutboundSettings = { allowCustomHosts: true, privateNetworks: 'none' }

function refusal(run: () => unknown): OutboundError {
  try {
    run()
  } catch (error) {
    if (error instanceof OutboundError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('provider allow-lists in strict mode (the default)', () => {
  it.each([
    [HUBSPOT_POLICY, 'https://api.hubapi.com'],
    [HUBSPOT_POLICY, 'https://api.hubapi.com/crm/v3/objects/deals'],
    [HUBSPOT_POLICY, 'https://api-eu1.hubapi.com/'],
    [HUBSPOT_POLICY, 'https://API.HubApi.com./'],
    [SALESFORCE_POLICY, 'https://login.salesforce.com'],
    [SALESFORCE_POLICY, 'https://test.salesforce.com/services/Soap/u/62.0'],
    [SALESFORCE_POLICY, 'https://acme.my.salesforce.com'],
    [SALESFORCE_POLICY, 'https://acme--uat.sandbox.my.salesforce.com'],
    [SALESFORCE_POLICY, 'https://na1.salesforce.com/services/data/v62.0/query'],
    [SALESFORCE_POLICY, 'https://acme.lightning.force.com'],
    [SALESFORCE_POLICY, 'https://agency.my.salesforce.mil'],
    [SLACK_WEBHOOK_POLICY, 'https://hooks.slack.com/services/T000/B000/XXXX'],
    [SLACK_API_POLICY, 'https://slack.com/api/'],
  ])('%o allows %s', (policy, url) => {
    expect(checkOutboundUrl(url, policy, STRICT_SETTINGS)).toBeInstanceOf(URL)
  })

  it.each([
    [HUBSPOT_POLICY, 'http://api.hubapi.com', 'http: when https is required'],
    [HUBSPOT_POLICY, 'https://api.hubapi.com:8443/', 'another port'],
    [HUBSPOT_POLICY, 'https://user:secret@api.hubapi.com/', 'credentials in the URL'],
    [HUBSPOT_POLICY, 'https://hubapi.com/', 'the bare domain of a wildcard'],
    [HUBSPOT_POLICY, 'https://api.hubapi.com.evil.example/', 'a look-alike suffix'],
    [HUBSPOT_POLICY, 'https://evilhubapi.com/', 'a look-alike name'],
    [HUBSPOT_POLICY, 'https://evil.example/?next=https://api.hubapi.com', 'the host elsewhere in the URL'],
    [HUBSPOT_POLICY, 'https://login.salesforce.com/', "another provider's host"],
    [SALESFORCE_POLICY, 'https://salesforce.com.evil.example/', 'a look-alike suffix'],
    [SALESFORCE_POLICY, 'https://evilsalesforce.com/', 'a look-alike name'],
    [SLACK_WEBHOOK_POLICY, 'https://slack.com/api/', 'the API host for webhooks'],
    [SLACK_WEBHOOK_POLICY, 'https://hooks.slack.com.evil.example/services/x', 'a look-alike suffix'],
    [HUBSPOT_POLICY, 'https://127.0.0.1/', 'loopback'],
    [HUBSPOT_POLICY, 'http://10.0.0.5:5432', 'a private address'],
    [HUBSPOT_POLICY, 'ftp://api.hubapi.com/', 'another scheme'],
    [HUBSPOT_POLICY, 'file:///etc/passwd', 'a file'],
    [HUBSPOT_POLICY, 'not a url', 'not a URL'],
    [HUBSPOT_POLICY, `https://api.hubapi.com/${'a'.repeat(3000)}`, 'an overlong URL'],
  ])('%o refuses %s (%s)', (policy, url) => {
    const error = refusal(() => checkOutboundUrl(url, policy, STRICT_SETTINGS))
    expect(error.failure).toBe('not_allowed')
    expect(error.message).toBe(`Could not reach ${policy.service} (the address is not allowed).`)
  })
})

describe('addresses, whatever the host allow-list says', () => {
  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback, short form'],
    ['http://[::1]/', 'IPv6 loopback'],
    ['http://localhost:3000/', 'localhost'],
    ['http://app.localhost/', 'a .localhost name'],
    ['http://2130706433/', '127.0.0.1 in decimal'],
    ['http://0x7f.1/', '127.0.0.1 in hex'],
    ['http://0177.0.0.1/', '127.0.0.1 in octal'],
    ['http://0x7f000001/', '127.0.0.1 as one hex number'],
    ['http://10.0.0.5:5432/', '10/8'],
    ['http://172.16.0.1/', '172.16/12'],
    ['http://172.31.255.254/', 'the top of 172.16/12'],
    ['http://192.168.1.1/', '192.168/16'],
    ['http://169.254.169.254/latest/meta-data/', 'the metadata address'],
    ['http://[fd00:ec2::254]/', 'the IPv6 metadata address'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'the metadata name'],
    ['http://100.64.0.1/', 'CGNAT 100.64/10'],
    ['http://[fc00::1]/', 'unique-local fc00::/7'],
    ['http://[fd12:3456::1]/', 'unique-local fd00::/8'],
    ['http://[fe80::1]/', 'link-local fe80::/10'],
    ['http://[::ffff:10.0.0.5]/', 'IPv4-mapped 10.0.0.5'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'IPv6 unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://intranet/', 'a single-label name'],
    ['http://printer.local/', 'an mDNS name'],
  ])('refuses %s (%s) even with custom hosts allowed', (url) => {
    expect(refusal(() => checkOutboundUrl(url, HUBSPOT_POLICY, CUSTOM_HOSTS)).failure).toBe('not_allowed')
  })

  it('lets custom hosts through, over http too, when the operator allows them', () => {
    expect(checkOutboundUrl('http://crm-proxy.example.com:8080/', HUBSPOT_POLICY, CUSTOM_HOSTS).host).toBe('crm-proxy.example.com:8080')
    expect(checkOutboundUrl('https://93.184.215.14/', HUBSPOT_POLICY, CUSTOM_HOSTS).hostname).toBe('93.184.215.14')
  })

  it('opens private ranges only as far as the operator says, and never metadata or link-local', () => {
    const onlyProxy: OutboundSettings = { allowCustomHosts: true, privateNetworks: [parseCidr('10.20.0.0/16')!] }
    expect(checkOutboundUrl('http://10.20.1.2/', HUBSPOT_POLICY, onlyProxy)).toBeInstanceOf(URL)
    expect(refusal(() => checkOutboundUrl('http://10.0.0.5/', HUBSPOT_POLICY, onlyProxy)).failure).toBe('not_allowed')
    expect(refusal(() => checkOutboundUrl('http://127.0.0.1/', HUBSPOT_POLICY, onlyProxy)).failure).toBe('not_allowed')
    const everything: OutboundSettings = { allowCustomHosts: true, privateNetworks: 'all' }
    expect(checkOutboundUrl('http://127.0.0.1:5432/', HUBSPOT_POLICY, everything)).toBeInstanceOf(URL)
    expect(checkOutboundUrl('http://localhost:5432/', HUBSPOT_POLICY, everything)).toBeInstanceOf(URL)
    expect(refusal(() => checkOutboundUrl('http://169.254.169.254/', HUBSPOT_POLICY, everything)).failure).toBe('not_allowed')
    expect(refusal(() => checkOutboundUrl('http://[fe80::1]/', HUBSPOT_POLICY, everything)).failure).toBe('not_allowed')
    expect(refusal(() => checkOutboundUrl('http://metadata.google.internal/', HUBSPOT_POLICY, everything)).failure).toBe('not_allowed')
  })
})

describe('operator settings', () => {
  it('default to strict', () => {
    expect(parseOutboundEnv({})).toEqual({ OUTBOUND_ALLOW_CUSTOM_HOSTS: false, OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'none' })
    expect(parseOutboundEnv({ OUTBOUND_ALLOW_CUSTOM_HOSTS: '', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' })).toEqual({ OUTBOUND_ALLOW_CUSTOM_HOSTS: false, OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'none' })
  })

  it('take true or a list of ranges', () => {
    const env = parseOutboundEnv({ OUTBOUND_ALLOW_CUSTOM_HOSTS: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8, ::1' })
    expect(env.OUTBOUND_ALLOW_CUSTOM_HOSTS).toBe(true)
    expect(Array.isArray(env.OUTBOUND_ALLOW_PRIVATE_NETWORKS) && env.OUTBOUND_ALLOW_PRIVATE_NETWORKS.map((range) => range.text)).toEqual(['127.0.0.0/8', '::1'])
    expect(parseOutboundEnv({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' }).OUTBOUND_ALLOW_PRIVATE_NETWORKS).toBe('all')
  })

  it('name every bad variable', () => {
    expect(() => parseOutboundEnv({ OUTBOUND_ALLOW_CUSTOM_HOSTS: 'maybe', OUTBOUND_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/8,intranet' })).toThrow(
      /OUTBOUND_ALLOW_CUSTOM_HOSTS: Use true or false[\s\S]*OUTBOUND_ALLOW_PRIVATE_NETWORKS: "intranet" is not an address range/,
    )
  })
})

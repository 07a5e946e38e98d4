import { randomBytes } from 'node:crypto'
import { deploymentProfile } from '@accord/config/env'
import { describe, expect, it } from 'vitest'
import { LOCAL_DEVELOPMENT_SECRETS, parseCoreEnv } from './env.js'

const privateKey = randomBytes(32).toString('base64')
const privateReplySecret = randomBytes(32).toString('base64')
const production = { NODE_ENV: 'production', CRM_ENCRYPTION_KEY: privateKey, REPLY_TOKEN_SECRET: privateReplySecret }

describe('core env: production fails closed', () => {
  it('boots in production with private secrets', () => {
    expect(parseCoreEnv(production)).toMatchObject({ CRM_ENCRYPTION_KEY: privateKey, REPLY_TOKEN_SECRET: privateReplySecret, CRM_ENCRYPTION_PREVIOUS_KEYS: [] })
  })

  it('refuses missing secrets in one message naming every one', () => {
    let message = ''
    try {
      parseCoreEnv({ NODE_ENV: 'production' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/CRM_ENCRYPTION_KEY: is required in production/)
    expect(message).toMatch(/REPLY_TOKEN_SECRET: is required in production/)
  })

  it('refuses the public local values, in any spelling of the key', () => {
    const localHex = LOCAL_DEVELOPMENT_SECRETS.crmEncryptionKeyHex
    for (const spelling of [localHex, localHex.toUpperCase(), Buffer.from(localHex, 'hex').toString('base64'), Buffer.from(localHex, 'hex').toString('base64url')]) {
      expect(() => parseCoreEnv({ ...production, CRM_ENCRYPTION_KEY: spelling })).toThrow(/CRM_ENCRYPTION_KEY: is the public local development key/)
    }
    expect(() => parseCoreEnv({ ...production, REPLY_TOKEN_SECRET: LOCAL_DEVELOPMENT_SECRETS.replyTokenSecret })).toThrow(/REPLY_TOKEN_SECRET: is the public local development secret/)
  })

  it('holds ACCORD_PROFILE=production to the same rules without NODE_ENV', () => {
    expect(() => parseCoreEnv({ ACCORD_PROFILE: 'production' })).toThrow(/CRM_ENCRYPTION_KEY/)
  })

  it('allows the local defaults under the local profile (the dev stack) and in tests', () => {
    expect(parseCoreEnv({ NODE_ENV: 'production', ACCORD_PROFILE: 'local' }).CRM_ENCRYPTION_KEY).toBeUndefined()
    expect(parseCoreEnv({ NODE_ENV: 'test' }).REPLY_TOKEN_SECRET).toBeUndefined()
    expect(deploymentProfile({ NODE_ENV: 'production', ACCORD_PROFILE: 'local' })).toBe('local')
    expect(deploymentProfile({ NODE_ENV: 'production' })).toBe('production')
    expect(deploymentProfile({ NODE_ENV: 'development' })).toBe('development')
    expect(() => parseCoreEnv({ ACCORD_PROFILE: 'staging' })).toThrow(/ACCORD_PROFILE/)
  })

  it('reads previous keys for rotation, refusing values that are not keys', () => {
    const previous = randomBytes(32).toString('hex')
    expect(parseCoreEnv({ ...production, CRM_ENCRYPTION_PREVIOUS_KEYS: ` ${previous} , local-development-key ,` }).CRM_ENCRYPTION_PREVIOUS_KEYS).toEqual([previous, 'local-development-key'])
    expect(() => parseCoreEnv({ ...production, CRM_ENCRYPTION_PREVIOUS_KEYS: 'not-a-key' })).toThrow(/CRM_ENCRYPTION_PREVIOUS_KEYS: each key must be 32 bytes/)
    expect(() => parseCoreEnv({ CRM_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/CRM_ENCRYPTION_KEY: must be 32 bytes/)
  })
})

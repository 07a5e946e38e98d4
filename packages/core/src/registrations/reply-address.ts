import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { TenantTransaction } from '@accord/db'
import { emailEnv } from '@accord/email/env'
import { coreEnv, LOCAL_DEVELOPMENT_SECRETS } from '../env.js'

/**
 * Reply addresses (issue 5): every partner notification about a registration
 * carries `Reply-To: reply+<token>@<INBOUND_EMAIL_DOMAIN>`.
 *
 * The token is base32 (lower case, no padding — mail systems may fold the
 * case of a local part) of 32 bytes:
 *
 *   tenant id (16 bytes) ‖ reply key (8 random bytes) ‖ HMAC-SHA256(secret, "accord-reply-v1" ‖ tenant ‖ key)[0..8]
 *
 * = 52 characters, so `reply+<token>` is 58 ≤ 64 characters (RFC 5321's
 * local-part limit). The key names a `reply_addresses` row (registration,
 * partner organisation, recipient e-mail); nothing else is in the token, so
 * it reveals nothing and cannot be edited into another registration. The
 * tenant id is in the clear so the inbound side can open the right tenant
 * scope (RLS) before any lookup; the MAC (64 bits, checked in constant time
 * before any database read) makes a forged or edited token fail. One row per
 * registration and recipient: every later notification reuses it.
 */

const LOCAL_SECRET = LOCAL_DEVELOPMENT_SECRETS.replyTokenSecret
const DOMAIN_TAG = Buffer.from('accord-reply-v1\u0000')
const KEY_BYTES = 8
const MAC_BYTES = 8
const TOKEN_BYTES = 16 + KEY_BYTES + MAC_BYTES
export const REPLY_LOCAL_PREFIX = 'reply+'

function secret(): Buffer {
  return createHash('sha256').update(coreEnv().REPLY_TOKEN_SECRET ?? LOCAL_SECRET).digest()
}

function mac(tenant: Buffer, key: Buffer, signingKey: Buffer = secret()): Buffer {
  return createHmac('sha256', signingKey).update(DOMAIN_TAG).update(tenant).update(key).digest().subarray(0, MAC_BYTES)
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

export function base32Encode(bytes: Buffer): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

export function base32Decode(text: string): Buffer | null {
  const bytes: number[] = []
  let buffer = 0
  let bits = 0
  for (const char of text.toLowerCase()) {
    const value = ALPHABET.indexOf(char)
    if (value < 0) return null
    buffer = (buffer << 5) | value
    bits += 5
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 255)
      bits -= 8
    }
    buffer &= (1 << bits) - 1
  }
  return Buffer.from(bytes)
}

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex')
}

function bytesUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** A signed token for a reply key of a tenant. */
export function signReplyToken(tenantId: string, key: string): string {
  const tenant = uuidBytes(tenantId)
  const keyBytes = Buffer.from(key, 'hex')
  if (tenant.length !== 16 || keyBytes.length !== KEY_BYTES) throw new Error('Invalid reply token parts')
  return base32Encode(Buffer.concat([tenant, keyBytes, mac(tenant, keyBytes)]))
}

export type ReplyTokenCheck =
  | { valid: true; tenantId: string; key: string }
  /** `tenantId` is set when the token has the right shape, so a refusal can be answered from that workspace's outbox. */
  | { valid: false; tenantId: string | null }

/** Verifies a token's MAC (no database access). */
export function verifyReplyToken(token: string): ReplyTokenCheck {
  const bytes = /^[a-z2-7]+$/i.test(token) ? base32Decode(token) : null
  if (!bytes || bytes.length !== TOKEN_BYTES) return { valid: false, tenantId: null }
  // 52 characters carry 260 bits: only the canonical spelling (unused low bits zero) is accepted, so no two addresses name one token.
  if (base32Encode(bytes) !== token.toLowerCase()) return { valid: false, tenantId: null }
  const tenant = bytes.subarray(0, 16)
  const key = bytes.subarray(16, 16 + KEY_BYTES)
  const given = bytes.subarray(16 + KEY_BYTES)
  const tenantId = bytesUuid(tenant)
  if (!timingSafeEqual(given, mac(tenant, key))) return { valid: false, tenantId }
  return { valid: true, tenantId, key: key.toString('hex') }
}

/** The token of the first `reply+<token>@…` address among the recipients, or null when the mail is not a reply. */
export function replyTokenFromAddresses(addresses: string[]): string | null {
  for (const address of addresses) {
    const local = address.trim().replace(/^.*</, '').replace(/>.*$/, '').split('@')[0] ?? ''
    if (local.toLowerCase().startsWith(REPLY_LOCAL_PREFIX)) return local.slice(REPLY_LOCAL_PREFIX.length)
  }
  return null
}

export function replyAddress(token: string, domain: string = emailEnv().INBOUND_EMAIL_DOMAIN): string {
  return `${REPLY_LOCAL_PREFIX}${token}@${domain}`
}

/**
 * The reply address for one recipient of one registration's notifications,
 * created on first use (in the caller's transaction, so it exists exactly
 * when the e-mail does).
 */
export async function replyAddressFor(trx: TenantTransaction, input: { tenantId: string; registrationId: string; recipientEmail: string }): Promise<string | null> {
  const recipientEmail = input.recipientEmail.trim().toLowerCase()
  const existing = await trx
    .selectFrom('reply_addresses')
    .select('key')
    .where('registration_id', '=', input.registrationId)
    .where('recipient_email', '=', recipientEmail)
    .executeTakeFirst()
  let key = existing?.key
  if (!key) {
    const row = await trx
      .insertInto('reply_addresses')
      .columns(['tenant_id', 'key', 'registration_id', 'partner_id', 'recipient_email'])
      .expression((eb) =>
        eb
          .selectFrom('registrations')
          .select([
            'tenant_id',
            eb.val(randomBytes(KEY_BYTES).toString('hex')).as('key'),
            'id',
            'partner_id',
            eb.val(recipientEmail).as('recipient_email'),
          ])
          .where('id', '=', input.registrationId),
      )
      // A concurrent notification to the same person created it first: use theirs.
      .onConflict((conflict) => conflict.columns(['tenant_id', 'registration_id', 'recipient_email']).doUpdateSet((eb) => ({ recipient_email: eb.ref('excluded.recipient_email') })))
      .returning('key')
      .executeTakeFirst()
    key = row?.key
  }
  return key ? replyAddress(signReplyToken(input.tenantId, key)) : null
}

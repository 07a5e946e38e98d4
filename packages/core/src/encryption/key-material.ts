/** A 32-byte key written as 64 hex characters or base64 (url-safe too); null when it is neither. */
export function parseKeyMaterial(value: string): Buffer | null {
  const trimmed = value.trim()
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex')
  if (trimmed.length > 64 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null
  const bytes = Buffer.from(trimmed, 'base64')
  return bytes.length === 32 ? bytes : null
}

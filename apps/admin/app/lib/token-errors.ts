/** AppError codes of one-time links (reset, verification, invitation). */
export const TOKEN_ERROR_CODES = ['TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_USED'] as const
export type TokenErrorCode = (typeof TOKEN_ERROR_CODES)[number]

export function isTokenErrorCode(code: unknown): code is TokenErrorCode {
  return typeof code === 'string' && (TOKEN_ERROR_CODES as readonly string[]).includes(code)
}

/** Headings for a broken link, by why it is broken; core's message explains the rest. */
export const tokenErrorTitles: Record<TokenErrorCode, string> = {
  TOKEN_INVALID: 'This link is not valid',
  TOKEN_EXPIRED: 'This link has expired',
  TOKEN_USED: 'This link was already used',
}

/**
 * The one list of application error codes. Each maps, here and only here, to
 * an HTTP status and a tRPC error code; the API layer and Remix routes read
 * this table instead of inventing their own.
 */
export const appErrorCodes = {
  VALIDATION: { httpStatus: 400, trpc: 'BAD_REQUEST' },
  BAD_REQUEST: { httpStatus: 400, trpc: 'BAD_REQUEST' },
  UNAUTHENTICATED: { httpStatus: 401, trpc: 'UNAUTHORIZED' },
  FORBIDDEN: { httpStatus: 403, trpc: 'FORBIDDEN' },
  NOT_FOUND: { httpStatus: 404, trpc: 'NOT_FOUND' },
  CONFLICT: { httpStatus: 409, trpc: 'CONFLICT' },
  TOKEN_INVALID: { httpStatus: 400, trpc: 'BAD_REQUEST' },
  TOKEN_EXPIRED: { httpStatus: 410, trpc: 'BAD_REQUEST' },
  TOKEN_USED: { httpStatus: 410, trpc: 'BAD_REQUEST' },
  RATE_LIMITED: { httpStatus: 429, trpc: 'TOO_MANY_REQUESTS' },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, trpc: 'BAD_REQUEST' },
  INTERNAL: { httpStatus: 500, trpc: 'INTERNAL_SERVER_ERROR' },
} as const

export type AppErrorCode = keyof typeof appErrorCodes

/** Field name → messages, shown next to form fields. */
export type FieldErrors = Record<string, string[]>

export class AppError extends Error {
  readonly code: AppErrorCode
  readonly fieldErrors?: FieldErrors
  /** Seconds until a retry may succeed (RATE_LIMITED). */
  readonly retryAfterSeconds?: number

  constructor(code: AppErrorCode, message: string, extra: { fieldErrors?: FieldErrors; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, { cause: extra.cause })
    this.name = 'AppError'
    this.code = code
    this.fieldErrors = extra.fieldErrors
    this.retryAfterSeconds = extra.retryAfterSeconds
  }

  get httpStatus(): number {
    return appErrorCodes[this.code].httpStatus
  }

  static validation(fieldErrors: FieldErrors, message = 'Please correct the highlighted fields.'): AppError {
    return new AppError('VALIDATION', message, { fieldErrors })
  }

  static notFound(what: string): AppError {
    return new AppError('NOT_FOUND', `${what} was not found.`)
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError
}

/** Postgres unique-violation on a named constraint/index → true. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string } | null
  return pgError?.code === '23505' && (constraint === undefined || pgError.constraint === constraint)
}

import { type AppErrorCode, AppError, appErrorCodes, type CoreContext, scanForControlCharacters, type StaffPermission, staffCan, zodFieldErrors } from '@accord/core'
import { initTRPC, TRPCError } from '@trpc/server'
import superjson from 'superjson'
import { ZodError } from 'zod'

export interface ApiContext {
  /** Core context: infrastructure plus the acting user, resolved by the app from its session cookie. */
  core: CoreContext
  app: 'admin' | 'portal'
  /** The tenant the portal host/path names (portal only). */
  portalTenantId: string | null
}

/** AppError → tRPC error, in one place; the original AppError stays as `cause` for server-side callers. */
export function toTrpcError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error
  if (error instanceof AppError) return new TRPCError({ code: appErrorCodes[error.code].trpc, message: error.message, cause: error })
  if (error instanceof ZodError) return toTrpcError(AppError.validation(zodFieldErrors(error)))
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Something went wrong on our side. Please try again.', cause: error instanceof Error ? error : undefined })
}

export interface ApiMeta {
  /**
   * Input paths whose control characters are replaced by spaces instead of
   * refused: search boxes (nobody should be told their search "contains
   * control characters") and rich-text bodies (the sanitiser drops them anyway).
   */
  stripControlCharacters?: readonly string[]
}

const t = initTRPC.context<ApiContext>().meta<ApiMeta>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const appError = error.cause instanceof AppError ? error.cause : null
    const zodError = error.cause instanceof ZodError ? error.cause : null
    return {
      ...shape,
      message: shape.data.code === 'INTERNAL_SERVER_ERROR' && !appError ? 'Something went wrong on our side. Please try again.' : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        appCode: (appError?.code ?? (zodError ? 'VALIDATION' : null)) as AppErrorCode | null,
        fieldErrors: appError?.fieldErrors ?? (zodError ? zodFieldErrors(zodError) : null),
      },
    }
  },
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** Every procedure: AppErrors thrown by core become the mapped tRPC error. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next()
  if (!result.ok) throw toTrpcError(result.error.cause instanceof AppError ? result.error.cause : result.error)
  return result
})

/**
 * Every procedure, before its input is parsed: one boundary for string
 * input. Control characters (NUL, other C0 controls, DEL, lone surrogates)
 * in any field are a field error ("This field contains invisible control
 * characters.") instead of a Postgres error and a 500.
 */
const refuseControlCharacters = t.middleware(async ({ meta, getRawInput, next }) => {
  const raw = await getRawInput()
  const { value, fieldErrors } = scanForControlCharacters(raw, { strip: meta?.stripControlCharacters })
  if (fieldErrors) throw AppError.validation(fieldErrors)
  return value === raw ? next() : next({ getRawInput: async () => value })
})

export const publicProcedure = t.procedure.use(mapErrors).use(refuseControlCharacters)

export const staffProcedure = (permission?: StaffPermission) =>
  publicProcedure.use(({ ctx, next }) => {
    const actor = ctx.core.actor
    if (ctx.app !== 'admin' || actor.kind !== 'staff') throw toTrpcError(new AppError('UNAUTHENTICATED', 'Please sign in to the admin app.'))
    if (permission && !staffCan(actor.role, permission)) throw toTrpcError(new AppError('FORBIDDEN', 'Your role does not allow this.'))
    return next({ ctx: { ...ctx, core: { ...ctx.core, actor } } })
  })

export const partnerProcedure = publicProcedure.use(({ ctx, next }) => {
  const actor = ctx.core.actor
  // A partner session is only good on its own tenant's portal.
  if (ctx.app !== 'portal' || actor.kind !== 'partner' || actor.tenantId !== ctx.portalTenantId) {
    throw toTrpcError(new AppError('UNAUTHENTICATED', 'Please sign in to the partner portal.'))
  }
  return next({ ctx: { ...ctx, core: { ...ctx.core, actor } } })
})

/** AppError from anything a caller throws (for Remix actions using createCaller). */
export function appErrorOf(error: unknown): AppError | null {
  if (error instanceof AppError) return error
  if (error instanceof TRPCError && error.cause instanceof AppError) return error.cause
  if (error instanceof TRPCError && error.cause instanceof ZodError) return AppError.validation(zodFieldErrors(error.cause))
  if (error instanceof TRPCError) {
    const code = (Object.keys(appErrorCodes) as AppErrorCode[]).find((candidate) => appErrorCodes[candidate].trpc === error.code) ?? 'INTERNAL'
    return new AppError(code, error.message)
  }
  return null
}

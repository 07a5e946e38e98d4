import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import type { ApiContext } from './trpc.js'
import { appRouter } from './root.js'

/** Serves /api/trpc/* for a Remix resource route; the app resolves the context (session, tenant). */
export function handleTrpcRequest(request: Request, createContext: () => Promise<ApiContext>, endpoint = '/api/trpc'): Promise<Response> {
  return fetchRequestHandler({
    endpoint,
    req: request,
    router: appRouter,
    createContext,
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[trpc] ${path ?? '?'}:`, error.cause ?? error)
    },
  })
}

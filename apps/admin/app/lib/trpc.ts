import type { AppRouter } from '@accord/api'
import { createTRPCClient, httpBatchLink } from '@trpc/client'
import superjson from 'superjson'

let client: ReturnType<typeof createTRPCClient<AppRouter>> | undefined

/** Browser-side tRPC client for the app's own /api/trpc endpoint (same origin, session cookie). */
export function trpc() {
  client ??= createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc', transformer: superjson })] })
  return client
}

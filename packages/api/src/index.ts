export { appRouter, createCaller, type AppRouter } from './root.js'
export { appErrorOf, toTrpcError, type ApiContext } from './trpc.js'
export { handleTrpcRequest } from './http.js'

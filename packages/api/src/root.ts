import { adminRouter } from './routers/admin/index.js'
import { portalRouter } from './routers/portal/index.js'
import { publicRouter } from './routers/public/index.js'
import { createCallerFactory, router } from './trpc.js'

export const appRouter = router({
  admin: adminRouter,
  portal: portalRouter,
  public: publicRouter,
})

export type AppRouter = typeof appRouter
export const createCaller = createCallerFactory(appRouter)

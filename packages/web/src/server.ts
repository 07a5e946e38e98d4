import { readdirSync } from 'node:fs'
import path from 'node:path'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import { limitBodySize, sameOriginMutations } from './csrf.js'
import { defaultSecurityHeaders } from './security-headers.js'
import { webEnv } from './env.js'

export interface AppServerOptions {
  name: string
  /** The app's folder (holding build/ and vite.config.ts). */
  appRoot: string
  port: number
  host?: string
  dev: boolean
  csrfExemptPathPrefixes?: string[]
}

/**
 * One Express server per Remix app: security headers, same-origin check on
 * mutations, static assets, and the Remix handler (Vite middleware in dev,
 * the production build otherwise). tRPC is a Remix resource route.
 */
export async function startAppServer(options: AppServerOptions): Promise<{ close: () => Promise<void>; url: string }> {
  const app = express()
  app.disable('x-powered-by')
  const trustProxy = webEnv().TRUST_PROXY
  app.set('trust proxy', /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy === 'true' ? true : trustProxy)
  // Compression wraps every response; only do that for clients that accept an encoding.
  const compress = compression()
  app.use((request, response, next) => (request.headers['accept-encoding'] ? compress(request, response, next) : next()))
  app.use(defaultSecurityHeaders())
  app.get('/healthz', (_request, response) => {
    response.type('text/plain').send('ok')
  })
  app.use(sameOriginMutations({ exemptPathPrefixes: options.csrfExemptPathPrefixes }))
  app.use(limitBodySize(webEnv().MAX_BODY_BYTES))

  let build: ServerBuild | (() => Promise<ServerBuild>)
  if (options.dev) {
    const vite = await import('vite')
    const viteServer = await vite.createServer({ root: options.appRoot, server: { middlewareMode: true } })
    app.use(viteServer.middlewares)
    build = () => viteServer.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>
  } else {
    const clientDir = path.join(options.appRoot, 'build', 'client')
    app.use('/assets', express.static(path.join(clientDir, 'assets'), { immutable: true, maxAge: '1y' }))
    // The other public files are known at boot: only their paths touch the file system (no stat per page request).
    const publicFiles = listPublicFiles(clientDir)
    const servePublic = express.static(clientDir, { maxAge: '1h' })
    app.use((request, response, next) => (publicFiles.has(request.path) ? servePublic(request, response, next) : next()))
    build = (await import(path.join(options.appRoot, 'build', 'server', 'index.js'))) as ServerBuild
  }
  app.all(
    '*',
    createRequestHandler({
      build,
      mode: options.dev ? 'development' : 'production',
      // Loaders and actions read the client IP (rate limits, session records) from here.
      getLoadContext: (request) => ({ clientIp: request.ip ?? null }),
    }),
  )

  const host = options.host ?? '0.0.0.0'
  return new Promise((resolve) => {
    const server = app.listen(options.port, host, () => {
      const url = `http://localhost:${options.port}`
      console.log(`[${options.name}] listening on ${url}`)
      resolve({
        url,
        close: () => new Promise<void>((done) => server.close(() => done())),
      })
    })
    server.keepAliveTimeout = 65_000
  })
}

/** URL paths of the files in the client build outside /assets (favicon, robots.txt…). */
function listPublicFiles(clientDir: string): Set<string> {
  const files = new Set<string>()
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!(prefix === '' && entry.name === 'assets')) walk(path.join(dir, entry.name), `${prefix}/${entry.name}`)
      } else files.add(`${prefix}/${entry.name}`)
    }
  }
  try {
    walk(clientDir, '')
  } catch {
    // No client build (yet): nothing public to serve besides /assets.
  }
  return files
}

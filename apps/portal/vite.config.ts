import { vitePlugin as remix } from '@remix-run/dev'
import { defineConfig, type Plugin } from 'vite'
import tsconfigPaths from 'vite-tsconfig-paths'
import { definePortalRoutes } from './portal-routes'

/**
 * Server-only workspace packages stay out of the SSR bundle: the server runs
 * under tsx, which loads their TypeScript (and their own dependencies: pg,
 * kysely, lucia, pg-boss…) from the workspace at runtime. `ssr.external`
 * cannot do this, because Vite never externalises `.ts` entry points.
 */
const SERVER_ONLY_PACKAGES = /^@accord\/(api|auth|config|core|db|email|jobs|web)(\/.*)?$/

function externalServerPackages(): Plugin {
  return {
    name: 'accord-external-server-packages',
    // Production build only: in dev, Vite's SSR loader transforms the workspace TypeScript itself.
    apply: 'build',
    enforce: 'pre',
    resolveId(source, _importer, options) {
      return options?.ssr && SERVER_ONLY_PACKAGES.test(source) ? { id: source, external: true } : null
    },
  }
}

export default defineConfig({
  plugins: [
    externalServerPackages(),
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
        // Off on purpose. Single fetch loads a page's data from `<path>.data`; for the
        // path-mode home that is `/t/<slug>.data`, which is outside the session
        // cookie's `/t/<slug>` path, so client navigations home would look signed out.
        // Classic data requests (`/t/<slug>?_data=…`) keep the cookie.
        v3_singleFetch: false,
        // Off too: routes come from the `routes` option below (each page mounted twice).
        v3_routeConfig: false,
      },
      routes: definePortalRoutes,
    }),
    tsconfigPaths(),
  ],
  server: { port: 3001 },
})

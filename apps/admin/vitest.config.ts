import { defineConfig } from 'vitest/config'
import tsconfigPaths from 'vite-tsconfig-paths'

// Unit tests of the app's pure helpers; kept apart from vite.config.ts so the Remix plugin stays out of them.
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: { include: ['app/**/*.test.ts', '*.test.ts'], environment: 'node' },
})

import tsconfigPaths from 'vite-tsconfig-paths'
import { defineConfig } from 'vitest/config'

// Separate from vite.config.ts so tests run without the Remix plugin. The
// shared global setup provides a fresh migrated database to the server tests.
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ['app/**/*.test.ts', '*.test.ts'],
    environment: 'node',
    globalSetup: ['@accord/core/testing/global-setup'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})

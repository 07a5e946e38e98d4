import { defineConfig } from 'vitest/config'
import tsconfigPaths from 'vite-tsconfig-paths'

// Kept apart from vite.config.ts so the Remix plugin stays out of tests. The
// shared global setup provides a fresh migrated database for the server tests.
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

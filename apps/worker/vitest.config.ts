import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['@accord/core/testing/global-setup'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every file starts real workers on the one test database; run in parallel they would work each other's jobs.
    fileParallelism: false,
  },
})

import { defineConfig } from 'vitest/config'

// The guard's own tests pass their settings explicitly; the environment stays strict.
export default defineConfig({
  test: {
    testTimeout: 30_000,
  },
})

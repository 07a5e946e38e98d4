import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // The fake HubSpot and Salesforce listen on 127.0.0.1: the outbound guard must let tests name them.
    env: { OUTBOUND_ALLOW_CUSTOM_HOSTS: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' },
  },
})

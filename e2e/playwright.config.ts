import { defineConfig, devices } from '@playwright/test'

/**
 * Debian's Chromium (never a downloaded browser), against the whole stack
 * started by tools/devstack/src/e2e-stack.ts on ports 4100 (admin) / 4101 (portal),
 * ready when 4199 answers.
 */
// Fixtures call core directly too (connecting CRMs and Slack to fakes on 127.0.0.1), so the test
// processes get the outbound guard's operator settings that tools/devstack/src/e2e-stack.ts gives the apps.
process.env.OUTBOUND_ALLOW_CUSTOM_HOSTS ??= 'true'
process.env.OUTBOUND_ALLOW_PRIVATE_NETWORKS ??= '127.0.0.0/8'

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: 'http://localhost:4100',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs } } }],
  webServer: {
    command: 'node --import tsx src/e2e-stack.ts',
    cwd: '../tools/devstack',
    // The stack's readiness port: both apps, the worker and .stack.json are up.
    url: 'http://127.0.0.1:4199/',
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
  },
})

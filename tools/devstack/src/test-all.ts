/**
 * The README's test command: one Postgres for the whole run (embedded, or
 * TEST_DATABASE_URL's server), then each check in turn. Every package's
 * tests create and drop their own databases on it.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { startEmbeddedPostgres } from '@accord/db/embedded'
import { repoRoot } from '@accord/db/repo'
import { withDatabase } from '@accord/db/testing'
import { childEnvironment, devstackEnv } from './env.js'

const root = repoRoot()
const env = devstackEnv()
const only = process.argv.find((argument) => argument.startsWith('--only='))?.slice('--only='.length).split(',')

let serverUrl = env.TEST_DATABASE_URL
let stopServer: (() => Promise<void>) | undefined
if (!serverUrl) {
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, '.data', 'test-postgres'), port: 54339, databaseName: 'postgres', log: (line) => console.log(line) })
  serverUrl = embedded.url
  stopServer = embedded.stop
  console.log('› test Postgres: embedded, port 54339')
} else {
  console.log('› test Postgres: TEST_DATABASE_URL')
}
const serverRoot = withDatabase(serverUrl, 'postgres')

const steps: Array<{ name: string; args: string[] }> = [
  { name: 'schema types match migrations', args: ['--filter', '@accord/db', 'check:types'] },
  { name: 'typecheck', args: ['turbo', 'run', 'typecheck', '--output-logs=errors-only'] },
  { name: 'unit + integration tests (Vitest, real Postgres)', args: ['turbo', 'run', 'test', '--concurrency=2', '--output-logs=full'] },
  { name: 'build apps', args: ['turbo', 'run', 'build', '--filter=@accord/admin', '--filter=@accord/portal', '--output-logs=errors-only'] },
  { name: 'end-to-end (Playwright, Chromium)', args: ['--filter', '@accord/e2e', 'test:e2e'] },
]

const results: Array<{ name: string; ok: boolean; seconds: number }> = []
let failed = false
for (const step of steps) {
  if (only && !only.some((wanted) => step.name.startsWith(wanted))) continue
  console.log(`\n━━ ${step.name} ━━`)
  const started = performance.now()
  const code = await new Promise<number>((resolve) => {
    // scripts/bootstrap.mjs put the pinned pnpm first on PATH; a missing one is a failed step, not a crash.
    const child = spawn('pnpm', step.args, { cwd: root, stdio: 'inherit', env: childEnvironment({ TEST_DATABASE_URL: serverRoot }) })
    child.on('error', (error) => {
      console.error(`✖ could not start pnpm: ${error.message} (run the tests with \`npm test\`, which provides it)`)
      resolve(127)
    })
    child.on('exit', (exitCode) => resolve(exitCode ?? 1))
  })
  results.push({ name: step.name, ok: code === 0, seconds: (performance.now() - started) / 1000 })
  if (code !== 0) {
    failed = true
    break
  }
}
await stopServer?.()

console.log('\n━━ summary ━━')
for (const result of results) console.log(`${result.ok ? '✔' : '✖'} ${result.name} (${result.seconds.toFixed(1)}s)`)
const passed = results.filter((result) => result.ok).length
console.log(`Summary: ${passed} of ${results.length} steps succeeded${failed ? ' — see the failing step above' : ''}.`)
process.exit(failed ? 1 : 0)

#!/usr/bin/env node
// `npm start`: install, build both apps, then run the whole stack in the
// foreground (embedded Postgres unless DATABASE_URL is set). Ctrl-C stops it.
// `--dev` serves the apps through Vite with hot reload instead of building.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { install, root, run } from './bootstrap.mjs'

const dev = process.argv.includes('--dev')
install()
if (!dev) {
  console.log('› building the admin and portal apps…')
  run(['turbo', 'run', 'build', '--filter=@accord/admin', '--filter=@accord/portal', '--output-logs=errors-only'])
}
const stack = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts', ...(dev ? ['--dev'] : [])], {
  cwd: path.join(root, 'tools/devstack'),
  stdio: 'inherit',
})
// The terminal's Ctrl-C reaches the stack too; it shuts down cleanly and we exit with it.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stack.kill(signal))
stack.on('exit', (code) => process.exit(code ?? 0))

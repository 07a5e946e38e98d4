// Shared by start.mjs and test.mjs: needs only Node and npm. Finds or fetches
// pnpm (the version pinned in package.json) and installs the workspace.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const pinned = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]

function hasPnpm() {
  try {
    return execFileSync('pnpm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === pinned
  } catch {
    return false
  }
}

/** Command + leading args that run the pinned pnpm. */
export const pnpm = hasPnpm() ? ['pnpm'] : ['npx', '--yes', `pnpm@${pinned}`]

export function run(args, options = {}) {
  const [command, ...rest] = [...pnpm, ...args]
  const result = spawnSync(command, rest, { cwd: root, stdio: 'inherit', ...options })
  if (result.status !== 0) {
    console.error(`\n✖ ${[...pnpm, ...args].join(' ')} failed (exit ${result.status ?? result.signal})`)
    process.exit(result.status ?? 1)
  }
}

export function install() {
  const [major] = process.versions.node.split('.').map(Number)
  if (major < 20) {
    console.error(`Accord needs Node 20 or newer (found ${process.versions.node}).`)
    process.exit(1)
  }
  console.log(`› installing dependencies with pnpm ${pinned}…`)
  run(['install', '--frozen-lockfile', '--reporter=silent'])
}

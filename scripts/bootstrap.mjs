// Shared by start.mjs and test.mjs: needs only Node and npm. Finds or fetches
// pnpm (the version pinned in package.json), puts it first on PATH for every
// process started from here on (turbo, the test runner and package scripts
// all spawn a bare `pnpm`), and installs the workspace.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const pinned = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]
const toolDir = path.join(root, '.data', 'tools', `pnpm-${pinned}`)
const toolBin = path.join(toolDir, 'node_modules', '.bin')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function globalPnpmIsPinned() {
  try {
    return execFileSync('pnpm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === pinned
  } catch {
    return false
  }
}

/**
 * A pnpm of the pinned version on PATH. A machine with only Node and npm gets
 * one installed by npm into .data/tools (once); a matching global pnpm is used
 * as it is. Either way the directory goes first on this process's PATH so
 * every child resolves `pnpm` the same way.
 */
export function ensurePnpm() {
  if (globalPnpmIsPinned()) return
  if (!existsSync(path.join(toolBin, process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm'))) {
    console.log(`› fetching pnpm ${pinned} with npm…`)
    const result = spawnSync(npm, ['install', '--prefix', toolDir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${pinned}`], { stdio: 'inherit' })
    if (result.status !== 0) {
      console.error(`\n✖ could not install pnpm ${pinned} with npm (exit ${result.status ?? result.signal})`)
      process.exit(result.status ?? 1)
    }
  }
  process.env.PATH = `${toolBin}${path.delimiter}${process.env.PATH ?? ''}`
}

export function run(args, options = {}) {
  const result = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit', ...options })
  if (result.status !== 0) {
    console.error(`\n✖ pnpm ${args.join(' ')} failed (exit ${result.status ?? result.signal}${result.error ? `: ${result.error.message}` : ''})`)
    process.exit(result.status ?? 1)
  }
}

export function install() {
  const [major] = process.versions.node.split('.').map(Number)
  if (major < 20) {
    console.error(`Accord needs Node 20 or newer (found ${process.versions.node}).`)
    process.exit(1)
  }
  ensurePnpm()
  console.log(`› installing dependencies with pnpm ${pinned}…`)
  run(['install', '--frozen-lockfile', '--reporter=silent'])
}

import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The monorepo root (the folder holding pnpm-workspace.yaml). */
export function repoRoot(): string {
  let current = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(current, 'pnpm-workspace.yaml'))) {
    const parent = path.dirname(current)
    if (parent === current) throw new Error('Could not find the repository root (pnpm-workspace.yaml)')
    current = parent
  }
  return current
}

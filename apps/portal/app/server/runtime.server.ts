import { createRuntimeDeps, type RuntimeDeps } from '@accord/core/runtime'

// One pool and one pg-boss sender per process. Kept on globalThis so Vite's
// dev-mode module reloads do not open a new pool on every edit.
const holder = globalThis as typeof globalThis & { __accordPortalDeps?: Promise<RuntimeDeps> }

export function runtimeDeps(): Promise<RuntimeDeps> {
  holder.__accordPortalDeps ??= createRuntimeDeps().catch((error: unknown) => {
    // Let the next request retry (e.g. the database was still starting).
    holder.__accordPortalDeps = undefined
    throw error
  })
  return holder.__accordPortalDeps
}

export async function closeRuntimeDeps(): Promise<void> {
  const pending = holder.__accordPortalDeps
  holder.__accordPortalDeps = undefined
  if (pending) await (await pending).close()
}

/** Hand the portal deps someone already holds (integration tests), instead of building them from env. */
export function provideRuntimeDeps(deps: RuntimeDeps): void {
  holder.__accordPortalDeps = Promise.resolve(deps)
}

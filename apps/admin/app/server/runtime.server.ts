import { createRuntimeDeps, type RuntimeDeps } from '@accord/core/runtime'

// One pool and one pg-boss sender per process. Kept on globalThis so Vite's
// dev-mode module reloads reuse it instead of leaking connections.
const KEY = Symbol.for('accord.admin.runtimeDeps')
type Holder = { [KEY]?: Promise<RuntimeDeps> }

export function runtimeDeps(): Promise<RuntimeDeps> {
  const holder = globalThis as Holder
  if (!holder[KEY]) {
    holder[KEY] = createRuntimeDeps().catch((error: unknown) => {
      // Let the next request try again (e.g. the database was still starting).
      delete holder[KEY]
      throw error
    })
  }
  return holder[KEY]
}

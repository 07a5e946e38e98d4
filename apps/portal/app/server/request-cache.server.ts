import type { AppLoadContext } from '@remix-run/node'

/**
 * Work shared by the loaders of one request (root, layout, page): tenant
 * lookup, session validation, portal home. Keyed on the load context, the one
 * object Remix hands to every loader of a request (each loader gets its own
 * copy of the Request, so the request cannot be the key).
 */
const caches = new WeakMap<AppLoadContext, Map<string, Promise<unknown>>>()

export function oncePerRequest<Result>(context: AppLoadContext | undefined, key: string, compute: () => Promise<Result>): Promise<Result> {
  if (!context) return compute()
  let cache = caches.get(context)
  if (!cache) {
    cache = new Map()
    caches.set(context, cache)
  }
  let pending = cache.get(key) as Promise<Result> | undefined
  if (!pending) {
    pending = compute()
    cache.set(key, pending)
  }
  return pending
}

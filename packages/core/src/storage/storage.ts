import { promises as fs } from 'node:fs'
import path from 'node:path'

/** Where uploaded files live. Local disk by default; an S3-compatible store can implement the same. */
export interface FileStorage {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>
  get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | null>
  delete(key: string): Promise<void>
}

const SAFE_KEY = /^[a-zA-Z0-9][a-zA-Z0-9/_.-]{0,300}$/

/** Refuse keys that could escape the storage root (or be odd object names): every driver checks the same rule. */
export function assertSafeStorageKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`Unsafe storage key: ${key}`)
}

export function createLocalDiskStorage(rootDir: string): FileStorage {
  const resolve = (key: string) => {
    assertSafeStorageKey(key)
    return path.join(rootDir, key)
  }
  return {
    async put(key, bytes, contentType) {
      const file = resolve(key)
      await fs.mkdir(path.dirname(file), { recursive: true })
      await fs.writeFile(file, bytes)
      await fs.writeFile(`${file}.meta.json`, JSON.stringify({ contentType }))
    },
    async get(key) {
      const file = resolve(key)
      try {
        const [bytes, meta] = await Promise.all([fs.readFile(file), fs.readFile(`${file}.meta.json`, 'utf8')])
        return { bytes, contentType: (JSON.parse(meta) as { contentType: string }).contentType }
      } catch {
        return null
      }
    },
    async delete(key) {
      const file = resolve(key)
      await fs.rm(file, { force: true })
      await fs.rm(`${file}.meta.json`, { force: true })
    },
  }
}

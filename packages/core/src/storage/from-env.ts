import type { CoreEnv } from '../env.js'
import { createS3Storage } from './s3-storage.js'
import { createLocalDiskStorage, type FileStorage } from './storage.js'

/**
 * The FileStorage chosen by STORAGE_DRIVER: `local` keeps files under
 * STORAGE_DIR (or `defaultDir`), `s3` in the S3_BUCKET of an S3-compatible
 * store. The env schema already insists on the S3 settings; this checks again
 * for hand-built env objects.
 */
export function createStorageFromEnv(env: CoreEnv, defaultDir: string): FileStorage {
  if (env.STORAGE_DRIVER !== 's3') return createLocalDiskStorage(env.STORAGE_DIR ?? defaultDir)
  const required = (name: 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'): string => {
    const value = env[name]
    if (!value) throw new Error(`${name} is required when STORAGE_DRIVER=s3`)
    return value
  }
  return createS3Storage({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    bucket: required('S3_BUCKET'),
    accessKeyId: required('S3_ACCESS_KEY_ID'),
    secretAccessKey: required('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  })
}

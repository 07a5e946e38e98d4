import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { assertSafeStorageKey, type FileStorage } from './storage.js'

export interface S3StorageOptions {
  /** S3-compatible endpoint (MinIO, R2, …); unset → AWS S3 for `region`. */
  endpoint?: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (MinIO and most self-hosted stores need it). */
  forcePathStyle: boolean
  /** Prepended to every key (`accord/` → `accord/tenants/…`), to share a bucket. */
  keyPrefix?: string
}

/**
 * FileStorage on an S3-compatible object store, through the AWS SDK v3.
 *
 * Checksums: the SDK's default since 3.729 ("flexible checksums",
 * WHEN_SUPPORTED) adds a CRC32 to every PutObject, for streamed bodies as an
 * `aws-chunked` body with a trailer, and asks for checksums on GetObject.
 * Several S3-compatible stores (older MinIO, R2, GCS interop, Ceph builds)
 * reject or mishandle that, so this driver sets both
 * `requestChecksumCalculation` and `responseChecksumValidation` to
 * WHEN_REQUIRED: PutObject is then sent as a plain body whose SHA-256 is part
 * of the SigV4 signature (`x-amz-content-sha256`), which already protects the
 * bytes in transit. (The test fake also decodes aws-chunked uploads, so the
 * SDK defaults keep working against it.)
 */
export function createS3Storage(options: S3StorageOptions): FileStorage {
  const { bucket } = options
  const prefix = normalizePrefix(options.keyPrefix)
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })

  const objectKey = (key: string) => {
    assertSafeStorageKey(key)
    return prefix + key
  }
  const failure = (operation: string, key: string, error: unknown) => {
    const { name, message, status } = describe(error)
    return new Error(
      `S3 ${operation} of s3://${bucket}/${key} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${message}`,
      { cause: error },
    )
  }

  return {
    async put(key, bytes, contentType) {
      const Key = objectKey(key)
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: bytes, ContentType: contentType, ContentLength: bytes.byteLength }))
      } catch (error) {
        throw failure('PutObject', Key, error)
      }
    },
    async get(key) {
      const Key = objectKey(key)
      try {
        const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key }))
        const bytes = result.Body ? await result.Body.transformToByteArray() : new Uint8Array()
        return { bytes, contentType: result.ContentType ?? 'application/octet-stream' }
      } catch (error) {
        if (isNotFound(error)) return null
        throw failure('GetObject', Key, error)
      }
    },
    async delete(key) {
      const Key = objectKey(key)
      try {
        // S3 answers 204 for a missing key too, so deleting twice is fine.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }))
      } catch (error) {
        throw failure('DeleteObject', Key, error)
      }
    },
  }
}

function normalizePrefix(keyPrefix: string | undefined): string {
  const trimmed = (keyPrefix ?? '').replace(/^\/+|\/+$/g, '')
  if (trimmed === '') return ''
  assertSafeStorageKey(trimmed)
  return `${trimmed}/`
}

function describe(error: unknown): { name: string; message: string; status?: number } {
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    return { name: error.name, message: error.message, status }
  }
  return { name: 'Error', message: String(error) }
}

/** A missing object (NoSuchKey, or a bare 404), but not a missing bucket: that is a configuration error. */
function isNotFound(error: unknown): boolean {
  const { name, status } = describe(error)
  if (name === 'NoSuchBucket') return false
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404
}

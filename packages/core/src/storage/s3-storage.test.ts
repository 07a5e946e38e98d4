import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseCoreEnv } from '../env.js'
import { createStorageFromEnv } from './from-env.js'
import { createS3Storage, type S3StorageOptions } from './s3-storage.js'
import { startFakeS3, type FakeS3 } from './testing/fake-s3.js'

const KEY = 'tenants/4f6c1d2e-8a7b-4c3d-9e0f-112233445566/resources/9a8b7c6d-5e4f-4a3b-8c2d-1e0f2a3b4c5d/0123abcd.pdf'

let fake: FakeS3
beforeEach(async () => {
  fake = await startFakeS3({ accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key', bucket: 'accord-files' })
})
afterEach(async () => {
  await fake.close()
})

const storageFor = (overrides: Partial<S3StorageOptions> = {}) =>
  createS3Storage({
    endpoint: fake.url,
    region: 'eu-central-1',
    bucket: fake.bucket,
    accessKeyId: fake.accessKeyId,
    secretAccessKey: fake.secretAccessKey,
    forcePathStyle: true,
    ...overrides,
  })

/** Every byte value, so nothing is mangled as text on the way. */
const binary = () => {
  const bytes = new Uint8Array(1024 + 37)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) % 256
  return bytes
}

describe('createS3Storage (AWS SDK against a SigV4-checking fake S3)', () => {
  it('round-trips binary bytes and the content type', async () => {
    const storage = storageFor()
    const bytes = binary()
    await storage.put(KEY, bytes, 'application/pdf')

    const stored = fake.objects.get(KEY)
    expect(stored?.contentType).toBe('application/pdf')
    expect(Buffer.compare(stored!.bytes, Buffer.from(bytes))).toBe(0)

    const got = await storage.get(KEY)
    expect(got?.contentType).toBe('application/pdf')
    expect(got?.bytes).toBeInstanceOf(Uint8Array)
    expect(Buffer.compare(Buffer.from(got!.bytes), Buffer.from(bytes))).toBe(0)

    // Path-style, signed payload (WHEN_REQUIRED checksums: no aws-chunked body).
    const put = fake.requests.find((r) => r.method === 'PUT')
    expect(put).toMatchObject({ path: `/accord-files/${KEY}`, status: 200 })
    expect(put?.contentSha256).toMatch(/^[0-9a-f]{64}$/)
    expect(put?.contentEncoding).toBeUndefined()
  })

  it('answers null for a missing key', async () => {
    const storage = storageFor()
    expect(await storage.get(KEY)).toBeNull()
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', status: 404, code: 'NoSuchKey' })
  })

  it('deletes (and deleting a missing key is fine)', async () => {
    const storage = storageFor()
    await storage.put(KEY, new Uint8Array([1, 2, 3]), 'image/png')
    await storage.delete(KEY)
    expect(fake.objects.has(KEY)).toBe(false)
    expect(await storage.get(KEY)).toBeNull()
    await expect(storage.delete(KEY)).resolves.toBeUndefined()
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([204, 204])
  })

  it('applies the key prefix', async () => {
    const storage = storageFor({ keyPrefix: 'accord/' })
    await storage.put(KEY, new Uint8Array([9]), 'text/plain')
    expect([...fake.objects.keys()]).toEqual([`accord/${KEY}`])
    expect((await storage.get(KEY))?.bytes).toEqual(new Uint8Array([9]))
  })

  it('is rejected with a wrong secret (signature checked for real)', async () => {
    const storage = storageFor({ secretAccessKey: 'not-the-secret' })
    await expect(storage.put(KEY, new Uint8Array([1]), 'application/pdf')).rejects.toThrow(
      /S3 PutObject of s3:\/\/accord-files\/tenants\/.*failed: SignatureDoesNotMatch \(HTTP 403\)/,
    )
    await expect(storage.get(KEY)).rejects.toThrow(/GetObject .*SignatureDoesNotMatch/)
    expect(fake.objects.size).toBe(0)
  })

  it('is rejected with an unknown access key, and with an unknown bucket', async () => {
    await expect(storageFor({ accessKeyId: 'AKIDOTHER' }).get(KEY)).rejects.toThrow(/InvalidAccessKeyId/)
    // A missing bucket is a configuration error, not a missing file.
    await expect(storageFor({ bucket: 'other-bucket' }).get(KEY)).rejects.toThrow(/NoSuchBucket \(HTTP 404\)/)
  })

  it('refuses unsafe keys before any request', async () => {
    const storage = storageFor()
    for (const key of ['../etc/passwd', '/absolute', 'tenants/../../x', 'with space.pdf', 'a?b', '']) {
      await expect(storage.put(key, new Uint8Array([1]), 'text/plain')).rejects.toThrow(/Unsafe storage key/)
      await expect(storage.get(key)).rejects.toThrow(/Unsafe storage key/)
      await expect(storage.delete(key)).rejects.toThrow(/Unsafe storage key/)
    }
    expect(() => storageFor({ keyPrefix: '../up' })).toThrow(/Unsafe storage key/)
    expect(fake.requests).toHaveLength(0)
  })

  it('propagates a server error once the SDK has given up retrying', async () => {
    const storage = storageFor()
    fake.failNext(500, 10)
    await expect(storage.get(KEY)).rejects.toThrow(/S3 GetObject of .* failed: InternalError \(HTTP 500\)/)
    await expect(storage.put(KEY, new Uint8Array([1]), 'text/plain')).rejects.toThrow(/PutObject .*InternalError/)
    expect(fake.objects.size).toBe(0)
  })

  it('rides out a single transient 503 (SDK retry)', async () => {
    const storage = storageFor()
    fake.failNext(503)
    await storage.put(KEY, new Uint8Array([4, 2]), 'text/plain')
    expect(fake.objects.get(KEY)?.bytes).toEqual(Buffer.from([4, 2]))
    expect(fake.requests.map((r) => r.status)).toEqual([503, 200])
  })
})

describe('fake S3 against the SDK defaults (flexible checksums)', () => {
  const defaultClient = (secretAccessKey = fake.secretAccessKey) =>
    new S3Client({
      endpoint: fake.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: fake.accessKeyId, secretAccessKey },
    })

  it('decodes an aws-chunked upload with a CRC32 trailer', async () => {
    const client = defaultClient()
    const bytes = Buffer.from(binary())
    await client.send(
      new PutObjectCommand({
        Bucket: fake.bucket,
        Key: 'streamed/object.bin',
        Body: Readable.from([bytes.subarray(0, 500), bytes.subarray(500)]),
        ContentLength: bytes.length,
        ContentType: 'application/octet-stream',
      }),
    )
    const put = fake.requests.at(-1)
    expect(put).toMatchObject({ method: 'PUT', status: 200, contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' })
    expect(put?.contentEncoding).toContain('aws-chunked')
    expect(Buffer.compare(fake.objects.get('streamed/object.bin')!.bytes, bytes)).toBe(0)

    const head = await client.send(new HeadObjectCommand({ Bucket: fake.bucket, Key: 'streamed/object.bin' }))
    expect(head.ContentLength).toBe(bytes.length)
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}"$/)
    const got = await client.send(new GetObjectCommand({ Bucket: fake.bucket, Key: 'streamed/object.bin' }))
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), bytes)).toBe(0)
    await expect(client.send(new HeadObjectCommand({ Bucket: fake.bucket, Key: 'missing' }))).rejects.toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    })
    client.destroy()
  })

  it('accepts an in-memory body with a CRC32 header and rejects a wrong secret', async () => {
    const client = defaultClient()
    await client.send(new PutObjectCommand({ Bucket: fake.bucket, Key: 'plain.txt', Body: 'hello', ContentType: 'text/plain' }))
    expect(fake.objects.get('plain.txt')?.bytes.toString()).toBe('hello')
    client.destroy()

    const wrong = defaultClient('wrong')
    await expect(wrong.send(new PutObjectCommand({ Bucket: fake.bucket, Key: 'x.txt', Body: 'x' }))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    })
    wrong.destroy()
  })

  it('refuses unsigned and tampered requests', async () => {
    const anonymous = await fetch(`${fake.url}/${fake.bucket}/a.txt`)
    expect(anonymous.status).toBe(403)
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>')

    // Re-send a request the SDK signed, with a different body: the signed payload hash no longer matches.
    const client = defaultClient()
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: unknown }
        request.body = 'tampered'
        return next(args)
      },
      { step: 'finalizeRequest', priority: 'low', name: 'tamper' },
    )
    await expect(
      client.send(new PutObjectCommand({ Bucket: fake.bucket, Key: 't.txt', Body: 'original' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } })
    expect(fake.objects.has('t.txt')).toBe(false)
    client.destroy()
  })
})

describe('STORAGE_DRIVER env and createStorageFromEnv', () => {
  const s3Env = () => ({
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: fake.url,
    S3_BUCKET: fake.bucket,
    S3_ACCESS_KEY_ID: fake.accessKeyId,
    S3_SECRET_ACCESS_KEY: fake.secretAccessKey,
  })

  it('defaults to local disk under STORAGE_DIR or the given directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'accord-storage-'))
    try {
      const env = parseCoreEnv({})
      expect(env.STORAGE_DRIVER).toBe('local')
      expect(env.S3_REGION).toBe('us-east-1')
      await createStorageFromEnv(env, dir).put('a/b.txt', new Uint8Array([65]), 'text/plain')
      expect(await readFile(path.join(dir, 'a/b.txt'), 'utf8')).toBe('A')
      expect(fake.requests).toHaveLength(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('names each S3 variable missing with STORAGE_DRIVER=s3', () => {
    expect(() => parseCoreEnv({ STORAGE_DRIVER: 's3', S3_BUCKET: 'b' })).toThrow(
      /S3_ACCESS_KEY_ID: S3_ACCESS_KEY_ID is required when STORAGE_DRIVER=s3[\s\S]*S3_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY is required/,
    )
    expect(() => parseCoreEnv({ ...s3Env(), S3_BUCKET: ' ' })).toThrow(/S3_BUCKET is required when STORAGE_DRIVER=s3/)
    expect(() => parseCoreEnv({ STORAGE_DRIVER: 'gcs' })).toThrow(/STORAGE_DRIVER/)
    expect(() => parseCoreEnv({ ...s3Env(), S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/S3_FORCE_PATH_STYLE: Use true or false/)
  })

  it('path-style defaults to true with an endpoint, false without, and can be set', () => {
    expect(parseCoreEnv(s3Env()).S3_FORCE_PATH_STYLE).toBe(true)
    expect(parseCoreEnv({ ...s3Env(), S3_ENDPOINT: '' }).S3_FORCE_PATH_STYLE).toBe(false)
    expect(parseCoreEnv({ ...s3Env(), S3_FORCE_PATH_STYLE: 'false' }).S3_FORCE_PATH_STYLE).toBe(false)
    expect(parseCoreEnv({ S3_FORCE_PATH_STYLE: 'yes' }).S3_FORCE_PATH_STYLE).toBe(true)
  })

  it('STORAGE_DRIVER=s3 stores in the bucket', async () => {
    const storage = createStorageFromEnv(parseCoreEnv(s3Env()), '/nonexistent')
    await storage.put(KEY, new Uint8Array([7, 8]), 'application/pdf')
    expect(fake.objects.get(KEY)?.contentType).toBe('application/pdf')
    expect((await storage.get(KEY))?.bytes).toEqual(new Uint8Array([7, 8]))
  })
})

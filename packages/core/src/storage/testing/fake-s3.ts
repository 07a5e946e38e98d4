import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as zlib from 'node:zlib'

/**
 * A small S3 server for tests: one bucket, path-style requests
 * (`/<bucket>/<key>`), PUT/GET/HEAD/DELETE object, S3's XML errors, and real
 * AWS Signature V4 checks, so a client talking to it through the AWS SDK is
 * exercised on the wire as it would be against S3:
 *
 * - the canonical request is rebuilt from what arrived (method, URI-encoded
 *   path, sorted query, the headers named in SignedHeaders, and the
 *   `x-amz-content-sha256` value), hashed into the string to sign, and signed
 *   with the key derived from the secret and the credential scope; a
 *   different signature → 403 SignatureDoesNotMatch;
 * - a hex `x-amz-content-sha256` must be the SHA-256 of the body
 *   (XAmzContentSHA256Mismatch); `UNSIGNED-PAYLOAD` is accepted as is;
 *   `STREAMING-UNSIGNED-PAYLOAD-TRAILER` bodies (`Content-Encoding:
 *   aws-chunked`, what SDK ≥ 3.729 sends for streamed uploads with flexible
 *   checksums) are decoded, their length checked against
 *   `x-amz-decoded-content-length` and a CRC32 trailer verified;
 * - `x-amz-date` must agree with the credential scope and be within 15
 *   minutes of now (RequestTimeTooSkewed).
 *
 * Not S3: no listing, multipart, ranges, versions, presigned URLs or
 * signed-chunk (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) uploads (501).
 */
export interface FakeS3Object {
  bytes: Buffer
  contentType: string
  etag: string
  lastModified: Date
}

export interface FakeS3Request {
  method: string
  /** Raw path as received, e.g. `/bucket/tenants/…/x.pdf`. */
  path: string
  key?: string
  status: number
  /** S3 error code of the answer, when it was an error. */
  code?: string
  contentSha256?: string
  contentEncoding?: string
}

export interface FakeS3 {
  /** Endpoint for the SDK (`forcePathStyle: true`). */
  url: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  /** Stored objects by key (without the bucket). */
  objects: Map<string, FakeS3Object>
  requests: FakeS3Request[]
  /** Answer the next `times` authenticated requests with `status` (an S3 XML error) instead of serving them. */
  failNext(status: number, times?: number): void
  close(): Promise<void>
}

export interface FakeS3Options {
  accessKeyId?: string
  secretAccessKey?: string
  bucket?: string
}

const MAX_SKEW_MS = 15 * 60 * 1000
const EMPTY_SHA256 = createHash('sha256').digest('hex')

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message)
  }
}

export async function startFakeS3(options: FakeS3Options = {}): Promise<FakeS3> {
  const accessKeyId = options.accessKeyId ?? 'FAKEACCESSKEY'
  const secretAccessKey = options.secretAccessKey ?? 'fake-secret-access-key'
  const bucket = options.bucket ?? 'accord-test'
  const objects = new Map<string, FakeS3Object>()
  const requests: FakeS3Request[] = []
  const failures: number[] = []

  const handle = async (req: IncomingMessage, res: ServerResponse, entry: FakeS3Request) => {
    const body = await readBody(req)
    const rawUrl = req.url ?? '/'
    const queryAt = rawUrl.indexOf('?')
    const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt)
    const rawQuery = queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)
    entry.path = rawPath
    entry.contentSha256 = header(req, 'x-amz-content-sha256')
    entry.contentEncoding = header(req, 'content-encoding')

    verifySignature(req, rawPath, rawQuery, { accessKeyId, secretAccessKey })
    const payload = decodePayload(req, body)

    const failure = failures.shift()
    if (failure !== undefined) {
      throw new S3Error(failure, failure >= 500 ? (failure === 503 ? 'SlowDown' : 'InternalError') : 'InjectedFailure', 'Failure injected by the test (failNext).')
    }

    const segments = rawPath.split('/').slice(1)
    const bucketName = decodeURIComponent(segments[0] ?? '')
    const key = segments.slice(1).map((segment) => decodeURIComponent(segment)).join('/')
    if (bucketName === '') throw new S3Error(501, 'NotImplemented', 'ListBuckets is not implemented by the fake.')
    if (bucketName !== bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: bucketName })
    entry.key = key || undefined
    if (key === '') {
      if (req.method === 'HEAD') return send(res, entry, 200)
      throw new S3Error(501, 'NotImplemented', `Bucket-level ${req.method} is not implemented by the fake.`)
    }

    switch (req.method) {
      case 'PUT': {
        if (req.headers['x-amz-copy-source']) throw new S3Error(501, 'NotImplemented', 'CopyObject is not implemented by the fake.')
        if (rawQuery.split('&').some((part) => /^(uploadId|partNumber|tagging|acl)(=|$)/.test(part))) {
          throw new S3Error(501, 'NotImplemented', 'Only plain PutObject is implemented by the fake.')
        }
        const etag = `"${createHash('md5').update(payload).digest('hex')}"`
        objects.set(key, {
          bytes: payload,
          contentType: header(req, 'content-type') ?? 'binary/octet-stream',
          etag,
          lastModified: new Date(),
        })
        return send(res, entry, 200, { ETag: etag })
      }
      case 'GET':
      case 'HEAD': {
        const object = objects.get(key)
        if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key })
        const headers = {
          'Content-Type': object.contentType,
          'Content-Length': String(object.bytes.length),
          ETag: object.etag,
          'Last-Modified': object.lastModified.toUTCString(),
          'Accept-Ranges': 'bytes',
        }
        return send(res, entry, 200, headers, req.method === 'GET' ? object.bytes : undefined)
      }
      case 'DELETE':
        objects.delete(key)
        return send(res, entry, 204)
      default:
        throw new S3Error(405, 'MethodNotAllowed', `The specified method is not allowed against this resource.`)
    }
  }

  const server = createServer((req, res) => {
    const entry: FakeS3Request = { method: req.method ?? '?', path: req.url ?? '/', status: 0 }
    requests.push(entry)
    handle(req, res, entry).catch((error: unknown) => {
      const s3Error = error instanceof S3Error ? error : new S3Error(500, 'InternalError', error instanceof Error ? error.message : String(error))
      entry.status = s3Error.status
      entry.code = s3Error.code
      const requestId = randomBytes(8).toString('hex').toUpperCase()
      const fields = { Code: s3Error.code, Message: s3Error.message, ...s3Error.extra, RequestId: requestId }
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${Object.entries(fields)
        .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
        .join('')}</Error>`
      // HEAD answers carry no body (the SDK then maps a 404 to NotFound).
      const bytes = req.method === 'HEAD' ? undefined : Buffer.from(xml)
      if (res.headersSent) return res.destroy()
      res.writeHead(s3Error.status, {
        'Content-Type': 'application/xml',
        'Content-Length': String(bytes?.length ?? 0),
        'x-amz-request-id': requestId,
      })
      res.end(bytes)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId,
    secretAccessKey,
    objects,
    requests,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status)
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

function send(res: ServerResponse, entry: FakeS3Request, status: number, headers: Record<string, string> = {}, body?: Buffer) {
  entry.status = status
  res.writeHead(status, { 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(), ...headers })
  res.end(body)
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** RFC 3986 encoding as SigV4 wants it (what the SDK's escapeUri does). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()

/**
 * SigV4 (header form), as S3 checks it. S3 does not normalise or
 * double-encode the path: each segment is URI-encoded once.
 */
function verifySignature(
  req: IncomingMessage,
  rawPath: string,
  rawQuery: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
) {
  const authorization = header(req, 'authorization')
  if (!authorization) throw new S3Error(403, 'AccessDenied', 'Anonymous requests are not accepted by the fake.')
  const match = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(authorization.trim())
  if (!match) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.')
  const [, credential, signedHeadersList, signature] = match as unknown as [string, string, string, string]
  const [accessKeyId, scopeDate, region, service, terminator, ...rest] = credential.split('/')
  if (!accessKeyId || !scopeDate || !region || service !== 's3' || terminator !== 'aws4_request' || rest.length > 0) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', `The credential scope is malformed: ${credential}`)
  }
  if (accessKeyId !== credentials.accessKeyId) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId })
  }

  const amzDate = header(req, 'x-amz-date')
  const dateMatch = amzDate ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate) : null
  if (!amzDate || !dateMatch) throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid x-amz-date header.')
  if (amzDate.slice(0, 8) !== scopeDate) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', `The credential scope date ${scopeDate} does not match x-amz-date ${amzDate}.`)
  }
  const [, y, mo, d, h, mi, s] = dateMatch.map(Number) as [number, number, number, number, number, number, number]
  if (Math.abs(Date.now() - Date.UTC(y, mo - 1, d, h, mi, s)) > MAX_SKEW_MS) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.')
  }

  const contentSha256 = header(req, 'x-amz-content-sha256')
  if (!contentSha256) throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256')

  const signedHeaders = signedHeadersList.split(';')
  for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signedHeaders.includes(required)) throw new S3Error(403, 'AccessDenied', `The header ${required} must be signed.`)
  }
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(header(req, name) ?? '').replace(/\s+/g, ' ').trim()}\n`)
    .join('')

  const canonicalUri = rawPath
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/')
  const canonicalQuery = rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const at = part.indexOf('=')
      const name = at === -1 ? part : part.slice(0, at)
      const value = at === -1 ? '' : part.slice(at + 1)
      return [uriEncode(safeDecode(name)), uriEncode(safeDecode(value))] as const
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')

  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeadersList, contentSha256].join('\n')
  const scope = `${scopeDate}/${region}/s3/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n')
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, scopeDate), region), 's3'), 'aws4_request')
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest()
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      AWSAccessKeyId: accessKeyId,
      StringToSign: stringToSign,
      CanonicalRequest: canonicalRequest,
    })
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    throw new S3Error(400, 'InvalidURI', `Couldn't parse the specified URI: ${value}`)
  }
}

/** The object bytes, after checking them against the signed payload hash and any checksum. */
function decodePayload(req: IncomingMessage, body: Buffer): Buffer {
  const contentSha256 = header(req, 'x-amz-content-sha256') ?? ''
  let payload: Buffer
  let trailers: Record<string, string> = {}
  if (/^[0-9a-f]{64}$/.test(contentSha256)) {
    const actual = body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex')
    if (actual !== contentSha256) {
      throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        ClientComputedContentSHA256: contentSha256,
        S3ComputedContentSHA256: actual,
      })
    }
    payload = body
  } else if (contentSha256 === 'UNSIGNED-PAYLOAD') {
    payload = body
  } else if (contentSha256 === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
    const encodings = (header(req, 'content-encoding') ?? '').split(',').map((e) => e.trim())
    if (!encodings.includes('aws-chunked')) {
      throw new S3Error(400, 'InvalidArgument', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER needs Content-Encoding: aws-chunked.')
    }
    ;({ payload, trailers } = decodeAwsChunked(body))
    const decodedLength = header(req, 'x-amz-decoded-content-length')
    if (decodedLength === undefined || Number(decodedLength) !== payload.length) {
      throw new S3Error(400, 'IncompleteBody', `x-amz-decoded-content-length ${decodedLength} does not match the ${payload.length} decoded bytes.`)
    }
    for (const name of (header(req, 'x-amz-trailer') ?? '').split(',').map((n) => n.trim().toLowerCase()).filter(Boolean)) {
      if (trailers[name] === undefined) throw new S3Error(400, 'MalformedTrailerError', `The announced trailer ${name} is missing.`)
    }
  } else {
    throw new S3Error(501, 'NotImplemented', `x-amz-content-sha256 ${contentSha256} is not implemented by the fake.`)
  }

  // Checksums may come as headers (body known up front) or as trailers.
  const crc32 = trailers['x-amz-checksum-crc32'] ?? header(req, 'x-amz-checksum-crc32')
  if (crc32 !== undefined && typeof zlib.crc32 === 'function') {
    const actual = Buffer.alloc(4)
    actual.writeUInt32BE(zlib.crc32(payload) >>> 0)
    if (actual.toString('base64') !== crc32) throw new S3Error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.')
  }
  const md5 = header(req, 'content-md5')
  if (md5 !== undefined && createHash('md5').update(payload).digest('base64') !== md5) {
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.')
  }
  return payload
}

/** `<hex size>[;ext]\r\n<bytes>\r\n … 0\r\n<trailer>:<value>\r\n…\r\n` */
function decodeAwsChunked(body: Buffer): { payload: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = []
  const malformed = (why: string) => new S3Error(400, 'IncompleteBody', `Malformed aws-chunked body: ${why}.`)
  let at = 0
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at)
    if (lineEnd === -1) throw malformed('missing chunk header')
    const sizeText = body.subarray(at, lineEnd).toString('latin1').split(';')[0]!.trim()
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw malformed(`bad chunk size "${sizeText}"`)
    const size = Number.parseInt(sizeText, 16)
    at = lineEnd + 2
    if (size === 0) break
    if (at + size + 2 > body.length || body.subarray(at + size, at + size + 2).toString('latin1') !== '\r\n') throw malformed('truncated chunk')
    chunks.push(body.subarray(at, at + size))
    at += size + 2
  }
  const trailers: Record<string, string> = {}
  for (const line of body.subarray(at).toString('latin1').split('\r\n')) {
    if (line === '') continue
    const colon = line.indexOf(':')
    if (colon === -1) throw malformed(`bad trailer line "${line}"`)
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { payload: Buffer.concat(chunks), trailers }
}

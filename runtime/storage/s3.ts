/** ObjectStore over @aws-sdk/client-s3, for AWS S3 and S3-compatible servers (SeaweedFS, …). */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3'
import {
  type ConditionalPut,
  type ObjectStore,
  StorageRequestError,
  StorageUnavailableError,
  type StoredObject,
} from './object-store.ts'
import { MULTIPART_THRESHOLD_BYTES, putMultipart } from './s3-multipart.ts'

export interface S3StoreOptions {
  bucket: string
  endpoint?: string
  region?: string
  forcePathStyle?: boolean
  credentials?: { accessKeyId: string; secretAccessKey: string }
  /**
   * Per-request timeout; a hung server must become an error, never a silent stall. Large bodies
   * go in parts (s3-multipart.ts), each part a request of its own.
   */
  requestTimeoutMs?: number
}

export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client
  readonly #bucket: string
  readonly #timeoutMs: number

  constructor(options: S3StoreOptions) {
    this.#bucket = options.bucket
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000
    this.#client = new S3Client({
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? true,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Some S3-compatible servers mishandle the SDK's default CRC checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Retries are the caller's decision (checkpoints retry at the next barrier).
      maxAttempts: 2,
    })
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }), this.#abort())
      const body = Buffer.from((await res.Body?.transformToByteArray()) ?? new Uint8Array())
      return { body, etag: res.ETag ?? '' }
    } catch (error) {
      if (status(error) === 404) return undefined
      throw this.#wrap('get', key, error)
    }
  }

  async put(key: string, body: Buffer): Promise<{ etag: string }> {
    if (body.length > MULTIPART_THRESHOLD_BYTES) {
      try {
        return await putMultipart({ client: this.#client, bucket: this.#bucket, key, abort: () => this.#abort() }, body)
      } catch (error) {
        throw this.#wrap('put (in parts)', key, error)
      }
    }
    const result = await this.#put({ Key: key, Body: body }, 'put')
    if (!result.written) throw new StorageRequestError(`Cannot put "${key}": the server refused an unconditional write`)
    return { etag: result.etag }
  }

  putIfAbsent(key: string, body: Buffer): Promise<ConditionalPut> {
    return this.#put({ Key: key, Body: body, IfNoneMatch: '*' }, 'put-if-absent')
  }

  putIfMatch(key: string, body: Buffer, etag: string): Promise<ConditionalPut> {
    return this.#put({ Key: key, Body: body, IfMatch: etag }, 'compare-and-swap')
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = []
    let token: string | undefined
    do {
      try {
        const res = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
          this.#abort(),
        )
        for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key)
        token = res.IsTruncated ? res.NextContinuationToken : undefined
      } catch (error) {
        throw this.#wrap('list', prefix, error)
      }
    } while (token)
    return keys.sort()
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000)
      try {
        const res = await this.#client.send(
          new DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
          }),
          this.#abort(),
        )
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey')
        if (failed.length > 0) {
          throw new StorageRequestError(
            `Cannot delete ${failed.length} objects: ${failed[0]?.Key}: ${failed[0]?.Message}`,
          )
        }
      } catch (error) {
        if (error instanceof StorageRequestError) throw error
        throw this.#wrap('delete', chunk[0] ?? '', error)
      }
    }
  }

  close(): void {
    this.#client.destroy()
  }

  async #put(input: Omit<PutObjectCommandInput, 'Bucket'>, what: string): Promise<ConditionalPut> {
    try {
      const res = await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, ...input }), this.#abort())
      return { written: true, etag: res.ETag ?? '' }
    } catch (error) {
      // 412: the condition failed. 409 ConditionalRequestConflict: a concurrent conditional write won.
      // 404 on If-Match: there is no object to match (AWS and SeaweedFS both answer so).
      const code = status(error)
      if (code === 412 || code === 409 || (code === 404 && input.IfMatch !== undefined)) return { written: false }
      throw this.#wrap(what, input.Key ?? '', error)
    }
  }

  #abort(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.#timeoutMs) }
  }

  #wrap(what: string, key: string, error: unknown): Error {
    const code = status(error)
    const detail =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${this.#timeoutMs} ms`
        : String((error as Error).message ?? error)
    const message = `Cannot ${what} "${key}" in bucket "${this.#bucket}": ${detail}`
    if (code === undefined || code >= 500 || code === 429) return new StorageUnavailableError(message, { cause: error })
    return new StorageRequestError(`${message} (HTTP ${code})`, { cause: error })
  }
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
}

/**
 * The store a worker, `exactly recover` or `exactly checkpoints` uses: the storage settings of
 * its configuration, and credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when both are
 * set (the pod gets them from `checkpoint.storage.credentialsSecretRef`); otherwise the SDK's
 * own sources (instance roles, ~/.aws).
 */
export function s3StoreFromEnv(
  storage: { bucket: string; region: string; forcePathStyle?: boolean; endpoint?: string | undefined },
  env: NodeJS.ProcessEnv,
): S3ObjectStore {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env
  return new S3ObjectStore({
    bucket: storage.bucket,
    region: storage.region,
    ...(storage.forcePathStyle !== undefined ? { forcePathStyle: storage.forcePathStyle } : {}),
    ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  })
}

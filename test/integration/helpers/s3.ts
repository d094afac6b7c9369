import { S3Client } from '@aws-sdk/client-s3'
import { S3ObjectStore } from '../../../runtime/storage/s3.ts'
import { freePort } from '../../../stack/ports.ts'
import type { StackInfo } from '../../../stack/stack.ts'

export function s3For(stack: StackInfo): { client: S3Client; bucket: string } {
  const s3 = stack.s3
  if (!s3) throw new Error('The integration stack has no S3 server')
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // S3 clones differ in how they treat the SDK's default CRC checksums; send them only when required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  return { client, bucket: s3.bucket }
}

/** The HTTP status of an S3 error (412 for a failed precondition). */
export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
}

/** Our ObjectStore over the stack's S3 server and bucket. */
export function objectStoreFor(stack: StackInfo): S3ObjectStore {
  const s3 = stack.s3
  if (!s3) throw new Error('The integration stack has no S3 server')
  return new S3ObjectStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  })
}

/** Our ObjectStore for bucket "b" on a free local port nobody listens on: each request fails within 2 s. */
export async function unreachableObjectStore(): Promise<S3ObjectStore> {
  return new S3ObjectStore({
    bucket: 'b',
    endpoint: `http://127.0.0.1:${await freePort()}`,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestTimeoutMs: 2000,
  })
}

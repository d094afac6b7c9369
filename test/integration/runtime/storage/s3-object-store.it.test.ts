import { describe, expect, inject, it } from 'vitest'
import { StorageUnavailableError } from '../../../../runtime/storage/object-store.ts'
import { S3ObjectStore } from '../../../../runtime/storage/s3.ts'
import { freePort } from '../../../../stack/ports.ts'
import { objectStoreConformance } from '../../../conformance/object-store.ts'

const { s3 } = inject('stack')
if (!s3) throw new Error('The integration stack has no S3 server')

objectStoreConformance(
  'S3ObjectStore on SeaweedFS',
  () =>
    new S3ObjectStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    }),
)

describe('S3ObjectStore errors', () => {
  it('reports an unreachable server as StorageUnavailableError, not a stall', async () => {
    const store = new S3ObjectStore({
      bucket: 'b',
      endpoint: `http://127.0.0.1:${await freePort()}`,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      requestTimeoutMs: 2000,
    })
    await expect(store.get('k')).rejects.toBeInstanceOf(StorageUnavailableError)
    await expect(store.put('k', Buffer.from('v'))).rejects.toThrow(/Cannot put "k" in bucket "b"/)
  })

  it('reports wrong credentials as a request error naming the bucket', async () => {
    const store = new S3ObjectStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      credentials: { accessKeyId: 'wrong', secretAccessKey: 'wrong' },
    })
    await expect(store.put('k', Buffer.from('v'))).rejects.toThrow(/HTTP 403/)
  })
})

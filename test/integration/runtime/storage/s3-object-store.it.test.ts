import { describe, expect, inject, it } from 'vitest'
import { StorageUnavailableError } from '../../../../runtime/storage/object-store.ts'
import { S3ObjectStore } from '../../../../runtime/storage/s3.ts'
import { objectStoreConformance } from '../../../conformance/object-store.ts'
import { objectStoreFor, unreachableObjectStore } from '../../helpers/s3.ts'

const stack = inject('stack')
const { s3 } = stack
if (!s3) throw new Error('The integration stack has no S3 server')

objectStoreConformance('S3ObjectStore on SeaweedFS', () => objectStoreFor(stack))

describe('S3ObjectStore errors', () => {
  it('reports an unreachable server as StorageUnavailableError, not a stall', async () => {
    const store = await unreachableObjectStore()
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

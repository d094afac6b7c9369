/**
 * Smoke tests of the S3 server: plain object operations and the conditional writes the
 * checkpoint protocol depends on (If-None-Match: * for write-once, If-Match for compare-and-swap).
 */
import { randomUUID } from 'node:crypto'
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, inject, it } from 'vitest'
import { httpStatus, s3For } from '../../helpers/s3.ts'

const { client, bucket } = s3For(inject('stack'))
const prefix = `smoke-${randomUUID().slice(0, 8)}`

async function put(key: string, body: string, condition: { IfNoneMatch?: string; IfMatch?: string } = {}) {
  return client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}`, Body: body, ...condition }))
}

async function get(key: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}` }))
  return (await res.Body?.transformToString()) ?? ''
}

async function statusOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise
    return 200
  } catch (error) {
    return httpStatus(error)
  }
}

describe('S3 server', () => {
  it('puts, gets and lists objects', async () => {
    await put('a/one', 'first')
    await put('a/two', 'second')
    await put('b/three', 'third')
    expect(await get('a/two')).toBe('second')
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/a/` }))
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([`${prefix}/a/one`, `${prefix}/a/two`])
  })

  it('refuses If-None-Match: * on an existing key with 412 and keeps the first value', async () => {
    expect(await statusOf(put('manifest', 'v1', { IfNoneMatch: '*' }))).toBe(200)
    expect(await statusOf(put('manifest', 'v2', { IfNoneMatch: '*' }))).toBe(412)
    expect(await get('manifest')).toBe('v1')
  })

  it('moves a head only with the current ETag (If-Match compare-and-swap)', async () => {
    const created = await put('head', 'checkpoint-1', { IfNoneMatch: '*' })
    const moved = await put('head', 'checkpoint-2', { IfMatch: created.ETag! })
    expect(await statusOf(put('head', 'stale-writer', { IfMatch: created.ETag! }))).toBe(412)
    expect(await get('head')).toBe('checkpoint-2')
    expect(await statusOf(put('head', 'checkpoint-3', { IfMatch: moved.ETag! }))).toBe(200)
    expect(await get('head')).toBe('checkpoint-3')
  })

  it('lets exactly one of many concurrent compare-and-swaps on the same ETag win', async () => {
    const created = await put('race', 'start', { IfNoneMatch: '*' })
    const writers = Array.from({ length: 8 }, (_, i) =>
      statusOf(put('race', `writer-${i}`, { IfMatch: created.ETag! })),
    )
    const statuses = await Promise.all(writers)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 412)).toHaveLength(7)
  })
})

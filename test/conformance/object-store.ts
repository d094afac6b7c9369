/**
 * The behaviour every ObjectStore must have, as one suite run per implementation against a
 * real server. The checkpoint protocol's safety rests on the conditional writes below.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { ObjectStore } from '../../runtime/storage/object-store.ts'

export function objectStoreConformance(name: string, newStore: () => ObjectStore): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    const store = newStore()
    const prefix = `conformance-${randomUUID().slice(0, 8)}`
    const key = (k: string) => `${prefix}/${k}`

    it('get() of a missing key is undefined', async () => {
      expect(await store.get(key('missing'))).toBeUndefined()
    })

    it('put() then get() returns the same bytes and an etag', async () => {
      const body = Buffer.from([0, 1, 2, 255, 254])
      const { etag } = await store.put(key('bytes'), body)
      const got = await store.get(key('bytes'))
      expect(got?.body.equals(body)).toBe(true)
      expect(got?.etag).toBe(etag)
    })

    it('put() of a body larger than one request (multipart in S3) reads back byte for byte', async () => {
      // 40 MiB + 3 bytes: five 8 MiB parts and a short last one, with content that differs per part.
      const body = Buffer.alloc(40 * 1024 * 1024 + 3)
      for (let i = 0; i + 4 <= body.length; i += 4096) body.writeUInt32LE((i * 2654435761) >>> 0, i)
      const { etag } = await store.put(key('large'), body)
      const got = await store.get(key('large'))
      expect(got?.body.length).toBe(body.length)
      expect(got?.body.equals(body)).toBe(true)
      expect(got?.etag).toBe(etag)
    }, 60_000)

    it('putIfAbsent() writes once and refuses a second writer', async () => {
      expect((await store.putIfAbsent(key('once'), Buffer.from('first'))).written).toBe(true)
      expect(await store.putIfAbsent(key('once'), Buffer.from('second'))).toEqual({ written: false })
      expect((await store.get(key('once')))?.body.toString()).toBe('first')
    })

    it('putIfMatch() swaps only from the current etag', async () => {
      const first = await store.putIfAbsent(key('head'), Buffer.from('1'))
      if (!first.written) throw new Error('setup failed')
      const second = await store.putIfMatch(key('head'), Buffer.from('2'), first.etag)
      expect(second.written).toBe(true)
      expect(await store.putIfMatch(key('head'), Buffer.from('stale'), first.etag)).toEqual({ written: false })
      expect((await store.get(key('head')))?.body.toString()).toBe('2')
    })

    it('putIfMatch() on a missing key does not create it', async () => {
      expect((await store.putIfMatch(key('nohead'), Buffer.from('x'), '"abc"')).written).toBe(false)
      expect(await store.get(key('nohead'))).toBeUndefined()
    })

    it('of concurrent putIfMatch() calls from one etag exactly one wins', async () => {
      const start = await store.putIfAbsent(key('race'), Buffer.from('start'))
      if (!start.written) throw new Error('setup failed')
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.putIfMatch(key('race'), Buffer.from(`w${i}`), start.etag)),
      )
      const winners = results.filter((r) => r.written)
      expect(winners).toHaveLength(1)
      const final = await store.get(key('race'))
      expect(final?.etag).toBe(winners[0]?.written ? winners[0].etag : '')
    })

    it('of concurrent putIfAbsent() calls exactly one wins', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.putIfAbsent(key('first-wins'), Buffer.from(`w${i}`))),
      )
      expect(results.filter((r) => r.written)).toHaveLength(1)
    })

    it('list() returns every key under a prefix in order, across pages', async () => {
      const keys = Array.from({ length: 1010 }, (_, i) => key(`many/${String(i).padStart(5, '0')}`))
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Buffer.from('x'))))
      }
      expect(await store.list(key('many/'))).toEqual(keys)
    })

    it('delete() removes keys and ignores missing ones', async () => {
      await store.put(key('del/a'), Buffer.from('a'))
      await store.put(key('del/b'), Buffer.from('b'))
      await store.delete([key('del/a'), key('del/b'), key('del/never')])
      expect(await store.list(key('del/'))).toEqual([])
    })
  })
}

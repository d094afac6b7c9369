/**
 * The behaviour every KafkaClient must have, as one suite run per implementation against the
 * real broker. The checkpoint and recovery protocols rest on these: a transaction committed
 * from a stored identity by another process, fencing by InitProducerId, read_committed fetches
 * that hide aborted and open transactions, and exact offsets.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { FetchedRecord, KafkaClient, OutgoingRecord, TopicPartition } from '../../runtime/kafka/kafka-client.ts'
import { ProducerFencedError, UnknownTopicError } from '../../runtime/kafka/kafka-errors.ts'
import { connectedForTests } from '../integration/helpers/kafka.ts'

export interface KafkaClientFixture {
  newClient(): KafkaClient
  createTopic(prefix: string, partitions: number): Promise<string>
}

const TXN_TIMEOUT_MS = 60_000

function records(topic: string, partition: number, values: string[]): OutgoingRecord[] {
  return values.map((v) => ({ topic, partition, key: Buffer.from(`k-${v}`), value: Buffer.from(v) }))
}

/** Reads a partition with `client` from `from` until the high watermark (or `expected` records). */
async function readAll(
  client: KafkaClient,
  tp: TopicPartition,
  from = 0n,
  expected?: number,
): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = []
  let offset = from
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const [part] = await client.fetch([{ ...tp, offset }], { maxWaitMs: 200, maxBytesPerPartition: 1 << 20 })
    if (!part) throw new Error('fetch answered nothing')
    out.push(...part.records)
    offset = part.nextOffset
    if (expected !== undefined ? out.length >= expected : offset >= part.lastStableOffset) break
  }
  return out
}

const values = (rs: FetchedRecord[]) => rs.map((r) => r.value?.toString())

export function kafkaClientConformance(name: string, fixture: KafkaClientFixture): void {
  describe(`KafkaClient conformance: ${name}`, () => {
    const client = fixture.newClient()
    const other = fixture.newClient()
    const txnId = () => `conformance-${randomUUID().slice(0, 8)}`

    connectedForTests(client, other)

    it('partitionCount() counts partitions and names a missing topic', async () => {
      const topic = await fixture.createTopic('count', 3)
      expect(await client.partitionCount(topic)).toBe(3)
      await expect(client.partitionCount(`missing-${randomUUID()}`)).rejects.toBeInstanceOf(UnknownTopicError)
    })

    it('a transaction written by one client is committed by another from its stored identity', async () => {
      const topic = await fixture.createTopic('resume', 2)
      const identity = await client.initProducerId(txnId(), TXN_TIMEOUT_MS)
      const writer = client.beginTransaction(identity)
      await writer.send([...records(topic, 0, ['a', 'b']), ...records(topic, 1, ['c'])])
      await writer.flush()
      expect(writer.recordCount).toBe(3)
      // Open: a read_committed fetch sees nothing and the last stable offset stays behind.
      const [open] = await other.fetch([{ topic, partition: 0, offset: 0n }], {
        maxWaitMs: 100,
        maxBytesPerPartition: 1 << 20,
      })
      expect(open?.records).toEqual([])
      expect(open?.lastStableOffset).toBe(0n)
      expect(open?.highWatermark).toBe(2n)

      // A stored identity is plain JSON data: commit it from the other client.
      const stored = JSON.parse(JSON.stringify(identity))
      expect(await other.endTransaction(stored, true)).toEqual({ kind: 'done' })
      expect(values(await readAll(other, { topic, partition: 0 }, 0n, 2))).toEqual(['a', 'b'])
      expect(values(await readAll(other, { topic, partition: 1 }, 0n, 1))).toEqual(['c'])
      // Committing again is success, not an error (recovery may repeat a commit).
      expect(await other.endTransaction(stored, true)).toEqual({ kind: 'done' })
    })

    it('an aborted transaction is never fetched, and the next one is', async () => {
      const topic = await fixture.createTopic('abort', 1)
      const id = txnId()
      const first = client.beginTransaction(await client.initProducerId(id, TXN_TIMEOUT_MS))
      await first.send(records(topic, 0, ['x1', 'x2']))
      await first.flush()
      expect(await client.endTransaction(first.identity, false)).toEqual({ kind: 'done' })
      const second = client.beginTransaction(await client.initProducerId(id, TXN_TIMEOUT_MS))
      await second.send(records(topic, 0, ['ok']))
      await second.flush()
      expect(await client.endTransaction(second.identity, true)).toEqual({ kind: 'done' })
      const read = await readAll(other, { topic, partition: 0 }, 0n, 1)
      expect(values(read)).toEqual(['ok'])
      // Offsets are the log's own: two aborted records and their marker come first.
      expect(read[0]?.offset).toBe(3n)
    })

    it('initProducerId() fences the previous epoch: its writes fail and its open transaction is aborted', async () => {
      const topic = await fixture.createTopic('fence', 1)
      const id = txnId()
      const zombie = client.beginTransaction(await client.initProducerId(id, TXN_TIMEOUT_MS))
      await zombie.send(records(topic, 0, ['zombie-1']))
      await zombie.flush()

      const successor = await other.initProducerId(id, TXN_TIMEOUT_MS)
      expect(successor.producerId).toBe(zombie.identity.producerId)
      expect(successor.epoch).toBeGreaterThan(zombie.identity.epoch)

      await zombie.send(records(topic, 0, ['zombie-2'])).catch(() => {})
      await expect(zombie.flush()).rejects.toBeInstanceOf(ProducerFencedError)
      const late = await client.endTransaction(zombie.identity, true)
      expect(late.kind).toBe('fenced')

      const writer = other.beginTransaction(successor)
      await writer.send(records(topic, 0, ['successor']))
      await writer.flush()
      expect(await other.endTransaction(successor, true)).toEqual({ kind: 'done' })
      expect(values(await readAll(other, { topic, partition: 0 }, 0n, 1))).toEqual(['successor'])
    })

    it('describeOpenTransactions() shows an open transaction where it starts, and nothing once it ends', async () => {
      const topic = await fixture.createTopic('describe', 2)
      const before = client.beginTransaction(await client.initProducerId(txnId(), TXN_TIMEOUT_MS))
      await before.send(records(topic, 1, ['earlier']))
      await before.flush()
      expect(await client.endTransaction(before.identity, true)).toEqual({ kind: 'done' })

      const writer = client.beginTransaction(await client.initProducerId(txnId(), TXN_TIMEOUT_MS))
      await writer.send([...records(topic, 1, ['a', 'b'])])
      await writer.flush()
      const partitions = [0, 1].map((partition) => ({ topic, partition }))
      const open = await other.describeOpenTransactions(partitions)
      expect(open).toEqual([
        {
          topic,
          partition: 1,
          producerId: writer.identity.producerId,
          epoch: writer.identity.epoch,
          coordinatorEpoch: expect.any(Number),
          startOffset: 2n, // after the committed record and its marker
        },
      ])
      expect(await client.endTransaction(writer.identity, true)).toEqual({ kind: 'done' })
      await expect.poll(() => other.describeOpenTransactions(partitions), { timeout: 5000 }).toEqual([])
    })

    it('writeTransactionMarkers() closes an open transaction on its partitions: abort hides it, commit shows it', async () => {
      const topic = await fixture.createTopic('markers', 2)
      const partitions = [0, 1].map((partition) => ({ topic, partition }))
      for (const commit of [false, true]) {
        const writer = client.beginTransaction(await client.initProducerId(txnId(), TXN_TIMEOUT_MS))
        await writer.send([...records(topic, 0, [`p0-${commit}`]), ...records(topic, 1, [`p1-${commit}`])])
        await writer.flush()
        const open = await other.describeOpenTransactions(partitions)
        expect(open.map((o) => o.partition).sort()).toEqual([0, 1])
        await other.writeTransactionMarkers([
          { ...writer.identity, commit, coordinatorEpoch: open[0]!.coordinatorEpoch, partitions },
        ])
        expect(await other.describeOpenTransactions(partitions)).toEqual([])
        // The coordinator still tracks it; ending it there writes a second, harmless marker.
        await client.endTransaction(writer.identity, false)
      }
      expect(values(await readAll(other, partitions[0]!))).toEqual(['p0-true'])
      expect(values(await readAll(other, partitions[1]!))).toEqual(['p1-true'])
    })

    it('endTransaction() of a transaction that never wrote is invalidState, not done', async () => {
      const identity = await client.initProducerId(txnId(), TXN_TIMEOUT_MS)
      const outcome = await client.endTransaction(identity, true)
      expect(outcome.kind).toBe('invalidState')
    })

    it('listOffsets() and fetch() at a chosen offset read exactly from there', async () => {
      const topic = await fixture.createTopic('offsets', 1)
      const tp = { topic, partition: 0 }
      const writer = client.beginTransaction(await client.initProducerId(txnId(), TXN_TIMEOUT_MS))
      await writer.send(records(topic, 0, ['0', '1', '2', '3', '4']))
      await writer.flush()
      await client.endTransaction(writer.identity, true)
      // EndTxn answers once the commit is decided; the coordinator writes the marker after that.
      // The records are visible to read_committed only once it is there.
      expect(values(await readAll(other, tp, 3n, 2))).toEqual(['3', '4'])
      const earliest = await client.listOffsets([tp], 'earliest')
      const latest = await client.listOffsets([tp], 'latest')
      expect(earliest.get(`${topic}/0`)).toBe(0n)
      // Five records and the commit marker.
      expect(latest.get(`${topic}/0`)).toBe(6n)
      const [atEnd] = await other.fetch([{ ...tp, offset: 6n }], { maxWaitMs: 50, maxBytesPerPartition: 1 << 20 })
      expect(atEnd?.records).toEqual([])
      expect(atEnd?.nextOffset).toBe(6n)
    })

    it('listOffsets() at a timestamp answers the first record (or marker) at or after it, and -1 past everything', async () => {
      const topic = await fixture.createTopic('times', 1)
      const tp = { topic, partition: 0 }
      const writer = client.beginTransaction(await client.initProducerId(txnId(), TXN_TIMEOUT_MS))
      const base = Date.now() - 60_000
      await writer.send(['a', 'b', 'c'].map((v, i) => ({ ...records(topic, 0, [v])[0]!, timestamp: base + i * 1000 })))
      await writer.flush()
      await client.endTransaction(writer.identity, true)
      const at = async (timestamp: number) => (await client.listOffsets([tp], { timestamp })).get(`${topic}/0`)
      // EndTxn answers once the commit is decided; the marker lands after: wait for it (offset 3).
      for (let i = 0; i < 50 && (await client.listOffsets([tp], 'latest')).get(`${topic}/0`) !== 4n; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(await at(base - 1)).toBe(0n)
      expect(await at(base + 1)).toBe(1n)
      expect(await at(base + 2000)).toBe(2n)
      // The commit marker is a record too, stamped with the commit time: a time after the last
      // data record but before the commit answers the marker's offset (reading from there finds
      // no data); a time after everything answers -1.
      expect(await at(base + 5000)).toBe(3n)
      expect(await at(Date.now() + 3_600_000)).toBe(-1n)
    })

    it('a writer carries many records in batches, in order per partition, keys and headers intact', async () => {
      const topic = await fixture.createTopic('bulk', 4)
      const writer = client.beginTransaction(await client.initProducerId(txnId(), TXN_TIMEOUT_MS))
      const n = 20_000
      const batch: OutgoingRecord[] = []
      for (let i = 0; i < n; i++) {
        batch.push({
          topic,
          partition: i % 4,
          key: Buffer.from(`key-${i}`),
          value: Buffer.from(`value-${i}`),
          headers: { seq: String(i) },
        })
        if (batch.length === 1000) await writer.send(batch.splice(0))
      }
      await writer.flush()
      expect(await client.endTransaction(writer.identity, true)).toEqual({ kind: 'done' })
      for (let p = 0; p < 4; p++) {
        const read = await readAll(other, { topic, partition: p }, 0n, n / 4)
        expect(read).toHaveLength(n / 4)
        const seqs = read.map((r) => Number(r.headers.seq?.toString()))
        expect(seqs).toEqual(Array.from({ length: n / 4 }, (_, i) => i * 4 + p))
        expect(read[0]?.key?.toString()).toBe(`key-${p}`)
      }
    })

    it('send() to a topic that does not exist fails the transaction with UnknownTopicError', async () => {
      const writer = client.beginTransaction(await client.initProducerId(txnId(), TXN_TIMEOUT_MS))
      await expect(writer.send(records(`missing-${randomUUID()}`, 0, ['v']))).rejects.toBeInstanceOf(UnknownTopicError)
      await expect(writer.flush()).rejects.toBeInstanceOf(UnknownTopicError)
    })
  })
}

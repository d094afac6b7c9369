/**
 * The two-phase-commit sink's verbs against the real broker, each held to the promise its doc
 * comment makes: a pre-committed transaction is invisible until committed; a commit is
 * idempotent and works from another process's client; abortByFencing aborts an open transaction
 * so that its committable can no longer be committed ("expired", never silence); the pool's ids
 * are reused three checkpoints later.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import type { OutgoingRecord } from '../../../../runtime/kafka/kafka-client.ts'
import { KafkajsClient } from '../../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { abortByFencing, commitTransaction } from '../../../../runtime/sink/committer.ts'
import { TwoPhaseCommitWriter } from '../../../../runtime/sink/two-phase-commit-writer.ts'
import { transactionalIdPool } from '../../../../runtime/sink/txn-ids.ts'
import { createTopic, kafkaFor } from '../../../../stack/topics.ts'
import { connectedForTests, readTopic } from '../../helpers/kafka.ts'

const { kafka: broker } = inject('stack')
if (!broker) throw new Error('The integration stack has no Kafka broker')
const admin = kafkaFor(broker.bootstrap)
const TXN_TIMEOUT_MS = 60_000

const records = (topic: string, values: string[]): OutgoingRecord[] =>
  values.map((v) => ({ topic, partition: 0, key: null, value: Buffer.from(v) }))

describe('two-phase-commit sink', () => {
  const writerClient = new KafkajsClient({ brokers: [broker.bootstrap] })
  const recoveryClient = new KafkajsClient({ brokers: [broker.bootstrap] })
  connectedForTests(writerClient, recoveryClient)

  const newSink = () => {
    const slot = { jobUid: `sink-${randomUUID().slice(0, 8)}`, generation: 1, slot: 0 }
    const sink = new TwoPhaseCommitWriter(writerClient, {
      slot,
      transactionTimeoutMs: TXN_TIMEOUT_MS,
      delivery: 'exactly-once',
    })
    return { sink, slot, pool: transactionalIdPool(slot) }
  }

  it('preCommit() hands back no committable for an empty transaction, and one for a written transaction', async () => {
    const topic = await createTopic(admin, 'sink-empty')
    const { sink, pool } = newSink()
    await sink.beginTransaction(1)
    expect(await sink.preCommit()).toBeNull()
    await sink.beginTransaction(2)
    await sink.write(records(topic, ['a']))
    const committable = await sink.preCommit()
    expect(committable?.transactionalId).toBe(pool[2])
    expect(await commitTransaction(recoveryClient, committable!)).toEqual({ kind: 'committed' })
  })

  it('commitTransaction() from another client makes a pre-committed transaction visible, and again is still committed', async () => {
    const topic = await createTopic(admin, 'sink-commit')
    const { sink } = newSink()
    await sink.beginTransaction(1)
    await sink.write(records(topic, ['p1', 'p2']))
    const first = await sink.preCommit()
    await sink.beginTransaction(2)
    await sink.write(records(topic, ['marker']))
    const second = await sink.preCommit()

    // Commit T(2) first: T(1) is still open, so read_committed stops before its records.
    expect(await commitTransaction(recoveryClient, second!)).toEqual({ kind: 'committed' })
    const blocked = await readTopic(admin, topic, (r) => r.length >= 1, { timeoutMs: 2000 })
    expect(blocked).toEqual([])

    expect(await commitTransaction(recoveryClient, first!)).toEqual({ kind: 'committed' })
    expect(await commitTransaction(recoveryClient, first!)).toEqual({ kind: 'committed' })
    const seen = await readTopic(admin, topic, (r) => r.length >= 3)
    expect(seen.map((r) => r.value)).toEqual(['p1', 'p2', 'marker'])
  })

  it('abortByFencing() aborts an open transaction: its records are never read and its committable has expired', async () => {
    const topic = await createTopic(admin, 'sink-fence')
    const { sink, slot, pool } = newSink()
    await sink.beginTransaction(1)
    await sink.write(records(topic, ['lost-1', 'lost-2']))
    const committable = await sink.preCommit()

    const fenced = await abortByFencing(recoveryClient, pool, TXN_TIMEOUT_MS)
    expect([...fenced.keys()]).toEqual(pool)
    const outcome = await commitTransaction(recoveryClient, committable!)
    expect(outcome.kind).toBe('expired')

    // The new epoch opens the next transaction, as a restarted slot does.
    const successor = new TwoPhaseCommitWriter(recoveryClient, {
      slot,
      transactionTimeoutMs: TXN_TIMEOUT_MS,
      delivery: 'exactly-once',
    })
    await successor.beginTransaction(2, fenced)
    await successor.write(records(topic, ['after']))
    expect(await commitTransaction(recoveryClient, (await successor.preCommit())!)).toEqual({ kind: 'committed' })
    const seen = await readTopic(admin, topic, (r) => r.length >= 1)
    expect(seen.map((r) => r.value)).toEqual(['after'])
  })

  it('beginTransaction() reuses the id of T(k) for T(k+3) once T(k) is committed', async () => {
    const topic = await createTopic(admin, 'sink-reuse')
    const { sink, pool } = newSink()
    const committed: string[] = []
    for (let k = 1; k <= 4; k++) {
      await sink.beginTransaction(k)
      await sink.write(records(topic, [`t${k}`]))
      const committable = (await sink.preCommit())!
      expect(committable.transactionalId).toBe(pool[k % 3])
      expect(await commitTransaction(recoveryClient, committable)).toEqual({ kind: 'committed' })
      committed.push(`t${k}`)
    }
    const seen = await readTopic(admin, topic, (r) => r.length >= 4)
    expect(seen.map((r) => r.value)).toEqual(committed)
  })
})

/**
 * Smoke tests of the Kafka transaction mechanics exactly relies on, against the real broker:
 * read_committed hides aborted and open transactions, and InitProducerId on a transactional
 * id fences the previous producer and aborts its open transaction.
 */
import { describe, expect, inject, it } from 'vitest'
import { createTopic, kafkaFor } from '../../../../stack/topics.ts'
import { readTopic } from '../../helpers/kafka.ts'

const { kafka: broker } = inject('stack')
if (!broker) throw new Error('The integration stack has no Kafka broker')
const kafka = kafkaFor(broker.bootstrap)

function transactional(transactionalId: string) {
  return kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 30_000 })
}

describe('Kafka transactions', () => {
  it('a committed transaction is seen by a read_committed consumer', async () => {
    const topic = await createTopic(kafka, 'smoke-commit')
    const producer = transactional(`smoke-commit-${topic}`)
    await producer.connect()
    const txn = await producer.transaction()
    await txn.send({ topic, messages: [1, 2, 3].map((i) => ({ key: `k${i}`, value: `v${i}` })) })
    await txn.commit()
    await producer.disconnect()

    const records = await readTopic(kafka, topic, (r) => r.length >= 3)
    expect(records.map((r) => r.value)).toEqual(['v1', 'v2', 'v3'])
  })

  it('an aborted transaction is never seen by a read_committed consumer', async () => {
    const topic = await createTopic(kafka, 'smoke-abort')
    const producer = transactional(`smoke-abort-${topic}`)
    await producer.connect()
    const aborted = await producer.transaction()
    await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] })
    await aborted.abort()
    const committed = await producer.transaction()
    await committed.send({ topic, messages: [{ value: 'after-abort' }] })
    await committed.commit()
    await producer.disconnect()

    const readCommitted = await readTopic(kafka, topic, (r) => r.some((x) => x.value === 'after-abort'))
    expect(readCommitted.map((r) => r.value)).toEqual(['after-abort'])
    // The aborted records did reach the log: a read_uncommitted reader sees them.
    const uncommitted = await readTopic(kafka, topic, (r) => r.some((x) => x.value === 'after-abort'), {
      readUncommitted: true,
    })
    expect(uncommitted.map((r) => r.value)).toEqual(['aborted-1', 'aborted-2', 'after-abort'])
  })

  it('InitProducerId on the same transactional id fences the first producer and aborts its open transaction', async () => {
    const topic = await createTopic(kafka, 'smoke-fence')
    const id = `smoke-fence-${topic}`
    const first = transactional(id)
    await first.connect()
    const open = await first.transaction()
    await open.send({ topic, messages: [{ value: 'zombie-1' }] })

    // A second producer with the same id: its InitProducerId bumps the epoch and aborts `open`.
    const second = transactional(id)
    await second.connect()
    const txn = await second.transaction()
    await txn.send({ topic, messages: [{ value: 'successor' }] })
    await txn.commit()
    await second.disconnect()

    await expect(open.send({ topic, messages: [{ value: 'zombie-2' }] }).then(() => open.commit())).rejects.toThrow(
      /epoch|fenced|producer/i,
    )
    await first.disconnect()

    const records = await readTopic(kafka, topic, (r) => r.some((x) => x.value === 'successor'))
    expect(records.map((r) => r.value)).toEqual(['successor'])
  })
})

/**
 * What a zombie left on the sink and what became of it, for the zombie tests: at the freeze (the
 * old worker stopped, its replacement not yet started, so every open transaction on the sink is
 * the zombie's), the transactions open there (DescribeProducers) and the one the slot's head
 * promises (the committable of the head's manifest: if it is still open, the replacement must
 * commit it). After the run, each of those transactions read back: a transaction is
 * committed when all its records are in the read_committed output (the independent reader's) and
 * aborted when none is. Fencing holds when the zombie's transactions other than the head's end
 * aborted, whatever the zombie did once woken.
 */
import type { Kafka } from 'kafkajs'
import { checkpointLayout } from '../../../runtime/checkpoint/layout.ts'
import type { KafkaClient, OpenTransaction } from '../../../runtime/kafka/kafka-client.ts'
import type { ObjectStore } from '../../../runtime/storage/object-store.ts'
import { readCommitted, readUncommitted } from './committed-reader.ts'
import type { JobSpec } from './worker-process.ts'

export interface FreezeSnapshot {
  /** The transactions open on the sink at the freeze, one entry per partition they wrote. */
  open: OpenTransaction[]
  /**
   * The committable of the head's checkpoint (`producerId/epoch`) unless the head says it is
   * committed; it matters only if it is among `open` (pre-committed, the head moved, no commit yet).
   */
  headCommittable: string | undefined
}

const txn = (t: { producerId: string; epoch: number }) => `${t.producerId}/${t.epoch}`

/** The sink's open transactions and the head's pending committable, taken while the zombie is frozen. */
export async function atFreeze(client: KafkaClient, store: ObjectStore, job: JobSpec): Promise<FreezeSnapshot> {
  const partitions = await client.partitionCount(job.sinkTopic)
  const open = await client.describeOpenTransactions(
    Array.from({ length: partitions }, (_, partition) => ({ topic: job.sinkTopic, partition })),
  )
  const layout = checkpointLayout(job.prefix, { namespace: 'test', name: job.name })
  const headObject = await store.get(layout.head(1, 0))
  const head = headObject
    ? (JSON.parse(headObject.body.toString()) as {
        checkpointId: number | null
        checkpointAttempt: number | null
        committableDone: boolean
      })
    : undefined
  let headCommittable: string | undefined
  if (head && head.checkpointId !== null && head.checkpointAttempt !== null && !head.committableDone) {
    const ref = { checkpointId: head.checkpointId, attempt: head.checkpointAttempt }
    const manifest = await store.get(layout.manifest(1, 0, ref))
    const committable = manifest
      ? (JSON.parse(manifest.body.toString()) as { committable: { producerId: string; epoch: number } | null })
          .committable
      : null
    if (committable) headCommittable = txn(committable)
  }
  return { open, headCommittable }
}

export interface Outcome {
  /** `producerId/epoch` of each transaction open at the freeze, with its records on the sink. */
  committed: Array<{ txn: string; records: number }>
  aborted: Array<{ txn: string; records: number }>
  /** Transactions some of whose records are committed and some not (never, in Kafka). */
  torn: string[]
}

/**
 * What became of the transactions open at the freeze. Call it once nothing is open on the sink
 * any more (the audit checks that), so the read_uncommitted read covers the whole log.
 */
export async function outcomeOf(
  kafka: Kafka,
  bootstrap: string,
  topic: string,
  snapshot: FreezeSnapshot,
): Promise<Outcome> {
  const all = await readUncommitted(kafka, topic)
  const committed = new Set((await readCommitted(bootstrap, topic)).map((r) => `${r.partition}@${r.offset}`))
  const byTxn = new Map<string, { in: number; out: number }>()
  for (const open of snapshot.open) {
    const key = txn(open)
    const tally = byTxn.get(key) ?? { in: 0, out: 0 }
    for (const r of all) {
      if (r.partition !== open.partition || BigInt(r.offset) < open.startOffset) continue
      if (r.producerId !== open.producerId || r.producerEpoch !== open.epoch) continue
      if (committed.has(`${r.partition}@${r.offset}`)) tally.in++
      else tally.out++
    }
    byTxn.set(key, tally)
  }
  const outcome: Outcome = { committed: [], aborted: [], torn: [] }
  for (const [key, { in: visible, out: hidden }] of byTxn) {
    if (visible > 0 && hidden > 0) outcome.torn.push(key)
    else if (visible > 0) outcome.committed.push({ txn: key, records: visible })
    else outcome.aborted.push({ txn: key, records: hidden })
  }
  return outcome
}

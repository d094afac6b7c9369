/**
 * What a transaction writer keeps per partition: records queued and not yet sent, the batch in
 * flight, a batch to resend unchanged after a retriable failure, and the next sequence number
 * (idempotent produce: the broker deduplicates a resent batch by its sequence).
 */
import { type OutgoingRecord, partitionKey, type TopicPartition } from '../kafka-client.ts'

const SEQUENCE_MODULUS = 2 ** 31

export interface Batch {
  firstSequence: number
  /** The batch as sent, once encoded. */
  encoded?: Buffer
  /** Queued records, timestamps set: encoded as they are. */
  messages: OutgoingRecord[]
  bytes: number
  failures: number
  firstFailureAt: number | undefined
}

export interface PartitionQueue extends TopicPartition {
  key: string
  queued: OutgoingRecord[]
  sizes: number[]
  nextSequence: number
  registered: boolean
  inFlight: Batch | undefined
  /** A batch that failed retriably: resent unchanged before anything newer. */
  retry: Batch | undefined
}

export function newPartitionQueue(tp: TopicPartition): PartitionQueue {
  return {
    topic: tp.topic,
    partition: tp.partition,
    key: partitionKey(tp),
    queued: [],
    sizes: [],
    nextSequence: 0,
    registered: false,
    inFlight: undefined,
    retry: undefined,
  }
}

/** Takes the next `count` queued records as one batch with the partition's next sequence numbers. */
export function takeBatch(queue: PartitionQueue, count: number): Batch {
  const messages = queue.queued.splice(0, count)
  const bytes = queue.sizes.splice(0, count).reduce((a, b) => a + b, 0)
  const firstSequence = queue.nextSequence
  queue.nextSequence = (queue.nextSequence + count) % SEQUENCE_MODULUS
  return { firstSequence, messages, bytes, failures: 0, firstFailureAt: undefined }
}

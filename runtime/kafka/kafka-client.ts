/**
 * The narrow Kafka interface the runtime needs, and nothing more. One implementation lives in
 * `kafkajs/` (the only module allowed to touch kafkajs internals); a second client could be
 * added behind the same interface, and `test/conformance/kafka-client.ts` pins the behaviour.
 *
 * Why not kafkajs's public API: it cannot read assigned partitions at chosen offsets without a
 * consumer group, cannot tell us the producer id/epoch of a transaction, and cannot commit a
 * transaction that another process opened (recovery must commit a stored committable).
 */

export interface TopicPartition {
  topic: string
  partition: number
}

/** Offsets are int64 on the wire; bigint keeps them exact. */
export type Offset = bigint

/** Which offsets ListOffsets answers: the log start, the high watermark, or the first record at or after a time. */
export type OffsetQuery = 'earliest' | 'latest' | { timestamp: number }

export interface FetchRequest extends TopicPartition {
  /** The next offset to read. */
  offset: Offset
}

export interface FetchedRecord extends TopicPartition {
  offset: Offset
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer>
  timestamp: number
}

export interface FetchedPartition extends TopicPartition {
  /** Committed records only (read_committed): aborted transactions and control records removed. */
  records: FetchedRecord[]
  /** Where the next fetch of this partition starts (past control records and aborted data too). */
  nextOffset: Offset
  highWatermark: Offset
  lastStableOffset: Offset
}

export interface FetchOptions {
  maxWaitMs: number
  /** Upper bound per partition; the broker may return less. */
  maxBytesPerPartition: number
  signal?: AbortSignal
}

/** Everything needed to commit (or abort) a transaction later, from any process: the committable. */
export interface ProducerIdentity {
  transactionalId: string
  /** int64 on the wire, kept as a decimal string so it survives JSON. */
  producerId: string
  epoch: number
}

export interface OutgoingRecord {
  topic: string
  partition: number
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer | string>
  timestamp?: number
}

/** One open transaction on one transactional id, written by this process. */
export interface TransactionWriter {
  readonly identity: ProducerIdentity
  /**
   * Queues records; registers new partitions with the transaction (AddPartitionsToTxn) and
   * produces in batches. Resolves when the records are handed to the client, not when acked.
   * A failure surfaces at the next `send` or at `flush`. The records are the writer's once sent
   * (not copied, so a record without a timestamp gets the time of sending set on it).
   */
  send(records: OutgoingRecord[]): Promise<void>
  /** Waits until every record sent so far is acknowledged by its leader: the pre-commit. */
  flush(): Promise<void>
  /** Number of records sent in this transaction (0 means there is nothing to commit). */
  readonly recordCount: number
}

/** The identity of an at-least-once writer: no transactional id, no producer id. */
export const NO_TRANSACTION: ProducerIdentity = Object.freeze({ transactionalId: '', producerId: '-1', epoch: -1 })

/** How an EndTxn ended; normal commit and recovery share it (see runtime/sink/commit-outcome.ts). */
export type EndTransactionOutcome =
  | { kind: 'done' }
  /** The coordinator no longer knows this producer/epoch: the transaction was aborted (expired or fenced). */
  | { kind: 'fenced'; errorType: string }
  /** Nothing to end: InvalidTxnState (e.g. commit of a transaction that was never started). */
  | { kind: 'invalidState'; errorType: string }

/** A producer's transaction that is open on one partition (DescribeProducers). */
export interface OpenTransaction extends TopicPartition {
  producerId: string
  /** The producer epoch the partition last saw from this producer. */
  epoch: number
  coordinatorEpoch: number
  /** The offset of the transaction's first record here: the partition's last stable offset can't pass it. */
  startOffset: Offset
}

/** A commit or abort marker to write directly to partitions (WriteTxnMarkers), bypassing the coordinator. */
export interface TransactionMarker {
  producerId: string
  epoch: number
  commit: boolean
  coordinatorEpoch: number
  partitions: readonly TopicPartition[]
}

export interface KafkaClient {
  connect(): Promise<void>
  close(): Promise<void>

  partitionCount(topic: string): Promise<number>
  /**
   * Earliest or latest (high watermark) offsets of the given partitions, or for `{ timestamp }`
   * (ms) the offset of each partition's first record at or after it: -1n where there is none.
   */
  listOffsets(partitions: readonly TopicPartition[], which: OffsetQuery): Promise<Map<string, Offset>>
  /** read_committed fetch of the given partitions, grouped per leader; no consumer group. */
  fetch(requests: readonly FetchRequest[], options: FetchOptions): Promise<FetchedPartition[]>

  /**
   * InitProducerId for `transactionalId`: bumps the epoch, which fences any other producer
   * using this id and aborts a transaction it left open. Retries CONCURRENT_TRANSACTIONS and
   * coordinator errors until `timeoutMs`.
   */
  initProducerId(transactionalId: string, transactionTimeoutMs: number): Promise<ProducerIdentity>
  /** Starts writing a transaction with an identity from `initProducerId` (sequences start at 0). */
  beginTransaction(identity: ProducerIdentity): TransactionWriter
  /**
   * A writer without a transaction (`kafka.delivery: at-least-once`, the benchmarks' baseline):
   * records are visible once acknowledged, and a replay after a failure writes them again.
   * Its identity is `NO_TRANSACTION`.
   */
  beginAtLeastOnceWriter(): TransactionWriter
  /**
   * EndTxn with a stored identity: commit (`commit: true`) or abort. Retries retriable errors;
   * committing an already committed transaction is `done`.
   */
  endTransaction(identity: ProducerIdentity, commit: boolean): Promise<EndTransactionOutcome>

  /** Transactions open on `partitions`, as their leaders see them (DescribeProducers, KIP-664). */
  describeOpenTransactions(partitions: readonly TopicPartition[]): Promise<OpenTransaction[]>
  /**
   * Writes markers straight to the partitions' leaders, as `kafka-transactions.sh abort` does:
   * only for transactions their coordinator no longer tracks (needs ClusterAction where ACLs are on).
   */
  writeTransactionMarkers(markers: readonly TransactionMarker[]): Promise<void>
}

export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}/${tp.partition}`
}

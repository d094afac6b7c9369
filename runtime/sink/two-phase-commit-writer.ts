/**
 * The first phase of the two-phase-commit sink (DESIGN section 4; Flink's
 * TwoPhaseCommitSinkFunction and Kafka Streams' RecordCollector): a slot writes everything of
 * checkpoint k into one Kafka transaction T(k), on the pooled id of `txn-ids.ts`. The second
 * phase, commit and abort, is `committer.ts`. The Kafka mechanics (batching, sequences,
 * AddPartitionsToTxn) live in the adapter's TransactionWriter; this class owns the protocol.
 *
 * Cases that can happen here:
 * - a write fails (broker down, fenced): the failure surfaces at the next `write` or at
 *   `preCommit`, never logged and dropped;
 * - `beginTransaction(k+1)` re-initializes the id T(k-2) used: safe, because checkpoint k-1
 *   completed before barrier k started, so no head names T(k-2) any more (txn-ids.ts);
 * - at-least-once delivery (the benchmarks' baseline): no transaction at all; records are
 *   visible once acknowledged, so there is never a committable.
 */
import type { KafkaClient, OutgoingRecord, ProducerIdentity, TransactionWriter } from '../kafka/kafka-client.ts'
import { type SlotIdentity, transactionalId } from './txn-ids.ts'

export interface TwoPhaseCommitOptions {
  slot: SlotIdentity
  transactionTimeoutMs: number
  delivery: 'exactly-once' | 'at-least-once'
}

export class TwoPhaseCommitWriter {
  readonly #kafka: KafkaClient
  readonly #options: TwoPhaseCommitOptions
  #writer: TransactionWriter | undefined

  constructor(kafka: KafkaClient, options: TwoPhaseCommitOptions) {
    this.#kafka = kafka
    this.#options = options
  }

  get #atLeastOnce(): boolean {
    return this.#options.delivery === 'at-least-once'
  }

  /**
   * Opens T(k) on the id `k mod 3` of the slot's pool. `fenced`: the pool's identities from
   * recovery's fencing (abortByFencing), used as they are; without them this initializes the id
   * itself (InitProducerId). Promise: every record written from now until `preCommit` belongs
   * to T(k) and to nothing else.
   */
  async beginTransaction(checkpointId: number, fenced?: ReadonlyMap<string, ProducerIdentity>): Promise<void> {
    if (this.#atLeastOnce) {
      this.#writer = this.#kafka.beginAtLeastOnceWriter()
      return
    }
    const id = transactionalId(this.#options.slot, checkpointId)
    const identity = fenced?.get(id) ?? (await this.#kafka.initProducerId(id, this.#options.transactionTimeoutMs))
    this.#writer = this.#kafka.beginTransaction(identity)
  }

  /** Queues records into the open transaction; resolves once handed to the client, not when acknowledged. */
  write(records: OutgoingRecord[]): Promise<void> {
    return this.#open().send(records)
  }

  /**
   * Pre-commits the open transaction: waits until its leaders acknowledged every record written.
   * Promise: once this resolves, committing the returned committable will succeed unless the
   * broker aborts the transaction first (it outlived `kafka.transactionTimeout`). Null when
   * there is nothing to commit: no record was written, or delivery is at-least-once.
   */
  async preCommit(): Promise<ProducerIdentity | null> {
    const writer = this.#open()
    await writer.flush()
    return writer.recordCount > 0 && !this.#atLeastOnce ? writer.identity : null
  }

  #open(): TransactionWriter {
    if (!this.#writer) throw new Error('Cannot write: no transaction is open; call beginTransaction first')
    return this.#writer
  }
}

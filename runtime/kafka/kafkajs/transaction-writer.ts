/**
 * One open transaction written by this process (Kafka Streams' RecordCollector pattern):
 * `send()` only queues records and returns; a pump turns the queues into Produce requests
 * (`planProduceRequests`: one in flight per broker, one batch in flight per partition) while new
 * records keep accumulating; `flush()` waits for every acknowledgement. The first failure is
 * kept and thrown by every later `send()` and `flush()`; nothing is logged and dropped.
 *
 * Each partition is registered with the transaction (AddPartitionsToTxn, serialized, batched)
 * before its first Produce, since the broker verifies it. Sequence numbers start at 0 for the
 * identity's epoch and grow per partition; a batch that failed retriably (leader moved, network)
 * is resent unchanged, so the broker can deduplicate it, until `deliveryTimeoutMs`.
 *
 * With the `NO_TRANSACTION` identity (at-least-once) the same pump sends plain, non-idempotent
 * Produce requests and registers nothing: a resent batch may then be written twice.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import {
  NO_TRANSACTION,
  type OutgoingRecord,
  type ProducerIdentity,
  type TopicPartition,
  type TransactionWriter,
} from '../kafka-client.ts'
import { KafkaUnavailableError, UnknownTopicError } from '../kafka-errors.ts'
import { backoffDelayMs } from './backoff.ts'
import type { KafkajsCluster } from './internals.ts'
import { ensureTopics, leaderOf } from './metadata.ts'
import { type Batch, newPartitionQueue, type PartitionQueue, takeBatch } from './partition-queue.ts'
import { decideProduceFailure } from './produce-failure.ts'
import { estimateRecordBytes, type PlannedRequest, planProduceRequests } from './produce-plan.ts'
import { produceRequest } from './produce-request.ts'
import { encodeRecordBatch } from './record-batch.ts'
import type { TransactionCoordinator } from './transaction-coordinator.ts'
import { validateRecord } from './validate-record.ts'
import { Waits } from './waits.ts'

export interface TransactionWriterSettings {
  requestTimeoutMs: number
  deliveryTimeoutMs: number
  maxBatchBytes: number
  maxRequestBytes: number
  maxBufferedBytes: number
}

const LEADER_RETRY_MS = 200

export class KafkajsTransactionWriter implements TransactionWriter {
  readonly identity: ProducerIdentity
  readonly #cluster: KafkajsCluster
  readonly #coordinator: TransactionCoordinator
  readonly #settings: TransactionWriterSettings
  readonly #partitions = new Map<string, PartitionQueue>()
  /** The same queues by topic, then partition number: the per-record lookup builds no key string. */
  readonly #queuesByTopic = new Map<string, PartitionQueue[]>()
  readonly #busyBrokers = new Set<number>()
  readonly #knownTopics = new Set<string>()
  readonly #waits = new Waits()
  #recordCount = 0
  #bufferedBytes = 0
  #accepting: Promise<void> = Promise.resolve()
  #registering: Promise<void> = Promise.resolve()
  #leaderlessSince: number | undefined
  #refreshingLeaders = false

  constructor(
    cluster: KafkajsCluster,
    coordinator: TransactionCoordinator,
    identity: ProducerIdentity,
    settings: TransactionWriterSettings,
  ) {
    this.#cluster = cluster
    this.#coordinator = coordinator
    this.identity = identity
    this.#settings = settings
  }

  get recordCount(): number {
    return this.#recordCount
  }

  send(records: OutgoingRecord[]): Promise<void> {
    if (this.#waits.failure) return Promise.reject(this.#waits.failure)
    // Sends are accepted in call order, so a send waiting for topic metadata cannot be overtaken.
    const accepted = this.#accepting.then(() => this.#accept(records))
    this.#accepting = accepted.catch(() => {})
    return accepted
  }

  async flush(): Promise<void> {
    await this.#accepting
    this.#pump()
    await this.#waits.until(() => this.#isIdle())
  }

  async #accept(records: OutgoingRecord[]): Promise<void> {
    if (this.#waits.failure) throw this.#waits.failure
    try {
      await this.#enqueue(records)
    } catch (error) {
      // A record that was not queued must never be committed: the transaction is failed.
      this.#waits.fail(error instanceof Error ? error : new Error(String(error)))
      throw this.#waits.failure
    }
    if (this.#bufferedBytes > this.#settings.maxBufferedBytes) {
      await this.#waits.until(() => this.#bufferedBytes <= this.#settings.maxBufferedBytes)
    }
  }

  /**
   * Validates, loads metadata once per new topic or partition, then queues without awaiting.
   * The records are the writer's from now on: one without a timestamp gets the time of sending.
   */
  async #enqueue(records: OutgoingRecord[]): Promise<void> {
    const action = `Cannot send to transaction "${this.identity.transactionalId}"`
    const fresh: OutgoingRecord[] = []
    for (const record of records) {
      validateRecord(record, action)
      if (!this.#queueOf(record)) fresh.push(record)
    }
    if (fresh.length > 0) await this.#addPartitions(fresh, action)
    const now = Date.now()
    for (const record of records) {
      const queue = this.#queueOf(record)!
      const size = estimateRecordBytes(record)
      record.timestamp ??= now
      queue.queued.push(record)
      queue.sizes.push(size)
      this.#bufferedBytes += size
    }
    this.#recordCount += records.length
    this.#pump()
  }

  #queueOf(tp: TopicPartition): PartitionQueue | undefined {
    return this.#queuesByTopic.get(tp.topic)?.[tp.partition]
  }

  /** Queues for partitions this transaction has not written yet, once their leaders are known. */
  async #addPartitions(records: readonly OutgoingRecord[], action: string): Promise<void> {
    const newTopics = new Set(records.map((r) => r.topic).filter((t) => !this.#knownTopics.has(t)))
    if (newTopics.size > 0) {
      await ensureTopics(this.#cluster, newTopics, action)
      for (const topic of newTopics) this.#knownTopics.add(topic)
    }
    if (records.some((tp) => leaderOf(this.#cluster, tp) === undefined)) await this.#cluster.refreshMetadata()
    for (const tp of records) {
      if (leaderOf(this.#cluster, tp) === undefined) {
        throw new UnknownTopicError(`${action}: topic "${tp.topic}" has no partition ${tp.partition}`, tp.topic)
      }
      if (this.#queueOf(tp)) continue
      const queue = newPartitionQueue(tp)
      this.#partitions.set(queue.key, queue)
      const byPartition = this.#queuesByTopic.get(tp.topic) ?? []
      this.#queuesByTopic.set(tp.topic, byPartition)
      byPartition[tp.partition] = queue
    }
  }

  /** Starts every Produce request the plan allows now; called whenever something changed. */
  #pump(): void {
    if (this.#waits.failure) return
    const partitions = [...this.#partitions.values()]
    const plan = planProduceRequests(
      partitions.map((p) => ({
        key: p.key,
        leader: leaderOf(this.#cluster, p),
        inFlight: p.inFlight !== undefined,
        retryBytes: p.retry?.bytes,
        queuedSizes: p.sizes,
      })),
      this.#busyBrokers,
      this.#settings,
    )
    for (const request of plan) this.#start(request)
    const waitingForLeader = partitions.some(
      (p) => !p.inFlight && (p.retry || p.queued.length > 0) && (leaderOf(this.#cluster, p) ?? -1) < 0,
    )
    if (waitingForLeader) this.#refreshLeadersSoon()
    else this.#leaderlessSince = undefined
  }

  #start(request: PlannedRequest): void {
    const sending: [PartitionQueue, Batch][] = request.batches.map((planned) => {
      const queue = this.#partitions.get(planned.key)!
      const batch = planned.retry ? queue.retry! : takeBatch(queue, planned.count)
      queue.retry = undefined
      queue.inFlight = batch
      return [queue, batch]
    })
    this.#busyBrokers.add(request.leader)
    this.#produce(request.leader, sending)
      .then(
        () => this.#acknowledged(sending),
        (error: unknown) => this.#failed(sending, error),
      )
      .catch((error: unknown) => this.#waits.fail(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        this.#busyBrokers.delete(request.leader)
        this.#pump()
      })
  }

  async #produce(leader: number, sending: [PartitionQueue, Batch][]): Promise<void> {
    const transactional = this.identity.transactionalId !== NO_TRANSACTION.transactionalId
    if (transactional && sending.some(([queue]) => !queue.registered)) await this.#register()
    const broker = await this.#cluster.findBroker({ nodeId: leader })
    const header = { producerId: this.identity.producerId, producerEpoch: this.identity.epoch, transactional }
    for (const [, batch] of sending) {
      // Encoded once: a batch resent after a retriable failure must be byte-identical.
      batch.encoded ??= encodeRecordBatch({ ...header, baseSequence: batch.firstSequence }, batch.messages)
    }
    await broker.connectionPool.send({
      ...produceRequest({
        transactionalId: transactional ? this.identity.transactionalId : null,
        acks: -1,
        timeoutMs: this.#settings.requestTimeoutMs,
        batches: sending.map(([queue, batch]) => ({
          topic: queue.topic,
          partition: queue.partition,
          batch: batch.encoded!,
        })),
      }),
      requestTimeout: this.#settings.requestTimeoutMs + 5000,
    })
  }

  /** AddPartitionsToTxn for every partition not yet registered, one request at a time. */
  #register(): Promise<void> {
    const next = this.#registering.then(async () => {
      const pending = [...this.#partitions.values()].filter((p) => !p.registered)
      if (pending.length === 0) return
      await this.#coordinator.addPartitions(this.identity, pending)
      for (const p of pending) p.registered = true
    })
    this.#registering = next.catch(() => {})
    return next
  }

  #acknowledged(sending: [PartitionQueue, Batch][]): void {
    for (const [queue, batch] of sending) {
      queue.inFlight = undefined
      this.#bufferedBytes -= batch.bytes
    }
    this.#waits.notify()
  }

  async #failed(sending: [PartitionQueue, Batch][], error: unknown): Promise<void> {
    const first = sending[0]![1]
    const decision = decideProduceFailure(error, {
      where: sending.map(([q]) => `"${q.key}"`).join(', '),
      transactionalId: this.identity.transactionalId,
      firstFailureAt: first.firstFailureAt,
      now: Date.now(),
      deliveryTimeoutMs: this.#settings.deliveryTimeoutMs,
    })
    if (decision.kind === 'fail') return this.#waits.fail(decision.error)
    if (decision.kind === 'acknowledged') return this.#acknowledged(sending)
    if (decision.refreshMetadata) await this.#cluster.refreshMetadata().catch(() => {})
    await sleep(backoffDelayMs(first.failures, Math.random(), decision.remainingMs))
    for (const [queue, batch] of sending) {
      batch.failures++
      batch.firstFailureAt = decision.firstFailureAt
      queue.inFlight = undefined
      queue.retry = batch
    }
  }

  #refreshLeadersSoon(): void {
    const now = Date.now()
    this.#leaderlessSince ??= now
    if (now - this.#leaderlessSince > this.#settings.deliveryTimeoutMs) {
      this.#waits.fail(
        new KafkaUnavailableError(
          `Cannot send to transaction "${this.identity.transactionalId}": a partition has had no leader for ${this.#settings.deliveryTimeoutMs} ms`,
        ),
      )
      return
    }
    if (this.#refreshingLeaders) return
    this.#refreshingLeaders = true
    sleep(LEADER_RETRY_MS)
      .then(() => this.#cluster.refreshMetadata())
      .catch(() => {})
      .finally(() => {
        this.#refreshingLeaders = false
        this.#pump()
      })
  }

  #isIdle(): boolean {
    for (const p of this.#partitions.values()) {
      if (p.queued.length > 0 || p.inFlight || p.retry) return false
    }
    return true
  }
}

/**
 * `KafkaClient` over kafkajs 2.2.4's internal cluster and broker requests: the only class the
 * rest of the runtime constructs from this folder. It wires the pieces (metadata, fetch,
 * ListOffsets, the transaction coordinator, transaction writers) and owns their settings.
 */
import type {
  EndTransactionOutcome,
  FetchedPartition,
  FetchOptions,
  FetchRequest,
  KafkaClient,
  Offset,
  OpenTransaction,
  ProducerIdentity,
  TopicPartition,
  TransactionMarker,
  TransactionWriter,
} from '../kafka-client.ts'
import { NO_TRANSACTION } from '../kafka-client.ts'
import { KafkaUnavailableError } from '../kafka-errors.ts'
import { classifyKafkaError, kafkaErrorMessage } from './classify-error.ts'
import { createCluster, type KafkajsClientOptions } from './cluster.ts'
import { fetchPartitions } from './fetch.ts'
import type { KafkajsCluster } from './internals.ts'
import { listOffsets } from './list-offsets.ts'
import { partitionCount } from './metadata.ts'
import { TransactionCoordinator, validateIdentity } from './transaction-coordinator.ts'
import { describeOpenTransactions, writeTransactionMarkers } from './transaction-markers.ts'
import { KafkajsTransactionWriter, type TransactionWriterSettings } from './transaction-writer.ts'

export type { KafkajsClientOptions } from './cluster.ts'

export class KafkajsClient implements KafkaClient {
  readonly #cluster: KafkajsCluster
  readonly #coordinator: TransactionCoordinator
  readonly #requestTimeoutMs: number
  readonly #writerSettings: TransactionWriterSettings
  readonly #brokers: string

  constructor(options: KafkajsClientOptions) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new TypeError('Cannot create a Kafka client: "brokers" must list at least one host:port')
    }
    this.#brokers = options.brokers.join(',')
    this.#cluster = createCluster(options)
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.#coordinator = new TransactionCoordinator(this.#cluster, options.coordinatorTimeoutMs ?? 60_000)
    this.#writerSettings = {
      requestTimeoutMs: this.#requestTimeoutMs,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
      maxBatchBytes: options.maxBatchBytes ?? 512 * 1024,
      maxRequestBytes: options.maxRequestBytes ?? 8 * 1024 * 1024,
      maxBufferedBytes: options.maxBufferedBytes ?? 32 * 1024 * 1024,
    }
  }

  async connect(): Promise<void> {
    try {
      await this.#cluster.connect()
    } catch (error) {
      const info = classifyKafkaError(error)
      throw new KafkaUnavailableError(
        `Cannot connect to Kafka at ${this.#brokers}: ${info.errorType} (${kafkaErrorMessage(error)})`,
        { cause: error },
      )
    }
  }

  async close(): Promise<void> {
    await this.#cluster.disconnect()
  }

  partitionCount(topic: string): Promise<number> {
    return partitionCount(this.#cluster, topic)
  }

  listOffsets(partitions: readonly TopicPartition[], which: 'earliest' | 'latest'): Promise<Map<string, Offset>> {
    return listOffsets(this.#cluster, partitions, which, this.#requestTimeoutMs)
  }

  fetch(requests: readonly FetchRequest[], options: FetchOptions): Promise<FetchedPartition[]> {
    return fetchPartitions(this.#cluster, requests, options, this.#requestTimeoutMs)
  }

  initProducerId(transactionalId: string, transactionTimeoutMs: number): Promise<ProducerIdentity> {
    return this.#coordinator.initProducerId(transactionalId, transactionTimeoutMs)
  }

  beginTransaction(identity: ProducerIdentity): TransactionWriter {
    validateIdentity(identity)
    return new KafkajsTransactionWriter(this.#cluster, this.#coordinator, identity, this.#writerSettings)
  }

  beginAtLeastOnceWriter(): TransactionWriter {
    return new KafkajsTransactionWriter(this.#cluster, this.#coordinator, NO_TRANSACTION, this.#writerSettings)
  }

  endTransaction(identity: ProducerIdentity, commit: boolean): Promise<EndTransactionOutcome> {
    return this.#coordinator.endTransaction(identity, commit)
  }

  describeOpenTransactions(partitions: readonly TopicPartition[]): Promise<OpenTransaction[]> {
    return describeOpenTransactions(this.#cluster, partitions, this.#requestTimeoutMs)
  }

  writeTransactionMarkers(markers: readonly TransactionMarker[]): Promise<void> {
    return writeTransactionMarkers(this.#cluster, markers, this.#requestTimeoutMs)
  }
}

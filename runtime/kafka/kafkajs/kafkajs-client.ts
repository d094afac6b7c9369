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
  OffsetQuery,
  OpenTransaction,
  ProducerIdentity,
  TopicPartition,
  TransactionMarker,
  TransactionWriter,
} from '../kafka-client.ts'
import { NO_TRANSACTION } from '../kafka-client.ts'
import { KafkaAuthenticationError, KafkaUnavailableError } from '../kafka-errors.ts'
import {
  type AclHints,
  type AclNeeds,
  anyOf,
  clusterNeed,
  topicNeed,
  transactionalIdNeed,
  translateAccessError,
} from './access-errors.ts'
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
export { aclHintsOf } from './security.ts'

export class KafkajsClient implements KafkaClient {
  readonly #cluster: KafkajsCluster
  readonly #coordinator: TransactionCoordinator
  readonly #requestTimeoutMs: number
  readonly #writerSettings: TransactionWriterSettings
  readonly #brokers: string
  readonly #tls: boolean
  readonly #hints: AclHints

  constructor(options: KafkajsClientOptions) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new TypeError('Cannot create a Kafka client: "brokers" must list at least one host:port')
    }
    this.#brokers = options.brokers.join(',')
    this.#tls = Boolean(options.ssl ?? options.security?.tls)
    this.#hints = options.aclHints ?? {}
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

  async #guard<T>(action: string, needs: AclNeeds, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw translateAccessError(error, action, needs, this.#hints)
    }
  }

  #guardWriter(writer: TransactionWriter): TransactionWriter {
    return guardWriter(writer, this.#hints)
  }

  async connect(): Promise<void> {
    const action = `Cannot connect to Kafka at ${this.#brokers}`
    try {
      await this.#cluster.connect()
    } catch (error) {
      const translated = translateAccessError(error, action, () => undefined)
      if (translated instanceof KafkaAuthenticationError) throw translated
      const info = classifyKafkaError(error)
      // A TLS listener closes a plaintext client's connection without a word, and the other way round.
      const hint = this.#tls
        ? /before secure TLS connection/.test(kafkaErrorMessage(error))
          ? '; if this listener is plaintext, remove spec.kafka.tls'
          : ''
        : '; if this listener uses TLS, set spec.kafka.tls'
      throw new KafkaUnavailableError(`${action}: ${info.errorType} (${kafkaErrorMessage(error)})${hint}`, {
        cause: error,
      })
    }
  }

  async close(): Promise<void> {
    await this.#cluster.disconnect()
  }

  partitionCount(topic: string): Promise<number> {
    return this.#guard(`Cannot read the metadata of topic "${topic}"`, topicNeed('Describe', [topic]), () =>
      partitionCount(this.#cluster, topic),
    )
  }

  listOffsets(partitions: readonly TopicPartition[], which: OffsetQuery): Promise<Map<string, Offset>> {
    return this.#guard('Cannot list offsets', topicNeed('Describe', topicsOf(partitions)), () =>
      listOffsets(this.#cluster, partitions, which, this.#requestTimeoutMs),
    )
  }

  fetch(requests: readonly FetchRequest[], options: FetchOptions): Promise<FetchedPartition[]> {
    return this.#guard('Cannot fetch', topicNeed('Read', topicsOf(requests)), () =>
      fetchPartitions(this.#cluster, requests, options, this.#requestTimeoutMs),
    )
  }

  initProducerId(transactionalId: string, transactionTimeoutMs: number): Promise<ProducerIdentity> {
    return this.#guard(
      `Cannot initialize transactional id "${transactionalId}"`,
      transactionalIdNeed(transactionalId),
      () => this.#coordinator.initProducerId(transactionalId, transactionTimeoutMs),
    )
  }

  beginTransaction(identity: ProducerIdentity): TransactionWriter {
    validateIdentity(identity)
    return this.#guardWriter(
      new KafkajsTransactionWriter(this.#cluster, this.#coordinator, identity, this.#writerSettings),
    )
  }

  beginAtLeastOnceWriter(): TransactionWriter {
    return this.#guardWriter(
      new KafkajsTransactionWriter(this.#cluster, this.#coordinator, NO_TRANSACTION, this.#writerSettings),
    )
  }

  endTransaction(identity: ProducerIdentity, commit: boolean): Promise<EndTransactionOutcome> {
    return this.#guard(
      `Cannot ${commit ? 'commit' : 'abort'} transaction "${identity.transactionalId}"`,
      transactionalIdNeed(identity.transactionalId),
      () => this.#coordinator.endTransaction(identity, commit),
    )
  }

  describeOpenTransactions(partitions: readonly TopicPartition[]): Promise<OpenTransaction[]> {
    return this.#guard(
      'Cannot describe open transactions (DescribeProducers)',
      topicNeed('Read', topicsOf(partitions)),
      () => describeOpenTransactions(this.#cluster, partitions, this.#requestTimeoutMs),
    )
  }

  writeTransactionMarkers(markers: readonly TransactionMarker[]): Promise<void> {
    return this.#guard('Cannot write transaction markers (WriteTxnMarkers)', clusterNeed, () =>
      writeTransactionMarkers(this.#cluster, markers, this.#requestTimeoutMs),
    )
  }
}

function topicsOf(partitions: readonly TopicPartition[]): string[] {
  return [...new Set(partitions.map((p) => p.topic))]
}

/** Refusals surface at a writer's send and flush: which topics it wrote tells the missing ACL. */
function guardWriter(writer: TransactionWriter, hints: AclHints): TransactionWriter {
  const topics = new Set<string>()
  const id = writer.identity.transactionalId
  const needs = () => anyOf(topicNeed('Write', [...topics]), ...(id ? [transactionalIdNeed(id)] : []))
  const action = id ? `Cannot write in transaction "${id}"` : 'Cannot produce'
  return {
    identity: writer.identity,
    get recordCount() {
      return writer.recordCount
    },
    async send(records) {
      for (const r of records) topics.add(r.topic)
      try {
        await writer.send(records)
      } catch (error) {
        throw translateAccessError(error, action, needs(), hints)
      }
    },
    async flush() {
      try {
        await writer.flush()
      } catch (error) {
        throw translateAccessError(error, action, needs(), hints)
      }
    },
  }
}

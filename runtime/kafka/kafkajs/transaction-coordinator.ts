/**
 * Requests to the transaction coordinator of a transactional id: InitProducerId,
 * AddPartitionsToTxn and EndTxn, each retried until `coordinatorTimeoutMs` on
 * CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR /
 * COORDINATOR_NOT_AVAILABLE (find the coordinator again) and network errors.
 *
 * EndTxn needs nothing but the stored identity: it works from a client that never produced,
 * which is how recovery commits a pre-committed transaction. What Kafka 4.3.1 answers (classic
 * protocol: EndTxn v1, AddPartitionsToTxn v1, InitProducerId v1), pinned by the integration test:
 * - commit right after a commit: CONCURRENT_TRANSACTIONS while the markers are written, then
 *   NONE: a repeated commit is `done`;
 * - commit or abort with an epoch that InitProducerId or a timeout replaced: INVALID_PRODUCER_EPOCH
 *   (PRODUCER_FENCED only for newer request versions); an id the coordinator does not know:
 *   INVALID_PRODUCER_ID_MAPPING: both `fenced`;
 * - commit with no partition added (nothing to end), or abort after commit: INVALID_TXN_STATE.
 * - InitProducerId while a transaction is open: CONCURRENT_TRANSACTIONS while the coordinator
 *   aborts it, then a new epoch (bumped by 2 on a 4.x coordinator: fence, then init).
 */
import {
  type EndTransactionOutcome,
  type ProducerIdentity,
  partitionKey,
  type TopicPartition,
} from '../kafka-client.ts'
import { KafkaRequestError, ProducerFencedError, UnknownTopicError } from '../kafka-errors.ts'
import { classifyKafkaError, isExactlyError, type KafkaErrorInfo, kafkaErrorMessage } from './classify-error.ts'
import { groupByTopic } from './group-by-leader.ts'
import { COORDINATOR_TYPE_TRANSACTION, type KafkajsBroker, type KafkajsCluster } from './internals.ts'
import { retryUntilDeadline } from './retry.ts'

const MAX_INT32 = 0x7fff_ffff
const MAX_EPOCH = 0x7fff

export class TransactionCoordinator {
  readonly #cluster: KafkajsCluster
  readonly #timeoutMs: number
  readonly #coordinators = new Map<string, KafkajsBroker>()

  constructor(cluster: KafkajsCluster, coordinatorTimeoutMs: number) {
    this.#cluster = cluster
    this.#timeoutMs = coordinatorTimeoutMs
  }

  async initProducerId(transactionalId: string, transactionTimeoutMs: number): Promise<ProducerIdentity> {
    if (typeof transactionalId !== 'string' || transactionalId === '') {
      throw new TypeError('Cannot initialize a producer id: the transactional id must be a non-empty string')
    }
    if (!Number.isInteger(transactionTimeoutMs) || transactionTimeoutMs <= 0 || transactionTimeoutMs > MAX_INT32) {
      throw new RangeError(
        `Cannot initialize a producer id for "${transactionalId}": 'transactionTimeoutMs' must be a positive 32-bit integer, got ${transactionTimeoutMs}`,
      )
    }
    const action = `Cannot initialize a producer id for "${transactionalId}"`
    const answer = await this.#request(transactionalId, action, (broker) =>
      broker.initProducerId({ transactionalId, transactionTimeout: transactionTimeoutMs }),
    )
    if ('refused' in answer) throw refusal(action, answer)
    return { transactionalId, producerId: String(answer.value.producerId), epoch: answer.value.producerEpoch }
  }

  /** Registers partitions with the open transaction; the broker refuses transactional Produce to others. */
  async addPartitions(identity: ProducerIdentity, partitions: readonly TopicPartition[]): Promise<void> {
    const action = `Cannot add partitions to transaction "${identity.transactionalId}"`
    const answer = await this.#request(identity.transactionalId, action, (broker) =>
      broker.addPartitionsToTxn({
        transactionalId: identity.transactionalId,
        producerId: identity.producerId,
        producerEpoch: identity.epoch,
        topics: groupByTopic(partitions, (tp) => tp.partition),
      }),
    )
    if (!('refused' in answer)) return
    const { refused: info, error } = answer
    if (info.kind === 'fenced') {
      throw new ProducerFencedError(`${action}: producer was fenced (${info.errorType})`, info.errorType, {
        cause: error,
      })
    }
    if (info.kind === 'unknownTopic') {
      const names = partitions.map((tp) => `"${partitionKey(tp)}"`).join(', ')
      throw new UnknownTopicError(`${action}: one of ${names} does not exist`, partitions[0]?.topic ?? '', {
        cause: error,
      })
    }
    throw refusal(action, answer)
  }

  /** EndTxn with a stored identity; see the module comment for what each answer means. */
  async endTransaction(identity: ProducerIdentity, commit: boolean): Promise<EndTransactionOutcome> {
    validateIdentity(identity)
    const action = `Cannot ${commit ? 'commit' : 'abort'} transaction "${identity.transactionalId}"`
    const answer = await this.#request(identity.transactionalId, action, (broker) =>
      broker.endTxn({
        transactionalId: identity.transactionalId,
        producerId: identity.producerId,
        producerEpoch: identity.epoch,
        transactionResult: commit,
      }),
    )
    if (!('refused' in answer)) return { kind: 'done' }
    const { errorType, kind } = answer.refused
    if (kind === 'fenced') return { kind: 'fenced', errorType }
    if (kind === 'invalidState') return { kind: 'invalidState', errorType }
    throw refusal(action, answer)
  }

  /**
   * Sends `send` to the coordinator of `transactionalId`, retrying what is retriable until the
   * deadline (then KafkaUnavailableError); any other answer comes back as `refused`.
   */
  async #request<T>(
    transactionalId: string,
    action: string,
    send: (broker: KafkajsBroker) => Promise<T>,
  ): Promise<{ value: T } | Refused> {
    try {
      const value = await retryUntilDeadline(() => this.#coordinator(transactionalId).then(send), {
        action,
        deadline: Date.now() + this.#timeoutMs,
        onError: (info) => {
          if (info.kind === 'retriable') return 'retry'
          if (info.kind === 'coordinatorMoved' || info.kind === 'network') {
            this.#coordinators.delete(transactionalId)
            return 'retry'
          }
          return 'stop'
        },
      })
      return { value }
    } catch (error) {
      if (isExactlyError(error)) throw error
      return { refused: classifyKafkaError(error), error }
    }
  }

  async #coordinator(transactionalId: string): Promise<KafkajsBroker> {
    const cached = this.#coordinators.get(transactionalId)
    if (cached) return cached
    const request = { groupId: transactionalId, coordinatorType: COORDINATOR_TYPE_TRANSACTION }
    try {
      const broker = await this.#cluster.findGroupCoordinator(request)
      this.#coordinators.set(transactionalId, broker)
      return broker
    } catch (error) {
      // kafkajs drops each broker's answer and says "not found": ask one broker again to learn
      // why (TRANSACTIONAL_ID_AUTHORIZATION_FAILED must reach the caller, not a timeout).
      if ((error as Error).name !== 'KafkaJSGroupCoordinatorNotFound') throw error
      const broker = await this.#cluster.brokerPool.findConnectedBroker()
      await broker.findGroupCoordinator(request)
      throw error
    }
  }
}

export function validateIdentity(identity: ProducerIdentity): void {
  if (typeof identity.transactionalId !== 'string' || identity.transactionalId === '') {
    throw new TypeError('Invalid producer identity: the transactional id must be a non-empty string')
  }
  if (typeof identity.producerId !== 'string' || !/^\d+$/.test(identity.producerId)) {
    throw new TypeError(
      `Invalid producer identity for "${identity.transactionalId}": producerId must be a decimal string, got "${identity.producerId}"`,
    )
  }
  if (!Number.isInteger(identity.epoch) || identity.epoch < 0 || identity.epoch > MAX_EPOCH) {
    throw new RangeError(
      `Invalid producer identity for "${identity.transactionalId}": epoch must be an integer in [0, ${MAX_EPOCH}], got ${identity.epoch}`,
    )
  }
}

interface Refused {
  refused: KafkaErrorInfo
  error: unknown
}

function refusal(action: string, { refused, error }: Refused): KafkaRequestError {
  return new KafkaRequestError(
    `${action}: the broker answered ${refused.errorType} (${kafkaErrorMessage(error)})`,
    refused.errorType,
    { cause: error },
  )
}

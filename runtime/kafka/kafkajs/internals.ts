/**
 * The kafkajs 2.2.4 internals this adapter uses, with minimal local types. kafkajs ships its
 * CommonJS sources (`src/`) without an `exports` map, so they resolve by path; package.json pins
 * the exact version, and `test/integration/runtime/kafka/kafka-client-kafkajs.it.test.ts` pins the behaviour.
 * Only the members we call are declared; shapes follow the kafkajs sources of 2.2.4.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export interface KafkajsLogEntry {
  namespace: string
  level: number
  label: string
  log: { message: string; [key: string]: unknown }
}

export type KafkajsLogCreator = (logLevel: number) => (entry: KafkajsLogEntry) => void

export interface KafkajsLogger {
  namespace(name: string): KafkajsLogger
}

export interface PartitionMetadata {
  partitionId: number
  leader: number
  partitionErrorCode: number
}

export interface RequestQueueInternals {
  pending: unknown[]
  throttledUntil: number
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null
  checkPendingRequests(): void
  scheduleCheckPendingRequests(): void
}

export interface ConnectionPoolInternals {
  pool: { requestQueue: RequestQueueInternals }[]
}

export interface ConnectionPoolBuilder {
  build(destination?: { host?: string; port?: number; rack?: string }): Promise<ConnectionPoolInternals>
}

export interface ProduceMessage {
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer | string>
  timestamp: number
}

export interface ProduceTopicData {
  topic: string
  partitions: { partition: number; firstSequence: number; messages: ProduceMessage[] }[]
}

/** A request built by hand (for APIs kafkajs 2.2.4 lacks); the header is kafkajs's own. */
export interface RawRequest<T> {
  request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<KafkajsEncoder> }
  response: { decode(payload: Buffer): Promise<T>; parse(decoded: T): Promise<T> }
  requestTimeout?: number
}

export interface KafkajsBroker {
  connectionPool: { send<T>(request: RawRequest<T>): Promise<T> }
  listOffsets(request: {
    isolationLevel: number
    topics: { topic: string; partitions: { partition: number; timestamp: number }[] }[]
  }): Promise<{ responses: { topic: string; partitions: { partition: number; offset: string }[] }[] }>
  produce(request: {
    topicData: ProduceTopicData[]
    transactionalId: string | null
    producerId: string
    producerEpoch: number
    acks: number
    timeout: number
    compression: number
  }): Promise<unknown>
  initProducerId(request: {
    transactionalId: string
    transactionTimeout: number
  }): Promise<{ producerId: string; producerEpoch: number }>
  addPartitionsToTxn(request: {
    transactionalId: string
    producerId: string
    producerEpoch: number
    topics: { topic: string; partitions: number[] }[]
  }): Promise<unknown>
  endTxn(request: {
    transactionalId: string
    producerId: string
    producerEpoch: number
    transactionResult: boolean
  }): Promise<unknown>
  /** FindCoordinator on this broker; throws the broker's error (the cluster's version swallows it). */
  findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<unknown>
}

export interface ClusterOptions {
  logger: KafkajsLogger
  socketFactory: unknown
  brokers: string[]
  ssl?: unknown
  sasl?: unknown
  clientId: string
  connectionTimeout: number
  authenticationTimeout?: number
  requestTimeout: number
  enforceRequestTimeout: boolean
  metadataMaxAge: number
  retry: { retries: number; initialRetryTime: number; maxRetryTime: number; factor: number; multiplier: number }
  allowAutoTopicCreation: boolean
  maxInFlightRequests: number | null
  isolationLevel: number
}

export interface KafkajsCluster {
  connectionPoolBuilder: ConnectionPoolBuilder
  connect(): Promise<void>
  disconnect(): Promise<void>
  refreshMetadata(): Promise<void>
  addMultipleTargetTopics(topics: string[]): Promise<void>
  findTopicPartitionMetadata(topic: string): PartitionMetadata[]
  findBroker(options: { nodeId: number | string }): Promise<KafkajsBroker>
  findGroupCoordinator(options: { groupId: string; coordinatorType: number }): Promise<KafkajsBroker>
  brokerPool: { findConnectedBroker(): Promise<KafkajsBroker> }
}

export const Cluster = require('kafkajs/src/cluster') as new (options: ClusterOptions) => KafkajsCluster

export const { createLogger, LEVELS: LOG_LEVELS } = require('kafkajs/src/loggers') as {
  createLogger(options: { level: number; logCreator: KafkajsLogCreator }): KafkajsLogger
  LEVELS: { NOTHING: number; ERROR: number; WARN: number; INFO: number; DEBUG: number }
}

export const createSocketFactory = require('kafkajs/src/network/socketFactory') as () => unknown

/** FindCoordinator key types (`src/protocol/coordinatorTypes.js`). */
export const COORDINATOR_TYPE_TRANSACTION = 1

/** Fetch/ListOffsets isolation levels (`src/protocol/isolationLevel.js`). */
export const READ_UNCOMMITTED = 0
export const READ_COMMITTED = 1

/** ListOffsets timestamps (`src/constants.js`). */
export const EARLIEST_OFFSET = -2
export const LATEST_OFFSET = -1

/** kafkajs's protocol encoder (`src/protocol/encoder.js`): the members the hand-built requests use. */
export interface KafkajsEncoder {
  writeInt16(value: number): KafkajsEncoder
  writeInt32(value: number): KafkajsEncoder
  writeInt64(value: string | bigint): KafkajsEncoder
  writeBoolean(value: boolean): KafkajsEncoder
  writeUVarInt(value: number): KafkajsEncoder
  writeUVarIntString(value: string | null): KafkajsEncoder
  writeUVarIntArray(array: KafkajsEncoder[]): KafkajsEncoder
  writeString(value: string | null): KafkajsEncoder
  /** int32 length, then the bytes. */
  writeBytes(value: Buffer): KafkajsEncoder
  writeArray(array: KafkajsEncoder[]): KafkajsEncoder
}

export interface KafkajsDecoder {
  readInt16(): number
  readInt32(): number
  readInt64(): bigint
  readUVarIntString(): string | null
  readUVarIntArray<T>(reader: (d: KafkajsDecoder) => T): T[] | null
  readTaggedFields(): void
}

export const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkajsEncoder
export const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkajsDecoder
export const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): Error & { code: number; type: string }
}

/** Produce v7's response decoder (`src/protocol/requests/produce/v7/response.js`); parse throws the first partition error. */
export const produceV7Response = require('kafkajs/src/protocol/requests/produce/v7/response') as {
  decode(payload: Buffer): Promise<unknown>
  parse(decoded: unknown): Promise<unknown>
}

/** Fetch v11's request encoder (`src/protocol/requests/fetch/v11/request.js`). */
export const fetchV11Request = require('kafkajs/src/protocol/requests/fetch/v11/request') as (args: {
  replicaId: number
  isolationLevel: number
  sessionId: number
  sessionEpoch: number
  forgottenTopics: unknown[]
  maxWaitTime: number
  minBytes: number
  maxBytes: number
  topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[]
  rackId: string
}) => RawRequest<unknown>['request']

/** Fetch v11's `parse` (`src/protocol/requests/fetch/v11/response.js`): throws the first partition error. */
export const fetchV11Parse = (
  require('kafkajs/src/protocol/requests/fetch/v11/response') as { parse(decoded: unknown): Promise<unknown> }
).parse

/** The codec of a record batch's attributes (`src/protocol/message/compression`); null for none. */
export const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression') as {
  lookupCodecByAttributes(attributes: number): { decompress(buffer: Buffer): Promise<Buffer> } | null
}

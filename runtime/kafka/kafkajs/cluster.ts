/** Builds the kafkajs `Cluster` (connections, metadata, broker lookup) the adapter runs on. */

import type { ConnectionOptions } from 'node:tls'
import type { SASLOptions } from 'kafkajs'
import type { KafkaSecurity } from '../../../contract/kafka-security.ts'
import type { AclHints } from './access-errors.ts'
import {
  Cluster,
  createLogger,
  createSocketFactory,
  type KafkajsCluster,
  type KafkajsLogEntry,
  LOG_LEVELS,
  READ_COMMITTED,
} from './internals.ts'
import { withoutIdleTimers } from './request-queue-timers.ts'
import { kafkajsSecurity } from './security.ts'

export interface KafkajsClientOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[]
  clientId?: string
  /** TLS and SASL from files (contract/kafka-security.ts); `ssl` and `sasl` below override it. */
  security?: KafkaSecurity
  /** Who this client is, for the kafka-acls.sh advice in access-denied errors. */
  aclHints?: AclHints
  ssl?: ConnectionOptions | boolean
  sasl?: SASLOptions
  /** TCP connect timeout. Default 5000. */
  connectionTimeoutMs?: number
  /** Time to wait for any single response (Fetch adds its max wait). Default 30000. */
  requestTimeoutMs?: number
  /**
   * How long InitProducerId, AddPartitionsToTxn and EndTxn keep retrying retriable answers
   * (CONCURRENT_TRANSACTIONS, coordinator moving or loading, network). Default 60000.
   */
  coordinatorTimeoutMs?: number
  /** How long a produce request keeps being retried (leader moves, network) before the writer fails. Default 120000. */
  deliveryTimeoutMs?: number
  /** Largest record batch per partition in one Produce request; stay under the broker's `message.max.bytes`. Default 512 KiB. */
  maxBatchBytes?: number
  /** Largest Produce request. Default 8 MiB. */
  maxRequestBytes?: number
  /** `send()` waits while a writer holds more unacknowledged bytes than this. Default 32 MiB. */
  maxBufferedBytes?: number
  /** Receives kafkajs's own log lines at warn level and above; silent when absent. */
  log?: (entry: { level: 'error' | 'warn'; namespace: string; message: string; extra: Record<string, unknown> }) => void
}

export function createCluster(options: KafkajsClientOptions): KafkajsCluster {
  const fromFiles = options.security ? kafkajsSecurity(options.security) : {}
  const ssl = options.ssl ?? fromFiles.ssl
  const sasl = options.sasl ?? fromFiles.sasl
  const logCreator = () => (entry: KafkajsLogEntry) => {
    const { message, ...extra } = entry.log
    options.log?.({
      level: entry.level <= LOG_LEVELS.ERROR ? 'error' : 'warn',
      namespace: entry.namespace,
      message,
      extra,
    })
  }
  const cluster = new Cluster({
    logger: createLogger({ level: options.log ? LOG_LEVELS.WARN : LOG_LEVELS.NOTHING, logCreator }),
    socketFactory: createSocketFactory(),
    brokers: options.brokers,
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
    clientId: options.clientId ?? 'exactly',
    connectionTimeout: options.connectionTimeoutMs ?? 5000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    enforceRequestTimeout: true,
    metadataMaxAge: 300_000,
    // kafkajs's own retries (connect, metadata); ours wrap them with deadlines. Explicit, so
    // NODE_ENV=test (which switches kafkajs to other defaults) changes nothing.
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000, factor: 0.2, multiplier: 2 },
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    isolationLevel: READ_COMMITTED,
  })
  withoutIdleTimers(cluster.connectionPoolBuilder)
  return cluster
}

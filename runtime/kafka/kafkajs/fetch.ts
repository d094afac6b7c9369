/**
 * read_committed Fetch of chosen partitions at chosen offsets, without a consumer group: one
 * Fetch request per partition leader, sent in parallel; aborted and control records removed by
 * `readCommitted`. Leader moves and network errors refresh metadata and retry until
 * `requestTimeoutMs` has passed.
 */
import {
  type FetchedPartition,
  type FetchOptions,
  type FetchRequest,
  partitionKey,
  type TopicPartition,
} from '../kafka-client.ts'
import { OffsetOutOfRangeError } from '../kafka-errors.ts'
import { kafkaErrorMessage } from './classify-error.ts'
import { fetchRequest } from './fetch-request.ts'
import type { KafkajsBroker, KafkajsCluster } from './internals.ts'
import { partitionsByLeader } from './metadata.ts'
import { readCommitted } from './read-committed.ts'
import { retryUntilDeadline } from './retry.ts'

const MAX_INT32 = 0x7fff_ffff

export async function fetchPartitions(
  cluster: KafkajsCluster,
  requests: readonly FetchRequest[],
  options: FetchOptions,
  requestTimeoutMs: number,
): Promise<FetchedPartition[]> {
  validate(requests, options)
  if (requests.length === 0) return []
  const action = `Cannot fetch ${describe(requests)}`
  const fetched = await retryUntilDeadline(() => fetchOnce(cluster, requests, options), {
    action,
    deadline: Date.now() + requestTimeoutMs + options.maxWaitMs,
    signal: options.signal,
    onError: async (info, error) => {
      switch (info.kind) {
        case 'staleMetadata':
        case 'unknownTopic': // metadata said it exists: the leader may have moved
        case 'network':
          await cluster.refreshMetadata().catch(() => {})
          return 'retry'
        case 'retriable':
          return 'retry'
        case 'offsetOutOfRange':
          throw new OffsetOutOfRangeError(`${action}: ${outOfRange(requests, error)}`, { cause: error })
        default:
          return 'stop'
      }
    },
  })
  return requests.map((request) => {
    const partition = fetched.get(partitionKey(request))
    if (!partition) throw new Error(`${action}: the broker did not answer for "${partitionKey(request)}"`)
    return partition
  })
}

async function fetchOnce(
  cluster: KafkajsCluster,
  requests: readonly FetchRequest[],
  options: FetchOptions,
): Promise<Map<string, FetchedPartition>> {
  const byLeader = await partitionsByLeader(cluster, requests, `Cannot fetch ${describe(requests)}`)
  const results = new Map<string, FetchedPartition>()
  await Promise.all(
    [...byLeader].map(async ([leader, group]) => {
      const broker = await cluster.findBroker({ nodeId: leader })
      for (const partition of await abortable(fetchFromBroker(broker, group, options), options.signal)) {
        results.set(partitionKey(partition), partition)
      }
    }),
  )
  return results
}

async function fetchFromBroker(
  broker: KafkajsBroker,
  requests: readonly FetchRequest[],
  options: FetchOptions,
): Promise<FetchedPartition[]> {
  const offsets = new Map(requests.map((r) => [partitionKey(r), r.offset]))
  const answer = await broker.connectionPool.send(
    fetchRequest({
      maxWaitMs: options.maxWaitMs,
      maxBytes: Math.min(MAX_INT32, options.maxBytesPerPartition * requests.length),
      partitions: requests.map((r) => ({ ...r, maxBytes: options.maxBytesPerPartition })),
    }),
  )
  return answer.responses.flatMap(({ topicName: topic, partitions }) =>
    partitions.map((p) => {
      const fetchOffset = offsets.get(partitionKey({ topic, partition: p.partition }))
      if (fetchOffset === undefined) throw new Error(`Cannot fetch: the broker answered for "${topic}/${p.partition}"`)
      const { records, nextOffset } = readCommitted({
        fetchOffset,
        batches: p.batches,
        abortedTransactions: p.abortedTransactions,
      })
      return {
        topic,
        partition: p.partition,
        records,
        nextOffset,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
      }
    }),
  )
}

/** Rejects when `signal` aborts; kafkajs cannot cancel a request, so its answer is dropped. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function validate(requests: readonly FetchRequest[], options: FetchOptions): void {
  if (!Number.isInteger(options.maxWaitMs) || options.maxWaitMs < 0) {
    throw new RangeError(`Cannot fetch: 'maxWaitMs' must be a non-negative integer, got ${options.maxWaitMs}`)
  }
  if (!Number.isInteger(options.maxBytesPerPartition) || options.maxBytesPerPartition <= 0) {
    throw new RangeError(
      `Cannot fetch: 'maxBytesPerPartition' must be a positive integer, got ${options.maxBytesPerPartition}`,
    )
  }
  const seen = new Set<string>()
  for (const request of requests) {
    const key = partitionKey(request)
    if (request.offset < 0n) throw new RangeError(`Cannot fetch "${key}": offset must be >= 0, got ${request.offset}`)
    if (seen.has(key)) throw new TypeError(`Cannot fetch "${key}": the partition is requested twice`)
    seen.add(key)
  }
}

function describe(partitions: readonly TopicPartition[]): string {
  const keys = partitions.map((p) => `"${partitionKey(p)}"`)
  return keys.length <= 3 ? keys.join(', ') : `${keys.slice(0, 3).join(', ')} and ${keys.length - 3} more`
}

/** kafkajs's KafkaJSOffsetOutOfRange names the partition; say which offset we asked for. */
function outOfRange(requests: readonly FetchRequest[], error: unknown): string {
  const { topic, partition } = (error ?? {}) as { topic?: unknown; partition?: unknown }
  const request = requests.find((r) => r.topic === topic && r.partition === partition)
  return request
    ? `offset ${request.offset} of "${partitionKey(request)}" is out of range`
    : `an offset is out of range (${kafkaErrorMessage(error)})`
}

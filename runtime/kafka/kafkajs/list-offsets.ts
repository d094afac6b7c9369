/**
 * ListOffsets of chosen partitions, one request per leader. `latest` is the high watermark:
 * the request uses READ_UNCOMMITTED, because under READ_COMMITTED the broker answers the last
 * stable offset instead (Fetch reports that one as `lastStableOffset`). A `{ timestamp }` asks
 * for the first record at or after it; the broker answers -1 where there is none.
 */
import { type Offset, type OffsetQuery, partitionKey, type TopicPartition } from '../kafka-client.ts'
import { groupByTopic } from './group-by-leader.ts'
import { EARLIEST_OFFSET, type KafkajsCluster, LATEST_OFFSET, READ_UNCOMMITTED } from './internals.ts'
import { partitionsByLeader } from './metadata.ts'
import { retryUntilDeadline } from './retry.ts'

export async function listOffsets(
  cluster: KafkajsCluster,
  partitions: readonly TopicPartition[],
  which: OffsetQuery,
  requestTimeoutMs: number,
): Promise<Map<string, Offset>> {
  const timestamp = queryTimestamp(which)
  if (partitions.length === 0) return new Map()
  const what = typeof which === 'string' ? which : `at ${new Date(which.timestamp).toISOString()}`
  const action = `Cannot list ${what} offsets of ${partitions.map((p) => `"${partitionKey(p)}"`).join(', ')}`
  return retryUntilDeadline(
    async () => {
      const offsets = new Map<string, Offset>()
      const byLeader = await partitionsByLeader(cluster, partitions, action)
      await Promise.all(
        [...byLeader].map(async ([leader, group]) => {
          const broker = await cluster.findBroker({ nodeId: leader })
          const { responses } = await broker.listOffsets({
            isolationLevel: READ_UNCOMMITTED,
            topics: groupByTopic(group, (tp) => ({ partition: tp.partition, timestamp })),
          })
          for (const { topic, partitions: answered } of responses) {
            for (const { partition, offset } of answered)
              offsets.set(partitionKey({ topic, partition }), BigInt(offset))
          }
        }),
      )
      return offsets
    },
    {
      action,
      deadline: Date.now() + requestTimeoutMs,
      onError: async (info) => {
        if (info.kind === 'staleMetadata' || info.kind === 'network' || info.kind === 'unknownTopic') {
          await cluster.refreshMetadata().catch(() => {})
          return 'retry'
        }
        return info.kind === 'retriable' ? 'retry' : 'stop'
      },
    },
  )
}

/** The ListOffsets timestamp of a query: -2 earliest, -1 latest, else a time in ms. */
function queryTimestamp(which: OffsetQuery): number {
  if (which === 'earliest') return EARLIEST_OFFSET
  if (which === 'latest') return LATEST_OFFSET
  if (typeof which === 'object' && which !== null && Number.isSafeInteger(which.timestamp) && which.timestamp >= 0) {
    return which.timestamp
  }
  throw new TypeError(
    `Cannot list offsets: 'which' must be "earliest", "latest" or { timestamp: ms >= 0 }, got ${JSON.stringify(which)}`,
  )
}

/**
 * DescribeProducers (KIP-664) and WriteTxnMarkers, which kafkajs 2.2.4 does not have: what
 * `kafka-transactions.sh find-hanging` and `abort` send. Both are flexible-version APIs, so the
 * body starts with the request header's empty tagged-field section and the response with the
 * response header's (kafkajs writes and reads the rest of the headers).
 *
 * Why a client writes markers at all: a transaction whose coordinator has forgotten it (it
 * completed the transaction without writing a marker to some partition, as a broker shutting down
 * can do) holds that partition's last stable offset forever; only a marker closes it.
 */
import type { OpenTransaction, TopicPartition, TransactionMarker } from '../kafka-client.ts'
import { partitionKey } from '../kafka-client.ts'
import { groupByTopic } from './group-by-leader.ts'
import {
  createErrorFromCode,
  Decoder,
  Encoder,
  type KafkajsCluster,
  type KafkajsDecoder,
  type KafkajsEncoder,
  type RawRequest,
} from './internals.ts'
import { partitionsByLeader } from './metadata.ts'
import { retryUntilDeadline } from './retry.ts'

const DESCRIBE_PRODUCERS = { apiKey: 61, apiVersion: 0, apiName: 'DescribeProducers' }
const WRITE_TXN_MARKERS = { apiKey: 27, apiVersion: 1, apiName: 'WriteTxnMarkers' }

/** Open transactions (a producer with a current transaction start offset) on `partitions`. */
export async function describeOpenTransactions(
  cluster: KafkajsCluster,
  partitions: readonly TopicPartition[],
  requestTimeoutMs: number,
): Promise<OpenTransaction[]> {
  if (partitions.length === 0) return []
  const action = `Cannot describe the producers of ${partitions.length} partition(s) (${partitions.map(partitionKey).join(', ')})`
  return retryUntilDeadline(
    async () => {
      const open: OpenTransaction[] = []
      const byLeader = await partitionsByLeader(cluster, partitions, action)
      await Promise.all(
        [...byLeader].map(async ([leader, group]) => {
          const broker = await cluster.findBroker({ nodeId: leader })
          const answer = await broker.connectionPool.send(describeProducersRequest(group))
          for (const p of answer) {
            // The topic goes with the error: an ACL refusal names it (access-errors.ts).
            if (p.errorCode !== 0) throw Object.assign(createErrorFromCode(p.errorCode), { topic: p.topic })
            open.push(...p.open)
          }
        }),
      )
      return open
    },
    { action, deadline: Date.now() + requestTimeoutMs, onError: (info) => retryOrStop(cluster, info.kind) },
  )
}

/** Writes each marker to the leaders of its partitions; resolves when every partition has it. */
export async function writeTransactionMarkers(
  cluster: KafkajsCluster,
  markers: readonly TransactionMarker[],
  requestTimeoutMs: number,
): Promise<void> {
  for (const marker of markers) {
    const verb = marker.commit ? 'commit' : 'abort'
    const action = `Cannot write the ${verb} marker of producer ${marker.producerId} epoch ${marker.epoch}`
    await retryUntilDeadline(
      async () => {
        const byLeader = await partitionsByLeader(cluster, marker.partitions, action)
        await Promise.all(
          [...byLeader].map(async ([leader, group]) => {
            const broker = await cluster.findBroker({ nodeId: leader })
            const errors = await broker.connectionPool.send(writeTxnMarkersRequest({ ...marker, partitions: group }))
            const failed = errors.find((e) => e.errorCode !== 0)
            if (failed) throw createErrorFromCode(failed.errorCode)
          }),
        )
      },
      { action, deadline: Date.now() + requestTimeoutMs, onError: (info) => retryOrStop(cluster, info.kind) },
    )
  }
}

async function retryOrStop(cluster: KafkajsCluster, kind: string): Promise<'retry' | 'stop'> {
  if (kind === 'staleMetadata' || kind === 'network' || kind === 'unknownTopic') {
    await cluster.refreshMetadata().catch(() => {})
    return 'retry'
  }
  return kind === 'retriable' ? 'retry' : 'stop'
}

interface DescribedPartition {
  topic: string
  errorCode: number
  open: OpenTransaction[]
}

/**
 * DescribeProducers v0: topics [name [partition_indexes]] → per partition: error_code and
 * active_producers [producer_id int64, producer_epoch int32, last_sequence int32,
 * last_timestamp int64, coordinator_epoch int32, current_txn_start_offset int64 (-1: none)].
 */
export function describeProducersRequest(partitions: readonly TopicPartition[]): RawRequest<DescribedPartition[]> {
  const topics = groupByTopic(partitions, (tp) => tp.partition)
  return {
    request: {
      ...DESCRIBE_PRODUCERS,
      encode: async () =>
        emptyTags(new Encoder())
          .writeUVarIntArray(
            topics.map(({ topic, partitions: ids }) =>
              emptyTags(new Encoder().writeUVarIntString(topic).writeUVarIntArray(ids.map(int32))),
            ),
          )
          .writeUVarInt(0),
    },
    response: {
      decode: async (payload) => {
        const d = new Decoder(payload)
        d.readTaggedFields()
        d.readInt32() // throttle_time_ms
        const described = (d.readUVarIntArray(readDescribedTopic) ?? []).flat()
        d.readTaggedFields()
        return described
      },
      parse: async (decoded) => decoded,
    },
  }
}

function readDescribedTopic(d: KafkajsDecoder): DescribedPartition[] {
  const topic = d.readUVarIntString() ?? ''
  const partitions =
    d.readUVarIntArray((pd): DescribedPartition => {
      const partition = pd.readInt32()
      const errorCode = pd.readInt16()
      pd.readUVarIntString() // error_message
      const producers =
        pd.readUVarIntArray((x) => {
          const producer = {
            producerId: x.readInt64().toString(),
            epoch: x.readInt32(),
            lastSequence: x.readInt32(),
            lastTimestamp: x.readInt64(),
            coordinatorEpoch: x.readInt32(),
            startOffset: x.readInt64(),
          }
          x.readTaggedFields()
          return producer
        }) ?? []
      pd.readTaggedFields()
      const open = producers
        .filter((p) => p.startOffset >= 0n)
        .map(
          (p): OpenTransaction => ({
            topic,
            partition,
            producerId: p.producerId,
            epoch: p.epoch,
            coordinatorEpoch: p.coordinatorEpoch,
            startOffset: p.startOffset,
          }),
        )
      return { topic, errorCode, open }
    }) ?? []
  d.readTaggedFields()
  return partitions
}

/**
 * WriteTxnMarkers v1: markers [producer_id int64, producer_epoch int16, transaction_result bool,
 * topics [name [partition_indexes]], coordinator_epoch int32] → per partition an error code.
 */
export function writeTxnMarkersRequest(marker: TransactionMarker): RawRequest<{ errorCode: number }[]> {
  const topics = groupByTopic(marker.partitions, (tp) => tp.partition)
  const entry = emptyTags(
    new Encoder()
      .writeInt64(marker.producerId)
      .writeInt16(marker.epoch)
      .writeBoolean(marker.commit)
      .writeUVarIntArray(
        topics.map(({ topic, partitions }) =>
          emptyTags(new Encoder().writeUVarIntString(topic).writeUVarIntArray(partitions.map(int32))),
        ),
      )
      .writeInt32(marker.coordinatorEpoch),
  )
  return {
    request: {
      ...WRITE_TXN_MARKERS,
      encode: async () => emptyTags(new Encoder()).writeUVarIntArray([entry]).writeUVarInt(0),
    },
    response: {
      decode: async (payload) => {
        const d = new Decoder(payload)
        d.readTaggedFields()
        const errors: { errorCode: number }[] = []
        d.readUVarIntArray((m) => {
          m.readInt64() // producer_id
          m.readUVarIntArray((t) => {
            t.readUVarIntString()
            t.readUVarIntArray((p) => {
              p.readInt32()
              errors.push({ errorCode: p.readInt16() })
              p.readTaggedFields()
            })
            t.readTaggedFields()
          })
          m.readTaggedFields()
        })
        d.readTaggedFields()
        return errors
      },
      parse: async (decoded) => decoded,
    },
  }
}

function int32(value: number): KafkajsEncoder {
  return new Encoder().writeInt32(value)
}

/** Ends a struct (or starts a request body, for the header) with zero tagged fields. */
function emptyTags(encoder: KafkajsEncoder): KafkajsEncoder {
  return encoder.writeUVarInt(0)
}

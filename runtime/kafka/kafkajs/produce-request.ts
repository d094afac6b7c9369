/**
 * A Produce request (v7; the same body as v3) whose record batches are already encoded by
 * `record-batch.ts`, sent on a kafkajs connection; kafkajs's own response decoder reads the answer
 * and throws the first partition error, as `broker.produce` would.
 */
import { groupByTopic } from './group-by-leader.ts'
import { Encoder, produceV7Response, type RawRequest } from './internals.ts'

export interface EncodedBatch {
  topic: string
  partition: number
  batch: Buffer
}

export function produceRequest(o: {
  transactionalId: string | null
  acks: number
  timeoutMs: number
  batches: readonly EncodedBatch[]
}): RawRequest<unknown> {
  const topics = groupByTopic(o.batches, (b) => b)
  return {
    request: {
      apiKey: 0,
      apiVersion: 7,
      apiName: 'Produce',
      encode: async () =>
        new Encoder()
          .writeString(o.transactionalId)
          .writeInt16(o.acks)
          .writeInt32(o.timeoutMs)
          .writeArray(
            topics.map(({ topic, partitions }) =>
              new Encoder()
                .writeString(topic)
                .writeArray(partitions.map((p) => new Encoder().writeInt32(p.partition).writeBytes(p.batch))),
            ),
          ),
    },
    response: produceV7Response as RawRequest<unknown>['response'],
  }
}

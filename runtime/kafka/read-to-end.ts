/**
 * Reads every partition of a topic to its end with read_committed fetches, and says whether a
 * transaction is still open on it (last stable offset behind the high watermark): what
 * `exactly verify` and the end-to-end tests audit.
 */
import type { FetchedRecord, KafkaClient } from './kafka-client.ts'

export interface TopicContents {
  records: FetchedRecord[]
  /** One line per partition whose last stable offset is behind its high watermark. */
  openTransactions: string[]
}

/**
 * A transaction whose commit was just decided closes within milliseconds (the coordinator writes
 * its markers right after answering EndTxn); one that stays open past this is reported.
 */
const SETTLE_MS = 3000

export async function readToEnd(
  client: KafkaClient,
  topic: string,
  onProgress?: (read: number) => void,
): Promise<TopicContents> {
  const partitions = await client.partitionCount(topic)
  const records: FetchedRecord[] = []
  const openTransactions: string[] = []
  for (let partition = 0; partition < partitions; partition++) {
    let offset = 0n
    let blockedSince: number | undefined
    for (;;) {
      const [part] = await client.fetch([{ topic, partition, offset }], {
        maxWaitMs: 50,
        maxBytesPerPartition: 4 << 20,
      })
      if (!part) throw new Error(`Cannot read "${topic}/${partition}": the fetch answered nothing`)
      for (const record of part.records) records.push(record)
      onProgress?.(records.length)
      offset = part.nextOffset
      if (offset < part.lastStableOffset) continue
      if (part.lastStableOffset >= part.highWatermark) break
      blockedSince ??= Date.now()
      if (Date.now() - blockedSince > SETTLE_MS) {
        openTransactions.push(
          `${topic}/${partition}: last stable offset ${part.lastStableOffset} < high watermark ${part.highWatermark}`,
        )
        break
      }
    }
  }
  return { records, openTransactions }
}

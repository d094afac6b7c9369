/**
 * Finds and closes the slot's hanging transactions on its output topics (see
 * hanging-transactions.ts for why they exist and which marker each gets). Runs after fencing,
 * so the coordinator has finished every transaction of the pool it still knew about.
 */
import type { Logger } from 'pino'
import type { KafkaClient, ProducerIdentity } from '../kafka/kafka-client.ts'
import { decideHangingTransactions, type HangingTransaction } from './hanging-transactions.ts'

export async function closeHangingTransactions(options: {
  kafka: KafkaClient
  /** Every topic the slot's transactions may have written: sink, dead-letter, and source topics (repartitioning). */
  outputTopics: readonly string[]
  fenced: readonly ProducerIdentity[]
  promised: readonly ProducerIdentity[]
  log: Logger
}): Promise<HangingTransaction[]> {
  const { kafka, log } = options
  const partitions = []
  for (const topic of new Set(options.outputTopics)) {
    const count = await kafka.partitionCount(topic)
    for (let partition = 0; partition < count; partition++) partitions.push({ topic, partition })
  }
  const open = await kafka.describeOpenTransactions(partitions)
  const { markers, hanging } = decideHangingTransactions(open, options.fenced, options.promised)
  if (markers.length === 0) return []
  for (const h of hanging) {
    log.warn(
      { transactionalId: h.transactionalId, producerId: h.producerId, epoch: h.epoch, openAt: h.openAt },
      `closing a hanging transaction its coordinator forgot: writing ${h.commit ? 'COMMIT (its checkpoint completed)' : 'ABORT (no completed checkpoint holds it)'} markers`,
    )
  }
  await kafka.writeTransactionMarkers(markers)
  return hanging
}

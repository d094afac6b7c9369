/**
 * Finds and closes the slot's hanging transactions on its output topics (see
 * hanging-transactions.ts for why they exist and which marker each gets). Runs after fencing,
 * so the coordinator has finished every transaction of the pool it still knew about.
 *
 * Both steps need ACLs a cluster may not grant the job (Read on the outputs for DescribeProducers,
 * Alter on the cluster for WriteTxnMarkers). Without them the step is skipped, never the rest of
 * recovery: what it would have closed stays open (readers wait at it), nothing is lost or
 * doubled, and `denied` tells the caller which ACL to ask for.
 */
import type { Logger } from 'pino'
import type { KafkaClient, ProducerIdentity, TopicPartition } from '../kafka/kafka-client.ts'
import { KafkaAccessDeniedError } from '../kafka/kafka-errors.ts'
import { decideHangingTransactions, type HangingTransaction } from './hanging-transactions.ts'

export async function closeHangingTransactions(options: {
  kafka: KafkaClient
  /** Every topic the slot's transactions may have written: sink, dead-letter, and source topics (repartitioning). */
  outputTopics: readonly string[]
  fenced: readonly ProducerIdentity[]
  promised: readonly ProducerIdentity[]
  log: Logger
  /** Called instead of failing when the broker denies a step. */
  denied?: (error: KafkaAccessDeniedError) => void
}): Promise<HangingTransaction[]> {
  const { kafka, log } = options
  const partitions: TopicPartition[] = []
  for (const topic of new Set(options.outputTopics)) {
    const count = await kafka.partitionCount(topic)
    for (let partition = 0; partition < count; partition++) partitions.push({ topic, partition })
  }
  const open = await allowedTo(options, () => kafka.describeOpenTransactions(partitions))
  if (!open) return []
  const { markers, hanging } = decideHangingTransactions(open, options.fenced, options.promised)
  if (markers.length === 0) return []
  for (const h of hanging) {
    log.warn(
      { transactionalId: h.transactionalId, producerId: h.producerId, epoch: h.epoch, openAt: h.openAt },
      `closing a hanging transaction its coordinator forgot: writing ${h.commit ? 'COMMIT (its checkpoint completed)' : 'ABORT (no completed checkpoint holds it)'} markers`,
    )
  }
  const written = await allowedTo(options, () => kafka.writeTransactionMarkers(markers).then(() => true))
  return written ? hanging : []
}

async function allowedTo<T>(
  options: { log: Logger; denied?: ((error: KafkaAccessDeniedError) => void) | undefined },
  step: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await step()
  } catch (error) {
    if (!(error instanceof KafkaAccessDeniedError) || !options.denied) throw error
    options.log.warn({ err: error }, `${error.message}; recovery goes on without closing hanging transactions`)
    options.denied(error)
    return undefined
  }
}

/**
 * Closing transactions that outlived their coordinator's memory (DESIGN section 5, last step of
 * recovery). A coordinator can complete a transaction without writing its marker to every
 * partition: Kafka skips partitions whose leader it cannot find, "likely deleted", and a broker
 * in controlled shutdown can see its own partitions that way. The partition then keeps the
 * transaction open, its last stable offset stops, and read_committed consumers stall; neither a
 * new epoch (InitProducerId) nor the transaction timeout ends it, because the coordinator has no
 * transaction left to abort. Only a marker written to the partition does.
 *
 * Which marker: after the slot's pool is fenced, every transaction of ours still open on an
 * output partition is one the coordinator forgot. The one the head checkpoint promised was
 * committed (the coordinator said so, or recovery just did): it gets a COMMIT marker, otherwise
 * its records would vanish. Any other was never part of a completed checkpoint: ABORT, as
 * fencing would have done. Transactions of other producers (other slots, other applications)
 * are not ours to close.
 */
import type { OpenTransaction, ProducerIdentity, TransactionMarker } from '../kafka/kafka-client.ts'

export interface HangingTransaction {
  producerId: string
  epoch: number
  transactionalId: string
  commit: boolean
  /** `topic/partition@startOffset` of each partition it holds open. */
  openAt: string[]
}

export interface HangingDecision {
  markers: TransactionMarker[]
  hanging: HangingTransaction[]
}

/**
 * PURE. `fenced`: the pool's identities after fencing (the epoch each id has now);
 * `promised`: the committables of completed checkpoints that recovery knows.
 */
export function decideHangingTransactions(
  open: readonly OpenTransaction[],
  fenced: readonly ProducerIdentity[],
  promised: readonly ProducerIdentity[],
): HangingDecision {
  const oursByProducer = new Map(fenced.map((f) => [f.producerId, f]))
  const groups = new Map<string, { marker: TransactionMarker; hanging: HangingTransaction }>()
  for (const txn of open) {
    const ours = oursByProducer.get(txn.producerId)
    // Not ours, or written with the current epoch (nobody of ours has written with it yet).
    if (!ours || txn.epoch >= ours.epoch) continue
    const commit = promised.some((p) => p.producerId === txn.producerId && p.epoch === txn.epoch)
    const key = `${txn.producerId}/${txn.epoch}/${txn.coordinatorEpoch}`
    let group = groups.get(key)
    if (!group) {
      group = {
        marker: {
          producerId: txn.producerId,
          epoch: txn.epoch,
          commit,
          coordinatorEpoch: txn.coordinatorEpoch,
          partitions: [],
        },
        hanging: {
          producerId: txn.producerId,
          epoch: txn.epoch,
          transactionalId: ours.transactionalId,
          commit,
          openAt: [],
        },
      }
      groups.set(key, group)
    }
    ;(group.marker.partitions as { topic: string; partition: number }[]).push({
      topic: txn.topic,
      partition: txn.partition,
    })
    group.hanging.openAt.push(`${txn.topic}/${txn.partition}@${txn.startOffset}`)
  }
  const values = [...groups.values()]
  return { markers: values.map((g) => g.marker), hanging: values.map((g) => g.hanging) }
}

/**
 * Hanging transactions while the slot runs, not only at recovery (hanging-transactions.ts says
 * how they arise): every `intervalMs` the slot asks the partitions it writes and reads which
 * transactions are open on them (DescribeProducers). One still open, at the same start offset,
 * past `thresholdMs` (the job's transaction timeout: by then its coordinator would have ended
 * it) holds read_committed readers back. Ours (an older epoch of this slot's pool, so one the
 * coordinator forgot) is closed at once with the marker recovery would write; anyone else's is
 * an alarm (HangingTransaction) naming the partition, the producer and the command that closes
 * it, cleared once it is gone. `trackOpenTransactions` decides; the class asks and acts.
 */
import type { Logger } from 'pino'
import type { WorkerAlarm } from '../../contract/worker-status.ts'
import type { KafkaClient, OpenTransaction, ProducerIdentity, TopicPartition } from '../kafka/kafka-client.ts'
import { KafkaAccessDeniedError } from '../kafka/kafka-errors.ts'
import { decideHangingTransactions } from '../recovery/hanging-transactions.ts'
import type { SlotDeps } from './slot-deps.ts'

export interface OpenFor extends OpenTransaction {
  openForMs: number
}

const keyOf = (t: OpenTransaction) => `${t.topic}/${t.partition}/${t.producerId}/${t.epoch}/${t.startOffset}`

/**
 * PURE. `seen`: when each open transaction was first seen (by key); returns the same for what is
 * open now, and those open longer than `thresholdMs`.
 */
export function trackOpenTransactions(
  seen: ReadonlyMap<string, number>,
  open: readonly OpenTransaction[],
  now: number,
  thresholdMs: number,
): { seen: Map<string, number>; hanging: OpenFor[] } {
  const next = new Map<string, number>()
  const hanging: OpenFor[] = []
  for (const txn of open) {
    const key = keyOf(txn)
    const since = seen.get(key) ?? now
    next.set(key, since)
    if (now - since >= thresholdMs) hanging.push({ ...txn, openForMs: now - since })
  }
  return { seen: next, hanging }
}

/** PURE. What a person reads (and runs) for a transaction that is not the job's own. */
export function hangingAlarmMessage(txn: OpenFor, bootstrap: string): string {
  const minutes = Math.max(1, Math.round(txn.openForMs / 60_000))
  return (
    `Partition ${txn.topic}/${txn.partition} has been held open for ${minutes} min, since offset ${txn.startOffset}, by ` +
    `producer ${txn.producerId} (epoch ${txn.epoch}), longer than this job's transaction timeout: read_committed readers ` +
    `of it wait there. If that producer is gone, close its transaction: kafka-transactions.sh --bootstrap-server ${bootstrap} ` +
    `abort --topic ${txn.topic} --partition ${txn.partition} --start-offset ${txn.startOffset}`
  )
}

export const HANGING_ALARM = 'HangingTransaction'

export interface HangingWatchOptions {
  kafka: KafkaClient
  /** Every partition the slot writes (sink, dead-letter, repartitioned sources) and reads. */
  partitions: () => readonly TopicPartition[]
  /** The slot's pool after fencing, and the committable recovery committed (its marker is COMMIT). */
  fenced: readonly ProducerIdentity[]
  promised: readonly ProducerIdentity[]
  thresholdMs: number
  intervalMs: number
  /** The worker's alarms list (status.alarms): HangingTransaction entries are kept in step here. */
  alarms: WorkerAlarm[]
  bootstrap: string
  onClosed: (commit: boolean) => void
  log: Logger
  now?: () => number
}

export class HangingWatch {
  readonly #o: HangingWatchOptions
  #seen = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(options: HangingWatchOptions) {
    this.#o = options
  }

  start(): void {
    const tick = () => {
      if (this.#stopped) return
      this.check()
        .catch((error: unknown) => {
          if (error instanceof KafkaAccessDeniedError) {
            // Recovery raised HangingTransactionsUnchecked with the ACL to grant; asking again changes nothing.
            this.#o.log.warn({ err: error }, 'hanging-transaction watch stopped: the broker denies DescribeProducers')
            this.#stopped = true
            return
          }
          this.#o.log.warn({ err: error }, `hanging-transaction check failed: ${(error as Error).message}`)
        })
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#o.intervalMs).unref()
        })
    }
    this.#timer = setTimeout(tick, this.#o.intervalMs).unref()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  /** One look: close ours, raise or clear the alarm for others'; returns the others' hanging transactions. */
  async check(): Promise<OpenFor[]> {
    const { kafka, log } = this.#o
    const now = (this.#o.now ?? Date.now)()
    const open = await kafka.describeOpenTransactions(this.#o.partitions())
    const tracked = trackOpenTransactions(this.#seen, open, now, this.#o.thresholdMs)
    this.#seen = tracked.seen
    const ours = decideHangingTransactions(tracked.hanging, this.#o.fenced, this.#o.promised)
    if (ours.markers.length > 0) {
      log.warn({ hanging: ours.hanging }, 'closing hanging transactions of this slot that their coordinator forgot')
      await kafka.writeTransactionMarkers(ours.markers)
      for (const h of ours.hanging) this.#o.onClosed(h.commit)
    }
    const closed = new Set(ours.hanging.map((h) => h.producerId))
    const foreign = tracked.hanging.filter(
      (t) => !closed.has(t.producerId) && !this.#o.fenced.some((f) => f.producerId === t.producerId),
    )
    this.#raise(foreign, now)
    return foreign
  }

  #raise(foreign: readonly OpenFor[], now: number): void {
    const alarms = this.#o.alarms
    const kept = alarms.filter((a) => a.reason !== HANGING_ALARM)
    const raised = foreign.map((txn) => {
      const message = hangingAlarmMessage(txn, this.#o.bootstrap)
      const since = new Date(now - txn.openForMs).toISOString()
      return { reason: HANGING_ALARM, message, since }
    })
    if (raised.length > 0 && !alarms.some((a) => a.reason === HANGING_ALARM))
      this.#o.log.warn({ hanging: foreign }, raised[0]!.message)
    alarms.splice(0, alarms.length, ...kept, ...raised)
  }
}

/** The watch for one slot, from its config and what recovery left (fenced pool, promised commit). */
export async function startHangingWatch(
  deps: SlotDeps,
  alarms: WorkerAlarm[],
  recovered: {
    partitions: readonly number[]
    fenced: ReadonlyMap<string, ProducerIdentity>
    promised: readonly ProducerIdentity[]
  },
): Promise<HangingWatch> {
  const { config: c, kafka } = deps
  const written = [c.kafka.sinkTopic, ...(c.job.onError.kind === 'dead-letter' ? [c.job.onError.topic] : [])]
  const partitions: TopicPartition[] = c.kafka.sourceTopics.flatMap((topic) =>
    recovered.partitions.map((partition) => ({ topic, partition })),
  )
  for (const topic of written) {
    const count = await kafka.partitionCount(topic)
    for (let partition = 0; partition < count; partition++) partitions.push({ topic, partition })
  }
  const watch = new HangingWatch({
    kafka,
    partitions: () => partitions,
    fenced: [...recovered.fenced.values()],
    promised: recovered.promised,
    thresholdMs: c.kafka.hangingTransactions.afterMs ?? c.kafka.transactionTimeoutMs,
    intervalMs: c.kafka.hangingTransactions.checkIntervalMs,
    alarms,
    bootstrap: c.kafka.bootstrapServers.join(','),
    onClosed: (commit) => deps.metrics.hangingTransactionsClosed.inc({ outcome: commit ? 'commit' : 'abort' }),
    log: deps.log,
    ...(deps.now ? { now: deps.now } : {}),
  })
  watch.start()
  return watch
}

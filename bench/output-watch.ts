/**
 * Watches a run's output topic from outside the system under test, the same way for every
 * system: it samples the sum of the partitions' high watermarks every `periodMs`. Records count
 * there when the broker has appended them, committed or not, so "the output is written" means
 * appended, not queued by a writer (our writer buffers up to 32 MB, kafkajs batches) and not
 * made visible by a checkpoint (that is latency, measured separately). A run's time is from
 * when the system got its first input (each runner knows that moment) to `writtenAt()`.
 *
 * Writers append in large steps (a produce request can carry 8 MB), so the growth between two
 * samples says little about speed; the moment the output became complete does, and it is
 * interpolated between the two samples around it. Transaction markers count in the high
 * watermark too (one per partition per commit): that moment may come a few records early.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import type { KafkaClient } from '../runtime/kafka/kafka-client.ts'
import { PARTITIONS } from './workloads.ts'

interface Sample {
  at: number
  records: number
}

export class OutputWatch {
  readonly #client: KafkaClient
  readonly #topic: string
  readonly #expected: number
  readonly #periodMs: number
  readonly #admin
  readonly #samples: Sample[] = []
  #closed = false
  #loop: Promise<void> | undefined
  #adminConnected: Promise<void> | undefined

  constructor(options: { bootstrap: string; client: KafkaClient; topic: string; expected: number; periodMs?: number }) {
    this.#client = options.client
    this.#topic = options.topic
    this.#expected = options.expected
    this.#periodMs = options.periodMs ?? 50
    this.#admin = new Kafka({
      clientId: 'exactly-bench-watch',
      brokers: [options.bootstrap],
      logLevel: logLevel.NOTHING,
    }).admin()
  }

  get #partitions() {
    return Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: this.#topic, partition }))
  }

  start(): void {
    this.#loop ??= (async () => {
      while (!this.#closed) {
        const high = await this.#client.listOffsets(this.#partitions, 'latest').catch(() => undefined)
        if (high) this.#samples.push({ at: Date.now(), records: sum(high.values()) })
        await sleep(this.#periodMs)
      }
    })()
  }

  /** Resolves when the output holds `expected` records (committed or not); undefined at the deadline. */
  async written(deadline: number, failed?: () => string | undefined): Promise<number | undefined> {
    while (Date.now() < deadline) {
      const failure = failed?.()
      if (failure) throw new Error(failure)
      const last = this.#samples.at(-1)
      if (last && last.records >= this.#expected) return last.at
      await sleep(this.#periodMs / 4)
    }
    return undefined
  }

  /**
   * When the output reached `expected` records: between the last sample below it and the first
   * at or above it, interpolated linearly. NaN if it never did.
   */
  writtenAt(): number {
    const fullAt = this.#samples.findIndex((s) => s.records >= this.#expected)
    const full = this.#samples[fullAt]
    if (!full) return Number.NaN
    const before = this.#samples[fullAt - 1]
    if (!before) return full.at
    const share = (this.#expected - before.records) / (full.records - before.records)
    return before.at + share * (full.at - before.at)
  }

  /**
   * Waits until the system says it read all its input, the output reached `expected` and stood
   * still for one sample, and every partition's last stable offset equals its high watermark (no
   * transaction open: everything written is visible to read_committed). kafkajs's admin asks
   * ListOffsets with read_committed, which answers the last stable offset.
   */
  async settled(options: {
    inputDone: () => Promise<boolean>
    deadline: number
    failed?: () => string | undefined
  }): Promise<number | undefined> {
    this.#adminConnected ??= this.#admin.connect()
    await this.#adminConnected
    let previous = -1
    while (Date.now() < options.deadline) {
      const failure = options.failed?.()
      if (failure) throw new Error(failure)
      if (await options.inputDone().catch(() => false)) {
        const [high, stable] = await Promise.all([
          this.#client.listOffsets(this.#partitions, 'latest'),
          this.#admin.fetchTopicOffsets(this.#topic),
        ])
        const records = sum(high.values())
        const open = stable.some(
          ({ partition, offset }) => BigInt(offset) < (high.get(`${this.#topic}/${partition}`) ?? 0n),
        )
        if (!open && records >= this.#expected && records === previous) return Date.now()
        previous = records
      }
      await sleep(150)
    }
    return undefined
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#loop
    if (this.#adminConnected) await this.#admin.disconnect().catch(() => {})
  }
}

function sum(offsets: Iterable<bigint>): number {
  let total = 0
  for (const offset of offsets) total += Number(offset)
  return total
}

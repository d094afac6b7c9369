/**
 * Test a job without Kafka, S3 or a cluster, as Flink's operator test harnesses and Kafka
 * Streams' TopologyTestDriver let you: records in, committed output and state out, with
 * checkpoints, restores and crashes between any two records. It runs the job through the
 * runtime's own Task (the same state journal, error policy, partitioner and snapshot codec a
 * worker uses), so what passes here behaves the same in a worker.
 *
 * The model is exactly-once's: input is a log per source partition; `checkpoint()` snapshots
 * every task's state and offsets (through the snapshot codec, so a value a snapshot cannot hold
 * fails here) and commits the output since the last one; `crash()` drops uncommitted output and
 * the tasks' memory, restores the last checkpoint, and the next `run()` processes the input
 * since it again. `output()` is what a read_committed consumer of the sink would see.
 *
 * Time: event time is each record's `timestamp` (or the job's `time.timestamp`), and event-time
 * timers fire as records move the watermark. The wall clock is the harness's own, starting at
 * `startTime` and moved only by `advanceProcessingTime`, so processing-time timers, idleness and
 * processing-time TTL are tested without waiting.
 *
 *   const h = new JobHarness(job, { config: { … } })
 *   h.send({ key: 'a', value: 'hello' }).run().checkpoint()
 *   expect(h.output()).toEqual([…])
 */
import type { StateValue } from '../api/context.ts'
import type { Job } from '../api/define-job.ts'
import type { FetchedRecord, OutgoingRecord } from '../kafka/kafka-client.ts'
import { partitionForKey } from '../sink/partitioner.ts'
import { KeyedState } from '../state/keyed-state.ts'
import { decodeSnapshot, encodeSnapshot } from '../state/snapshot-codec.ts'
import { type ErrorPolicy, Task } from '../task/task.ts'

export interface HarnessOptions {
  /** The job's `config` (spec.job.config). */
  config?: unknown
  /** Source topics and how many partitions they have: one task per partition number. */
  sourceTopics?: readonly string[]
  partitions?: number
  sinkTopic?: string
  sinkPartitions?: number
  /** spec.job.onError; `dead-letter` sends failed records to `deadLetterTopic`. */
  onError?: 'fail' | 'dead-letter'
  deadLetterTopic?: string
  /** Partition counts of other topics the job emits to (`emit({ topic })`). */
  topicPartitions?: Readonly<Record<string, number>>
  /** The harness's wall clock at the start, in ms since the epoch; default 0. */
  startTime?: number
}

export interface InputRecord {
  /** Default: the first source topic. */
  topic?: string
  /** Default: by key, as Kafka's default partitioner would (murmur2), or 0 without a key. */
  partition?: number
  key?: string | Buffer | null
  value: string | Buffer | null
  headers?: Record<string, Buffer>
  timestamp?: number
}

/** A committed output record, with its key and value as text when they are UTF-8. */
export interface HarnessOutput {
  topic: string
  partition: number
  key: string | null
  value: string | null
  headers?: Record<string, Buffer | string>
}

interface Snapshot {
  partition: number
  bytes: Buffer
  checksum: string
  offsets: Map<string, bigint>
}

export class JobHarness {
  readonly #job: Job
  readonly #o: Required<Omit<HarnessOptions, 'config' | 'topicPartitions' | 'startTime'>> & HarnessOptions
  readonly #log = new Map<string, FetchedRecord[]>()
  #tasks: Task[] = []
  #checkpoint: Snapshot[] = []
  #pending: OutgoingRecord[] = []
  readonly #committed: OutgoingRecord[] = []
  #now: number
  checkpoints = 0
  crashes = 0

  constructor(job: Job, options: HarnessOptions = {}) {
    this.#job = job
    this.#o = {
      sourceTopics: ['input'],
      partitions: 1,
      sinkTopic: 'output',
      sinkPartitions: 1,
      onError: 'fail',
      deadLetterTopic: 'dead-letters',
      ...options,
    }
    this.#now = options.startTime ?? 0
    this.#tasks = this.#fresh()
  }

  /** Appends records to the input log (not processed until `run`). */
  send(...records: InputRecord[]): this {
    for (const r of records) {
      const topic = r.topic ?? this.#o.sourceTopics[0]!
      if (!this.#o.sourceTopics.includes(topic)) {
        throw new RangeError(
          `Cannot send to "${topic}": the harness's source topics are ${this.#o.sourceTopics.join(', ')}`,
        )
      }
      const key = toBuffer(r.key ?? null)
      const partition = r.partition ?? partitionForKey(key, this.#o.partitions, 0)
      if (partition < 0 || partition >= this.#o.partitions) {
        throw new RangeError(`Cannot send to partition ${partition}: the sources have ${this.#o.partitions}`)
      }
      const log = this.#log.get(`${topic}/${partition}`) ?? []
      this.#log.set(`${topic}/${partition}`, log)
      log.push({
        topic,
        partition,
        offset: BigInt(log.length),
        key,
        value: toBuffer(r.value),
        headers: r.headers ?? {},
        timestamp: r.timestamp ?? 0,
      })
    }
    return this
  }

  /**
   * Processes every record not yet processed, partition by partition, topics in order, then
   * lets each task see the wall clock (processing-time timers due, idle partitions, TTL).
   */
  run(): this {
    for (const task of this.#tasks) {
      const logOf = (topic: string) => this.#log.get(`${topic}/${task.partition}`) ?? []
      // Every partition with records is active before any is processed, as in a worker's slice.
      for (const topic of this.#o.sourceTopics) {
        if (Number(task.offsets.get(topic) ?? 0n) < logOf(topic).length) task.sawRecords(topic, this.#now)
      }
      for (const topic of this.#o.sourceTopics) {
        const log = logOf(topic)
        for (let at = Number(task.offsets.get(topic) ?? 0n); at < log.length; at++)
          task.process(log[at]!, this.#pending)
      }
      task.advanceTime(this.#now, this.#pending)
    }
    return this
  }

  /** Moves the harness's wall clock forward by `ms` and runs (what fell due fires). */
  advanceProcessingTime(ms: number): this {
    if (!(ms >= 0)) throw new RangeError(`Cannot move the clock by ${ms} ms: time only moves forward`)
    this.#now += ms
    return this.run()
  }

  /** Task `partition`'s watermark (-Infinity until each of its source partitions has a record). */
  watermark(partition = 0): number {
    return this.#task(partition).time.watermarks.current
  }

  /** Snapshots every task (through the snapshot codec) and commits the output since the last checkpoint. */
  checkpoint(): this {
    for (const t of this.#tasks) t.beforeSnapshot()
    this.#checkpoint = this.#tasks.map((t) => ({
      partition: t.partition,
      ...encodeSnapshot(t.partition, t.state.entries()),
      offsets: new Map(t.offsets),
    }))
    this.#committed.push(...this.#pending)
    this.#pending = []
    this.checkpoints++
    return this
  }

  /** A worker dies: uncommitted output is aborted, and the tasks restart from the last checkpoint. */
  crash(): this {
    this.#pending = []
    this.#tasks = this.#fresh(this.#checkpoint)
    this.crashes++
    return this
  }

  /** What a read_committed consumer sees: every committed record, in commit order. */
  output(topic?: string): HarnessOutput[] {
    return this.#committed.filter((r) => topic === undefined || r.topic === topic).map(readable)
  }

  /** Emitted since the last checkpoint: lost if the worker dies now. */
  uncommitted(): HarnessOutput[] {
    return this.#pending.map(readable)
  }

  /** Task `partition`'s state as it is now (the job's entries; timers and watermarks are the runtime's). */
  state(partition = 0): ReadonlyMap<string, StateValue> {
    return new Map(this.#task(partition).state.jobEntries())
  }

  #task(partition: number): Task {
    const task = this.#tasks.find((t) => t.partition === partition)
    if (!task) throw new RangeError(`No task ${partition}: the sources have ${this.#o.partitions} partitions`)
    return task
  }

  #fresh(from: readonly Snapshot[] = []): Task[] {
    const policy: ErrorPolicy =
      this.#o.onError === 'dead-letter' ? { kind: 'dead-letter', topic: this.#o.deadLetterTopic } : { kind: 'fail' }
    const partitionsOf = (topic: string) =>
      topic === this.#o.sinkTopic
        ? this.#o.sinkPartitions
        : topic === this.#o.deadLetterTopic || this.#o.sourceTopics.includes(topic)
          ? this.#o.partitions
          : (this.#o.topicPartitions?.[topic] ?? 1)
    const offsets = (saved?: Snapshot) => new Map(this.#o.sourceTopics.map((t) => [t, saved?.offsets.get(t) ?? 0n]))
    return Array.from({ length: this.#o.partitions }, (_, partition) => {
      const saved = from.find((s) => s.partition === partition)
      return new Task({
        partition,
        slot: 0,
        job: this.#job,
        config: this.#o.config,
        state: new KeyedState(saved ? decodeSnapshot(saved.bytes, saved.checksum) : []),
        offsets: offsets(saved),
        sinkTopic: this.#o.sinkTopic,
        errorPolicy: policy,
        partitionsOf,
        now: () => this.#now,
      })
    })
  }
}

/**
 * Runs `records` through the job twice or more: once without failure, then once per position
 * with a crash right after that record (checkpoints every `checkpointEvery` records in both), and
 * throws at the first run whose committed output differs from the clean one, naming where. A job
 * that passes is deterministic enough for exactly-once: what a crash makes it process again, it
 * processes the same way. Returns the clean run's output.
 */
export function expectSameOutputUnderCrashes(
  job: Job,
  records: readonly InputRecord[],
  options: HarnessOptions & { checkpointEvery?: number } = {},
): HarnessOutput[] {
  const every = Math.max(1, options.checkpointEvery ?? 3)
  const play = (crashAfter: number | undefined) => {
    const h = new JobHarness(job, options)
    records.forEach((r, i) => {
      h.send(r).run()
      if ((i + 1) % every === 0) h.checkpoint()
      if (i === crashAfter) h.crash().run()
    })
    return h.checkpoint().output()
  }
  const clean = play(undefined)
  const want = JSON.stringify(clean)
  for (let i = 0; i < records.length; i++) {
    const got = play(i)
    if (JSON.stringify(got) !== want) {
      const at = got.findIndex((r, n) => JSON.stringify(r) !== JSON.stringify(clean[n]))
      throw new Error(
        `The job's output changed after a crash after input record ${i}: at output record ${at === -1 ? got.length : at} ` +
          `expected ${JSON.stringify(clean[at === -1 ? got.length : at] ?? null)}, got ${JSON.stringify(got[at === -1 ? clean.length : at] ?? null)}. ` +
          'Replayed records must be processed the same way: no clock, randomness or state outside ctx.state',
      )
    }
  }
  return clean
}

function toBuffer(value: string | Buffer | null): Buffer | null {
  if (value === null) return null
  return typeof value === 'string' ? Buffer.from(value) : value
}

function readable(r: OutgoingRecord): HarnessOutput {
  return {
    topic: r.topic,
    partition: r.partition,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    ...(r.headers ? { headers: r.headers } : {}),
  }
}

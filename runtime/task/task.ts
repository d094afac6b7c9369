/**
 * One task: source partition p of every source topic, its keyed state, its next offsets and its
 * time (task-time.ts). It runs the job's `process` for each record and `onTimer` for each timer
 * that falls due, and collects what the job emits; the slot writes the collected records into
 * the current transaction. Event-time timers fire right after the record that moved the
 * watermark past them, so their output lands in the same place on every replay. A record whose
 * processing throws follows the job's policy: `fail` stops the slot with a RecordProcessingError
 * naming the record; `dead-letter` undoes the record's state writes and output and sends the
 * record, with the error, to the dead-letter topic in the same transaction. Nothing is dropped
 * silently: `ctx.drop` counts what a job drops on purpose.
 */
import type { JobContext } from '../api/context.ts'
import type { Job, Timer } from '../api/define-job.ts'
import type { OutputRecord, SourceRecord } from '../api/record.ts'
import type { FetchedRecord, OutgoingRecord } from '../kafka/kafka-client.ts'
import { partitionForKey } from '../sink/partitioner.ts'
import type { KeyedState } from '../state/keyed-state.ts'
import {
  deadLetterRecord,
  dropReason,
  errorMessage,
  RecordProcessingError,
  TimerProcessingError,
} from './task-errors.ts'
import { TaskTime } from './task-time.ts'

export { RecordProcessingError, TimerProcessingError } from './task-errors.ts'

export type ErrorPolicy = { kind: 'fail' } | { kind: 'dead-letter'; topic: string }

export interface TaskOptions {
  partition: number
  slot: number
  job: Job
  config: unknown
  state: KeyedState
  /** Next offset to read per source topic (its keys are the task's source topics). */
  offsets: Map<string, bigint>
  sinkTopic: string
  errorPolicy: ErrorPolicy
  /** Partition counts of every topic the task may write to (sink, dead-letter, and any `emit({ topic })`). */
  partitionsOf(topic: string): number
  /** The wall clock (tests pass their own). */
  now?: () => number
}

export class Task {
  readonly partition: number
  readonly state: KeyedState
  readonly offsets: Map<string, bigint>
  readonly time: TaskTime
  readonly #options: TaskOptions
  readonly #pending: OutgoingRecord[] = []
  #current: SourceRecord | undefined
  #firing = false
  readonly #ctx: JobContext
  recordsIn = 0
  deadLetters = 0
  #counts = emptyCounts()

  constructor(options: TaskOptions) {
    this.partition = options.partition
    this.state = options.state
    this.offsets = options.offsets
    this.#options = options
    this.time = new TaskTime(options.state, [...options.offsets.keys()], options.job.time, options.now ?? Date.now)
    const time = this.time
    this.#ctx = {
      state: options.state,
      config: options.config,
      task: { partition: options.partition, slot: options.slot },
      emit: (record) => this.#emit(record),
      get timestamp() {
        return time.eventTime
      },
      get watermark() {
        return time.watermarks.current
      },
      timers: time.timers,
      drop: (reason) => this.#drop(reason),
      deadLetter: (reason) => this.#deadLetterOnPurpose(reason),
    }
  }

  /** Processes one record and appends its output (and any timers' it lets fire) to `out`. */
  process(fetched: FetchedRecord, out: OutgoingRecord[]): void {
    const record: SourceRecord = {
      topic: fetched.topic,
      partition: fetched.partition,
      offset: fetched.offset.toString(),
      key: fetched.key,
      value: fetched.value,
      headers: fetched.headers,
      timestamp: fetched.timestamp,
    }
    const deadLetter = this.#options.errorPolicy.kind === 'dead-letter'
    const extract = this.#options.job.time?.timestamp
    let eventTime: number | undefined
    this.#current = record
    if (deadLetter) this.state.beginRecord()
    try {
      eventTime = extract ? checkedEventTime(extract(record)) : fetched.timestamp
      this.time.eventTime = eventTime
      this.#options.job.process(record, this.#ctx)
      if (deadLetter) this.state.commitRecord()
      for (const r of this.#pending) out.push(r)
    } catch (error) {
      if (this.#options.errorPolicy.kind === 'fail') throw new RecordProcessingError(record, error)
      this.state.rollbackRecord()
      out.push(this.#deadLetter(record, errorMessage(error), error, this.#options.errorPolicy.topic))
      this.deadLetters++
      this.#counts.deadLetters++
      eventTime = undefined
    } finally {
      this.#pending.length = 0
      this.#current = undefined
    }
    this.offsets.set(fetched.topic, fetched.offset + 1n)
    this.recordsIn++
    if (eventTime !== undefined) this.time.watermarks.observe(fetched.topic, eventTime)
    this.#fireEventTimers(out)
  }

  /** Records of `topic` arrived now: its partition is not idle. */
  sawRecords(topic: string, now: number): void {
    this.time.watermarks.active(topic, now)
  }

  /** The wall clock moved: idle partitions, processing-time timers and time-to-live. */
  advanceTime(now: number, out: OutgoingRecord[]): void {
    this.time.watermarks.tick(now)
    this.#fireEventTimers(out)
    for (let t = this.time.nextDue('processing', now); t; t = this.time.nextDue('processing', now)) this.#fire(t, out)
    this.#counts.stateExpired += this.state.expire(this.time.watermarks.current, now)
  }

  /** What happened since the previous call, for metrics. */
  takeCounts(): TaskCounts {
    const counts = this.#counts
    this.#counts = emptyCounts()
    return counts
  }

  /** Called before each snapshot: what the task keeps in memory between snapshots goes into state. */
  beforeSnapshot(): void {
    this.time.flush()
  }

  #fireEventTimers(out: OutgoingRecord[]): void {
    const watermark = this.time.watermarks.current
    for (let t = this.time.nextDue('event', watermark); t; t = this.time.nextDue('event', watermark)) this.#fire(t, out)
    this.#counts.stateExpired += this.state.expire(watermark, Number.NEGATIVE_INFINITY)
  }

  #fire(timer: Timer, out: OutgoingRecord[]): void {
    const onTimer = this.#options.job.onTimer
    this.#counts.timersFired++
    if (!onTimer) return
    const deadLetter = this.#options.errorPolicy.kind === 'dead-letter'
    const eventTime = this.time.eventTime
    this.time.eventTime = timer.time
    this.#firing = true
    if (deadLetter) this.state.beginRecord()
    try {
      onTimer(timer, this.#ctx)
      if (deadLetter) this.state.commitRecord()
      for (const r of this.#pending) out.push(r)
    } catch (error) {
      if (this.#options.errorPolicy.kind === 'fail') throw new TimerProcessingError(this.partition, timer, error)
      this.state.rollbackRecord()
      out.push(this.#timerDeadLetter(timer, error, this.#options.errorPolicy.topic))
      this.deadLetters++
      this.#counts.deadLetters++
    } finally {
      this.#pending.length = 0
      this.#firing = false
      this.time.eventTime = eventTime
    }
  }

  #emit(record: OutputRecord): void {
    if (!this.#current && !this.#firing) {
      throw new Error('Cannot emit: ctx.emit() may only be called while process() or onTimer() runs')
    }
    const topic = record.topic ?? this.#options.sinkTopic
    const key = toBuffer(record.key ?? null)
    const out: OutgoingRecord = {
      topic,
      partition: partitionForKey(key, this.#options.partitionsOf(topic), this.partition),
      key,
      value: toBuffer(record.value),
    }
    if (record.headers) out.headers = record.headers
    this.#pending.push(out)
  }

  #drop(reason: string): void {
    if (!this.#current) throw new Error('Cannot drop: ctx.drop() may only be called while process() runs')
    const word = dropReason(reason)
    this.#counts.dropped.set(word, (this.#counts.dropped.get(word) ?? 0) + 1)
  }

  #deadLetterOnPurpose(reason: string): void {
    const record = this.#current
    if (!record) throw new Error('Cannot dead-letter: ctx.deadLetter() may only be called while process() runs')
    const policy = this.#options.errorPolicy
    if (policy.kind !== 'dead-letter') {
      throw new Error(
        `Cannot send record ${record.topic}/${record.partition}@${record.offset} to the dead-letter topic (${reason}): spec.job.onError is fail; set it to dead-letter with kafka.sink.deadLetterTopic`,
      )
    }
    this.#pending.push(this.#deadLetter(record, reason, undefined, policy.topic))
    this.deadLetters++
    this.#counts.deadLetters++
  }

  #deadLetter(record: SourceRecord, message: string, error: unknown, topic: string): OutgoingRecord {
    const partitions = this.#options.partitionsOf(topic)
    return deadLetterRecord(record, message, error, topic, partitionForKey(record.key, partitions, this.partition))
  }

  #timerDeadLetter(timer: Timer, error: unknown, topic: string): OutgoingRecord {
    return {
      topic,
      partition: partitionForKey(null, this.#options.partitionsOf(topic), this.partition),
      key: Buffer.from(timer.key),
      value: null,
      headers: {
        'exactly.error.message': errorMessage(error),
        'exactly.error.class': error instanceof Error ? error.name : typeof error,
        'exactly.timer.domain': timer.domain,
        'exactly.timer.time': String(timer.time),
        'exactly.source.partition': String(this.partition),
      },
    }
  }
}

export interface TaskCounts {
  deadLetters: number
  timersFired: number
  stateExpired: number
  /** Records dropped on purpose (`ctx.drop`), by reason. */
  dropped: Map<string, number>
}

function emptyCounts(): TaskCounts {
  return { deadLetters: 0, timersFired: 0, stateExpired: 0, dropped: new Map() }
}

function checkedEventTime(time: unknown): number {
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw new TypeError(`time.timestamp(record) must return a finite number of ms since the epoch, got ${String(time)}`)
  }
  return time
}

function toBuffer(value: string | Buffer | null): Buffer | null {
  if (value === null) return null
  return typeof value === 'string' ? Buffer.from(value) : value
}

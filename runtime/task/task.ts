/**
 * One task: source partition p of every source topic, its keyed state and its next offsets.
 * It runs the job's `process` for each record and collects what the job emits; the slot writes
 * the collected records into the current transaction. A record whose processing throws follows
 * the job's policy: `fail` stops the slot with a RecordProcessingError naming the record;
 * `dead-letter` undoes the record's state writes and output and sends the record, with the
 * error, to the dead-letter topic in the same transaction. Nothing is dropped silently.
 */
import type { JobContext } from '../api/context.ts'
import type { Job } from '../api/define-job.ts'
import type { OutputRecord, SourceRecord } from '../api/record.ts'
import type { FetchedRecord, OutgoingRecord } from '../kafka/kafka-client.ts'
import { partitionForKey } from '../sink/partitioner.ts'
import type { KeyedState } from '../state/keyed-state.ts'

export type ErrorPolicy = { kind: 'fail' } | { kind: 'dead-letter'; topic: string }

export interface TaskOptions {
  partition: number
  slot: number
  job: Job
  config: unknown
  state: KeyedState
  /** Next offset to read per source topic. */
  offsets: Map<string, bigint>
  sinkTopic: string
  errorPolicy: ErrorPolicy
  /** Partition counts of every topic the task may write to (sink, dead-letter, and any `emit({ topic })`). */
  partitionsOf(topic: string): number
}

/** `process` threw and the policy is `fail`: the slot stops and reports this as its failure. */
export class RecordProcessingError extends Error {
  override name = 'RecordProcessingError'
  readonly code = 'EXACTLY_RECORD_FAILED'
  readonly record: { topic: string; partition: number; offset: string }
  /**
   * The same without the cause's message, which may quote the record: what /status, the
   * StreamJob's status and Events show. The full message goes to the worker's log only.
   */
  readonly publicMessage: string

  constructor(record: { topic: string; partition: number; offset: string }, cause: unknown) {
    const where = `Cannot process record ${record.topic}/${record.partition}@${record.offset}`
    const fix = 'fix the job or set spec.job.onError to dead-letter'
    super(`${where}: ${errorMessage(cause)}; ${fix}`, { cause })
    this.record = record
    const kind = cause instanceof Error ? cause.name : typeof cause
    this.publicMessage = `${where}: process threw ${kind} (its message is in the worker's log); ${fix}`
  }
}

export class Task {
  readonly partition: number
  readonly state: KeyedState
  readonly offsets: Map<string, bigint>
  readonly #options: TaskOptions
  readonly #pending: OutgoingRecord[] = []
  #current: SourceRecord | undefined
  readonly #ctx: JobContext
  recordsIn = 0
  deadLetters = 0

  constructor(options: TaskOptions) {
    this.partition = options.partition
    this.state = options.state
    this.offsets = options.offsets
    this.#options = options
    this.#ctx = {
      state: options.state,
      config: options.config,
      task: { partition: options.partition, slot: options.slot },
      emit: (record) => this.#emit(record),
    }
  }

  /** Processes one record and appends its output to `out`. Offsets advance past it on success or dead-letter. */
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
    this.#current = record
    if (deadLetter) this.state.beginRecord()
    try {
      this.#options.job.process(record, this.#ctx)
      if (deadLetter) this.state.commitRecord()
      for (const r of this.#pending) out.push(r)
    } catch (error) {
      if (this.#options.errorPolicy.kind === 'fail') throw new RecordProcessingError(record, error)
      this.state.rollbackRecord()
      out.push(this.#deadLetterRecord(record, error, this.#options.errorPolicy.topic))
      this.deadLetters++
    } finally {
      this.#pending.length = 0
      this.#current = undefined
    }
    this.offsets.set(fetched.topic, fetched.offset + 1n)
    this.recordsIn++
  }

  #emit(record: OutputRecord): void {
    if (!this.#current) throw new Error('Cannot emit: ctx.emit() may only be called while process() runs')
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

  #deadLetterRecord(record: SourceRecord, error: unknown, topic: string): OutgoingRecord {
    return {
      topic,
      partition: partitionForKey(record.key, this.#options.partitionsOf(topic), this.partition),
      key: record.key,
      value: record.value,
      headers: {
        ...record.headers,
        'exactly.error.message': errorMessage(error),
        'exactly.error.class': error instanceof Error ? error.name : typeof error,
        'exactly.source.topic': record.topic,
        'exactly.source.partition': String(record.partition),
        'exactly.source.offset': record.offset,
      },
    }
  }
}

function toBuffer(value: string | Buffer | null): Buffer | null {
  if (value === null) return null
  return typeof value === 'string' ? Buffer.from(value) : value
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

import type { Duration, JobContext } from './context.ts'
import type { SourceRecord } from './record.ts'

/** A timer firing: the key and time it was registered with. */
export interface Timer {
  key: string
  time: number
  domain: 'event' | 'processing'
}

/** Event time: where a record's time comes from and how the watermark follows it. */
export interface TimeOptions {
  /** A record's event time in ms since the epoch; default: its Kafka timestamp. Must be deterministic. */
  timestamp?(record: SourceRecord): number
  /** How far out of order records of one partition may arrive (bounded out-of-orderness); default 0. */
  maxOutOfOrderness?: Duration
  /**
   * A source partition with no records for this long (wall clock) stops holding the watermark
   * back, until its next record; default: never. The one rule where the wall clock decides lateness.
   */
  idleTimeout?: Duration
}

export interface JobDefinition<Config = unknown> {
  /**
   * Called once per source record, in offset order per partition. Keep it deterministic: after a
   * failure the records since the last checkpoint are processed again from the restored state,
   * and their earlier output is discarded with the aborted transaction.
   */
  process(record: SourceRecord, ctx: JobContext<Config>): void
  /** Called when a timer registered with `ctx.timers` fires; `ctx.timestamp` is the timer's time. */
  onTimer?(timer: Timer, ctx: JobContext<Config>): void
  time?: TimeOptions
  /** Topics besides the sink and dead-letter topic this job emits to: their partition counts are read at start. */
  outputTopics?(config: Config): readonly string[]
}

/** A definition checked by `defineJob`; the worker loads it from the job module's default export. */
export interface Job<Config = unknown> extends JobDefinition<Config> {
  readonly kind: 'exactly.job'
}

/**
 * Defines a stream job. A job module default-exports the result:
 *
 * @example
 * ```ts
 * import { defineJob } from 'exactly/runtime'
 *
 * export default defineJob({
 *   process(record, ctx) {
 *     const word = record.value!.toString()
 *     const n = (ctx.state.get<number>(word) ?? 0) + 1
 *     ctx.state.set(word, n)
 *     ctx.emit({ key: word, value: String(n) })
 *   },
 * })
 * ```
 */
export function defineJob<Config = unknown>(definition: JobDefinition<Config>): Job<Config> {
  if (typeof definition !== 'object' || definition === null) {
    throw new TypeError('Cannot define a job: defineJob() expects an object with a process(record, ctx) function')
  }
  for (const name of ['process', 'onTimer', 'outputTopics'] as const) {
    const value = definition[name]
    if (typeof value !== 'function' && (name === 'process' || value !== undefined)) {
      const shape = name === 'process' ? ' (record, ctx) => void' : name === 'onTimer' ? ' (timer, ctx) => void' : ''
      throw new TypeError(`Cannot define a job: "${name}" must be a function${shape}, got ${typeof value}`)
    }
  }
  const { onTimer, outputTopics, time } = definition
  if (time !== undefined && (typeof time !== 'object' || time === null)) {
    throw new TypeError(`Cannot define a job: "time" must be an object ({ timestamp, maxOutOfOrderness, idleTimeout })`)
  }
  if (time?.timestamp !== undefined && typeof time.timestamp !== 'function') {
    throw new TypeError(`Cannot define a job: "time.timestamp" must be a function (record) => number`)
  }
  return Object.freeze({
    kind: 'exactly.job' as const,
    process: definition.process.bind(definition),
    ...(onTimer ? { onTimer: onTimer.bind(definition) } : {}),
    ...(outputTopics ? { outputTopics: outputTopics.bind(definition) } : {}),
    ...(time ? { time: Object.freeze({ ...time }) } : {}),
  })
}

/** Checks a job module's default export; the message says what to fix in the module. */
export function asJob(exported: unknown, modulePath: string): Job {
  const candidate = exported as Partial<Job> | undefined
  if (candidate?.kind === 'exactly.job' && typeof candidate.process === 'function') return candidate as Job
  throw new TypeError(
    `Cannot load job module "${modulePath}": its default export must be defineJob({ process(record, ctx) { … } }) from 'exactly/runtime'`,
  )
}

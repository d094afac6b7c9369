import type { JobContext } from './context.ts'
import type { SourceRecord } from './record.ts'

export interface JobDefinition<Config = unknown> {
  /**
   * Called once per source record, in offset order per partition. Keep it deterministic: after a
   * failure the records since the last checkpoint are processed again from the restored state,
   * and their earlier output is discarded with the aborted transaction.
   */
  process(record: SourceRecord, ctx: JobContext<Config>): void
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
  if (typeof definition.process !== 'function') {
    throw new TypeError(
      `Cannot define a job: "process" must be a function (record, ctx) => void, got ${typeof definition.process}`,
    )
  }
  return Object.freeze({ kind: 'exactly.job' as const, process: definition.process.bind(definition) })
}

/** Checks a job module's default export; the message says what to fix in the module. */
export function asJob(exported: unknown, modulePath: string): Job {
  const candidate = exported as Partial<Job> | undefined
  if (candidate?.kind === 'exactly.job' && typeof candidate.process === 'function') return candidate as Job
  throw new TypeError(
    `Cannot load job module "${modulePath}": its default export must be defineJob({ process(record, ctx) { … } }) from 'exactly/runtime'`,
  )
}

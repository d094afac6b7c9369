/** The errors a task raises when a job's code throws, and the dead-letter record that carries one. */
import type { Timer } from '../api/define-job.ts'
import type { SourceRecord } from '../api/record.ts'
import type { OutgoingRecord } from '../kafka/kafka-client.ts'

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
    this.publicMessage = `${where}: process threw ${kindOf(cause)} (its message is in the worker's log); ${fix}`
  }
}

/** `onTimer` threw and the policy is `fail`. */
export class TimerProcessingError extends Error {
  override name = 'TimerProcessingError'
  readonly code = 'EXACTLY_TIMER_FAILED'
  readonly publicMessage: string

  constructor(partition: number, timer: Timer, cause: unknown) {
    const where = `Cannot fire the ${timer.domain}-time timer of task ${partition} at ${timer.time}`
    const fix = 'fix the job or set spec.job.onError to dead-letter'
    super(`${where} (key ${JSON.stringify(timer.key)}): ${errorMessage(cause)}; ${fix}`, { cause })
    this.publicMessage = `${where}: onTimer threw ${kindOf(cause)} (its message is in the worker's log); ${fix}`
  }
}

export function deadLetterRecord(
  record: SourceRecord,
  message: string,
  error: unknown,
  topic: string,
  partition: number,
): OutgoingRecord {
  return {
    topic,
    partition,
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      'exactly.error.message': message,
      'exactly.error.class': error === undefined ? 'DeadLettered' : kindOf(error),
      'exactly.source.topic': record.topic,
      'exactly.source.partition': String(record.partition),
      'exactly.source.offset': record.offset,
    },
  }
}

const REASON = /^[a-z][a-z0-9-]{0,31}$/

/** A drop reason is a metric label: a short fixed word, never data. */
export function dropReason(reason: string): string {
  if (typeof reason !== 'string' || !REASON.test(reason)) {
    throw new RangeError(
      `Cannot drop the record: the reason is a metric label, a short lowercase word such as "late" (got ${JSON.stringify(reason)})`,
    )
  }
  return reason
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function kindOf(cause: unknown): string {
  return cause instanceof Error ? cause.name : typeof cause
}

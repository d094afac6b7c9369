/**
 * The StreamJob spec's durations in milliseconds, parsed once per reconcile pass (decide() does it
 * at the top) and handed down, so no decision or model re-reads the strings and a bad one fails
 * the pass in one place, with the field named (the CRD's pattern makes that rare: the API server
 * refuses such a spec first). Pure.
 */
import { parseDuration } from '../../contract/duration.ts'
import type { StreamJobSpec } from '../api/streamjob-types.ts'

export interface JobDurations {
  checkpointIntervalMs: number
  checkpointTimeoutMs: number
  transactionTimeoutMs: number
  /** restartPolicy.backoff: the first delay after a failure, and the cap as it doubles. */
  backoffInitialMs: number
  backoffMaxMs: number
  restartResetAfterMs: number
  /** spec.savepointInterval; undefined: no periodic savepoints. */
  savepointIntervalMs: number | undefined
}

export function jobDurations(spec: StreamJobSpec): JobDurations {
  return {
    checkpointIntervalMs: parseDuration(spec.checkpoint.interval, 'spec.checkpoint.interval'),
    checkpointTimeoutMs: parseDuration(spec.checkpoint.timeout, 'spec.checkpoint.timeout'),
    transactionTimeoutMs: parseDuration(spec.kafka.transactionTimeout, 'spec.kafka.transactionTimeout'),
    backoffInitialMs: parseDuration(spec.restartPolicy.backoff.initial, 'spec.restartPolicy.backoff.initial'),
    backoffMaxMs: parseDuration(spec.restartPolicy.backoff.max, 'spec.restartPolicy.backoff.max'),
    restartResetAfterMs: parseDuration(spec.restartPolicy.resetAfter, 'spec.restartPolicy.resetAfter'),
    savepointIntervalMs: spec.savepointInterval
      ? parseDuration(spec.savepointInterval, 'spec.savepointInterval')
      : undefined,
  }
}

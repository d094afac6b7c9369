/** The public job API: `import { defineJob } from 'exactly/runtime'`. */
export type { Duration, JobContext, KeyedStateView, SetOptions, StateValue, TaskInfo, Timers } from './context.ts'
export { defineJob, type Job, type JobDefinition, type TimeOptions, type Timer } from './define-job.ts'
export type { OutputRecord, SourceRecord } from './record.ts'
export { hopping, session, tumbling, type Window, type WindowAssigner } from './windows/assigners.ts'
export {
  type Aggregate,
  type LatePolicy,
  type WindowedOptions,
  type WindowResult,
  windowed,
} from './windows/windowed.ts'

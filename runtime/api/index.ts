/** The public job API: `import { defineJob } from 'exactly/runtime'`. */
export type { JobContext, KeyedStateView, StateValue, TaskInfo } from './context.ts'
export { defineJob, type Job, type JobDefinition } from './define-job.ts'
export type { OutputRecord, SourceRecord } from './record.ts'

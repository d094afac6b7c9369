/** Testing jobs without a cluster: `import { JobHarness } from 'exactly/testing'` (job-harness.ts). */
export {
  expectSameOutputUnderCrashes,
  type HarnessOptions,
  type HarnessOutput,
  type InputRecord,
  JobHarness,
} from './job-harness.ts'

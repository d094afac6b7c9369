/**
 * The examples `exactly verify` can audit, by name: each maps the input records to the output
 * the job must produce, with a model written independently of the runtime.
 */
import { expectedBank } from './bank-transfers/expected.ts'
import { expectedDedup } from './dedup/expected.ts'
import { expectedPageViews } from './page-views/expected.ts'
import { expectedSessions } from './user-sessions/expected.ts'
import type { ExpectedOutput, InputRecord } from './verify-model.ts'
import { expectedWordCount } from './word-count/expected.ts'

export const EXPECTATIONS: Readonly<Record<string, (input: readonly InputRecord[]) => ExpectedOutput>> = {
  'word-count': expectedWordCount,
  dedup: (input) => expectedDedup(input),
  'bank-transfers': expectedBank,
  'page-views': (input) => expectedPageViews(input),
  'user-sessions': (input) => expectedSessions(input),
}

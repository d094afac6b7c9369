/**
 * A run's output audited as `exactly verify` audits it: the input and output records (as read
 * read_committed) turned into plain strings and compared with an example's model of the output.
 */
import {
  compareOutput,
  type ExpectedOutput,
  type InputRecord,
  type VerifyReport,
} from '../../../examples/verify-model.ts'
import type { FetchedRecord } from '../../../runtime/kafka/kafka-client.ts'

/** The output compared with `model` of the input, record by record (see compareOutput). */
export function compareRecords(
  model: (input: readonly InputRecord[]) => ExpectedOutput,
  input: readonly FetchedRecord[],
  output: readonly FetchedRecord[],
): VerifyReport {
  return compareOutput(
    model(
      input.map((r) => ({
        topic: r.topic,
        partition: r.partition,
        offset: String(r.offset),
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
      })),
    ),
    output.map((r) => ({ key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })),
  )
}

/** Refuses a record the job built wrongly before it reaches a batch, naming the record's topic. */
import type { OutgoingRecord } from '../kafka-client.ts'

export function validateRecord(record: OutgoingRecord, action: string): void {
  if (typeof record.topic !== 'string' || record.topic === '') {
    throw new TypeError(`${action}: a record's topic must be a non-empty string`)
  }
  if (!Number.isInteger(record.partition) || record.partition < 0) {
    throw new RangeError(
      `${action}: partition must be a non-negative integer, got ${record.partition} for "${record.topic}"`,
    )
  }
  if (
    (record.key !== null && !Buffer.isBuffer(record.key)) ||
    (record.value !== null && !Buffer.isBuffer(record.value))
  ) {
    throw new TypeError(`${action}: key and value must be Buffers or null (topic "${record.topic}")`)
  }
}
